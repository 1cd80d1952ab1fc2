"""Resident ID numbers (GB 11643) and phone numbers as people type them."""

from __future__ import annotations

from datetime import date

import pytest

from webapp.core.cn import (
    IdNumberError,
    PhoneError,
    id_check_digit,
    normalise_phone,
    parse_id_number,
)


def test_a_valid_id_number_gives_birth_date_and_sex() -> None:
    parsed = parse_id_number("11010519491231002X")  # the standard's own example
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.is_male is False
    assert parsed.region_code == "110105"


def test_a_lowercase_x_spaces_and_full_width_digits_are_accepted() -> None:
    assert parse_id_number(" 11010519491231002x ").value == "11010519491231002X"
    assert parse_id_number("１１０１０５１９４９１２３１００２Ｘ").value == "11010519491231002X"


@pytest.mark.parametrize(
    "number, reason",
    [
        ("1101051949123100", "shape"),
        ("11010519491231002Y", "shape"),
        ("110105194902300021", "birth_date"),  # 30 February
        ("110105209912310021", "birth_date"),  # not born yet
        ("110105194912310021", "check_digit"),
    ],
)
def test_an_invalid_id_number_says_why(number: str, reason: str) -> None:
    with pytest.raises(IdNumberError) as error:
        parse_id_number(number)
    assert error.value.reason == reason


def test_every_single_digit_typo_is_caught_by_the_check_digit() -> None:
    good = "500120201503150012"
    good = good[:17] + id_check_digit(good[:17])
    for position in range(17):
        for digit in "0123456789":
            if digit == good[position]:
                continue
            typo = good[:position] + digit + good[position + 1 :]
            with pytest.raises(IdNumberError):
                parse_id_number(typo)


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("13800000001", "13800000001"),
        ("138 0000 0001", "13800000001"),
        ("138-0000-0001", "13800000001"),
        ("+86 138 0000 0001", "13800000001"),
        ("0086 13800000001", "13800000001"),
        ("023-41234567", "023-41234567"),
        ("(023) 4123 4567", "023-41234567"),
        ("0851-8123456", "0851-8123456"),
        ("010 6512 3456", "010-65123456"),
    ],
)
def test_phone_numbers_are_stored_one_way(typed: str, stored: str) -> None:
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["1380000000", "23800000001", "12345", "abc", "023-1234"])
def test_bad_phone_numbers_are_refused(typed: str) -> None:
    with pytest.raises(PhoneError):
        normalise_phone(typed)


def test_a_landline_is_refused_where_only_a_mobile_will_do() -> None:
    with pytest.raises(PhoneError):
        normalise_phone("023-41234567", allow_landline=False)
