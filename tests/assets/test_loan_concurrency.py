"""Taps at the same moment: retries of one lend form make one loan, and two keepers lending the
last copy to two children make one loan and one refusal.

Not inside a rolled-back transaction like the other tests: the requests run on their own
connections, as on a server, and the test removes what it made.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from tests.assets.conftest import BASE, children_of, item_of
from tests.conftest import app_session
from tests.helpers import copy_login, csrf_token, log_in, purge_audit
from webapp.assets.models import AssetEvent, Loan
from webapp.core.audit import AuditEvent
from webapp.core.tenancy import ALL_TENANTS
from webapp.demo.assets import KEEPER_PHONE

EVERY_SCHOOL = {ALL_TENANTS: True}


def phones(app: Flask, count: int) -> tuple[list[FlaskClient], str]:
    """Several phones logged in as the keeper, and the CSRF token they share."""
    first = app.test_client()
    log_in(first, KEEPER_PHONE)
    token = csrf_token(first, "/me")
    clients = []
    for _ in range(count):
        client = app.test_client()
        copy_login(first, client)
        clients.append(client)
    return clients, token


@pytest.fixture
def book(app: Flask) -> Iterator[dict]:
    """A book on the shelf; its loans made here are removed afterwards."""
    found = item_of(app, "稻草人")
    yield found
    with app_session(app) as session:
        ids = session.scalars(
            select(Loan.id).where(Loan.item_id == found["id"]).execution_options(**EVERY_SCHOOL)
        ).all()
        session.execute(
            delete(AssetEvent).where(AssetEvent.loan_id.in_(ids)).execution_options(**EVERY_SCHOOL)
        )
        purge_audit(
            session,
            delete(AuditEvent)
            .where(AuditEvent.subject == "asset_loan", AuditEvent.subject_id.in_(ids))
            .execution_options(**EVERY_SCHOOL),
        )
        session.execute(delete(Loan).where(Loan.id.in_(ids)).execution_options(**EVERY_SCHOOL))


def loans_of(app: Flask, item_id: int) -> list[int]:
    with app_session(app) as session:
        return list(
            session.scalars(
                select(Loan.child_id)
                .where(Loan.item_id == item_id, Loan.returned_at.is_(None))
                .execution_options(**EVERY_SCHOOL)
            )
        )


def test_twelve_identical_lend_posts_at_once_make_one_loan(app: Flask, book: dict) -> None:
    child = children_of(app, "三年级二班")[1]
    clients, token = phones(app, 12)
    form = {
        "csrf_token": token,
        "uid": str(uuid.uuid4()),
        "borrower": f"child.{child['id']}",
        "due": "14",
    }
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(
            pool.map(lambda c: c.post(f"{BASE}/i/{book['code']}/lend", data=form), clients)
        )
    assert {a.status_code for a in answers} == {303}
    assert loans_of(app, book["id"]) == [child["id"]]


def test_two_children_at_once_for_the_last_copy_make_one_loan(app: Flask, book: dict) -> None:
    children = children_of(app, "三年级二班")[2:8]
    clients, token = phones(app, len(children))

    def lend(pair: tuple[FlaskClient, dict]):
        client, child = pair
        form = {
            "csrf_token": token,
            "uid": str(uuid.uuid4()),
            "borrower": f"child.{child['id']}",
            "due": "14",
        }
        return client.post(f"{BASE}/i/{book['code']}/lend", data=form)

    with ThreadPoolExecutor(max_workers=len(children)) as pool:
        answers = list(pool.map(lend, zip(clients, children, strict=True)))
    assert sorted(a.status_code for a in answers) == [303] + [422] * (len(children) - 1)
    assert len(loans_of(app, book["id"])) == 1
