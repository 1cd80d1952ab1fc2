"""A loan and its return kept on the phone without signal: sent later, each keeps the time it
happened on the phone, and a return refused (nothing on loan) says so with 422 in place."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.assets.conftest import BASE, children_of, item_of
from tests.assets.conftest import keeper as keeper
from tests.care.people import post
from tests.conftest import app_session
from tests.helpers import text_of
from webapp.assets.models import AssetItem, Loan

PANEL = {"HX-Request": "true", "HX-Target": "loan-panel"}


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def loans_of(app: Flask, code: str) -> list[tuple[datetime, datetime | None]]:
    with app_session(app, "yangguang") as session:
        item_id = session.scalar(select(AssetItem.id).where(AssetItem.code == code))
        return [
            (loan.lent_at, loan.returned_at)
            for loan in session.scalars(select(Loan).where(Loan.item_id == item_id))
        ]


def test_a_loan_and_its_return_kept_offline_keep_when_they_happened(
    app: Flask, keeper: FlaskClient
) -> None:
    child = children_of(app, "三年级二班")[5]
    book = item_of(app, "城南旧事")
    before = loans_of(app, book["code"])
    lent_at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=30)
    returned_at = lent_at + timedelta(hours=2)
    lend = {
        "uid": str(uuid.uuid4()),
        "borrower": f"child.{child['id']}",
        "due": "7",
        "captured_at": iso(lent_at),
    }
    back = {"uid": str(uuid.uuid4()), "condition": "good", "captured_at": iso(returned_at)}
    for _replay in range(2):  # the first replay's answers were lost: sent again, once only
        assert post(keeper, f"{BASE}/i/{book['code']}/lend", lend).status_code == 303
        assert post(keeper, f"{BASE}/i/{book['code']}/return", back).status_code == 303
    [new] = [loan for loan in loans_of(app, book["code"]) if loan not in before]
    assert new == (lent_at, returned_at)


def test_a_loan_kept_longer_than_72_hours_is_refused_in_place(
    app: Flask, keeper: FlaskClient
) -> None:
    child = children_of(app, "三年级二班")[7]
    book = item_of(app, "稻草人")
    before = loans_of(app, book["code"])
    lend = {
        "uid": str(uuid.uuid4()),
        "borrower": f"child.{child['id']}",
        "due": "7",
        "captured_at": iso(datetime.now(UTC) - timedelta(hours=73)),
    }
    answer = post(keeper, f"{BASE}/i/{book['code']}/lend", lend, headers=PANEL)
    assert answer.status_code == 422
    assert "72小时" in text_of(answer)
    assert loans_of(app, book["code"]) == before
