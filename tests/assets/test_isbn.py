"""ISBN-10 and ISBN-13 are checked by their check digit, and a book keeps its ISBN-13."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.assets.conftest import BASE, item_by_code
from tests.care.people import post
from tests.helpers import text_of
from webapp.assets.isbn import IsbnError, normalise_isbn


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("978-7-02-009038-9", "9787020090389"),
        ("ISBN 978 7 5442 6599 7", "9787544265997"),
        ("7-5324-6322-2", "9787532463220"),  # ISBN-10, shown as its ISBN-13
        ("080442957X", "9780804429573"),  # a final X is ten
        ("080442957x", "9780804429573"),
    ],
)
def test_valid_isbns_are_kept_as_isbn_13(typed: str, kept: str) -> None:
    assert normalise_isbn(typed) == kept


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("9787020090388", "check_digit"),
        ("7-5324-6322-3", "check_digit"),
        ("9777020090389", "shape"),  # neither 978 nor 979
        ("97870200903", "shape"),
        ("X804429570", "shape"),
        ("not a number", "shape"),
    ],
)
def test_wrong_isbns_are_refused_with_their_reason(typed: str, reason: str) -> None:
    with pytest.raises(IsbnError) as refused:
        normalise_isbn(typed)
    assert refused.value.reason == reason


def book(**changes: str) -> dict:
    return {
        "uid": str(uuid.uuid4()),
        "category": "book",
        "name": "青铜葵花",
        "author": "曹文轩",
        "isbn": "9787532473748",
        "quantity": "1",
        "source": "purchase",
        "received_on": "2026-11-20",
        "value": "25.00",
        **changes,
    }


def test_a_book_with_a_wrong_check_digit_is_refused_next_to_the_field(
    keeper: FlaskClient,
) -> None:
    response = post(keeper, f"{BASE}/new", book(isbn="978-7-5324-7374-9"))
    page = text_of(response)
    assert response.status_code == 422
    assert "最后一位校验码不符：请逐位核对 ISBN。" in page
    assert 'value="978-7-5324-7374-9"' in page and 'value="青铜葵花"' in page


def test_a_book_typed_with_its_isbn_10_is_stored_with_its_isbn_13(
    app: Flask, keeper: FlaskClient
) -> None:
    response = post(keeper, f"{BASE}/new", book(isbn="7-5324-6322-2", name="爱的教育"))
    code = response.headers["Location"].rsplit("/", 1)[1]
    assert item_by_code(app, code).isbn == "9787532463220"
    assert "978-753246322-0" in text_of(keeper.get(response.headers["Location"]))
