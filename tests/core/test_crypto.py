"""Sensitive fields: sealed at rest, bound to their row, readable after a key rotation."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from flask import Flask
from sqlalchemy import select

from tests.conftest import app_session
from webapp.children.models import Child
from webapp.core.crypto import (
    DataCipher,
    DataKeyError,
    generate_data_key,
    mask_id_number,
    mask_phone,
)


def test_a_value_opens_only_with_its_own_associated_data() -> None:
    cipher = DataCipher.from_setting(generate_data_key())
    sealed = cipher.encrypt("420102201001011234", b"child.id_number:row-1")
    assert "4201" not in sealed
    assert cipher.decrypt(sealed, b"child.id_number:row-1") == "420102201001011234"
    with pytest.raises(InvalidTag):
        cipher.decrypt(sealed, b"child.id_number:row-2")


def test_old_values_still_open_after_a_new_key_is_added() -> None:
    old_setting = generate_data_key("k1")
    old = DataCipher.from_setting(old_setting)
    sealed = old.encrypt("13800000001", b"aad")
    rotated = DataCipher.from_setting(generate_data_key("k2") + "," + old_setting)
    assert rotated.decrypt(sealed, b"aad") == "13800000001"
    assert rotated.encrypt("x", b"aad").startswith("k2:")
    assert old.blind_index("x", "p") in rotated.blind_indexes("x", "p")


@pytest.mark.parametrize("setting", ["", "k1", "k1:c2hvcnQ=", "K 1:" + "A" * 43])
def test_a_malformed_key_setting_is_refused(setting: str) -> None:
    with pytest.raises(DataKeyError):
        DataCipher.from_setting(setting)


def test_the_database_holds_no_id_number_in_clear(app: Flask, transaction: None) -> None:
    with app_session(app, "yangguang") as session:
        child = session.scalars(select(Child).limit(1)).one()
        raw = session.execute(
            select(Child.__table__.c.id_number).where(Child.__table__.c.id == child.id)
        ).scalar_one()
        assert child.id_number and child.id_number not in raw
        assert child.id_number_hash and child.id_number not in child.id_number_hash


def test_a_sealed_id_number_copied_to_another_child_does_not_open(
    app: Flask, transaction: None
) -> None:
    with app_session(app, "yangguang") as session:
        first, second = session.scalars(select(Child).order_by(Child.id).limit(2)).all()
        second.id_number_sealed = first.id_number_sealed
        with pytest.raises(InvalidTag):
            _ = second.id_number
        session.rollback()


def test_masks_show_only_enough_to_tell_numbers_apart() -> None:
    assert mask_id_number("42010220100101123X") == "4201**********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("023-41234567") == "023-****4567"
    assert mask_phone(None) == "" and mask_id_number("") == ""
