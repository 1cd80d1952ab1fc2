"""People, items and visits the asset tests work with, made the way the school would."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.demo_day import freeze_today
from tests.care.people import post, switch_to
from tests.conftest import app_session
from tests.helpers import log_in, text_of
from webapp.assets.models import AssetItem, Loan
from webapp.children.models import Child, SchoolClass
from webapp.core.i18n import local_today
from webapp.demo.assets import DEMO_TODAY, HEAD_PHONE, KEEPER_PHONE
from webapp.room.models import Room, RoomKind, SignIn

SCHOOL = "yangguang"
BASE = f"/s/{SCHOOL}/assets"
HX = {"HX-Request": "true"}


@pytest.fixture
def keeper(client: FlaskClient) -> FlaskClient:
    """张秀英, keeper of 阳光小学's children's home."""
    log_in(client, KEEPER_PHONE)
    return client


@pytest.fixture
def on_demo_day(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch, DEMO_TODAY)


def head(client: FlaskClient) -> FlaskClient:
    return switch_to(client, HEAD_PHONE)


def item_of(app: Flask, name: str, slug: str = SCHOOL) -> dict:
    """The first item of that name: its code and plain facts."""
    with app_session(app, slug) as session:
        item = session.scalars(
            select(AssetItem).where(AssetItem.name == name).order_by(AssetItem.code)
        ).first()
        return {"id": item.id, "code": item.code, "missing": item.missing, "uid": item.uid}


def item_by_code(app: Flask, code: str, slug: str = SCHOOL) -> AssetItem | None:
    with app_session(app, slug) as session:
        item = session.scalar(select(AssetItem).where(AssetItem.code == code))
        if item is not None:
            session.expunge(item)
        return item


def open_loans(app: Flask, code: str, slug: str = SCHOOL) -> list[dict]:
    with app_session(app, slug) as session:
        item_id = session.scalar(select(AssetItem.id).where(AssetItem.code == code))
        return [
            {
                "id": loan.id,
                "child_id": loan.child_id,
                "staff_id": loan.staff_id,
                "due": loan.due_on,
            }
            for loan in session.scalars(
                select(Loan).where(Loan.item_id == item_id, Loan.returned_at.is_(None))
            )
        ]


def children_of(app: Flask, class_name: str, slug: str = SCHOOL) -> list[dict]:
    with app_session(app, slug) as session:
        rows = session.scalars(
            select(Child)
            .join(SchoolClass, SchoolClass.id == Child.class_id)
            .where(SchoolClass.name == class_name)
            .order_by(Child.id)
        )
        return [
            {"id": c.id, "name": c.name, "initials": c.name_initials.split(" ")[0]} for c in rows
        ]


def sign_in(app: Flask, child_id: int, slug: str = SCHOOL) -> None:
    """The child taps their name on the room's sign-in board (the rooms module's act)."""
    with app_session(app, slug) as session:
        room = session.scalar(select(Room).where(Room.kind == RoomKind.READING).order_by(Room.id))
        session.add(
            SignIn(
                room_id=room.id,
                child_id=child_id,
                signed_in_at=datetime.now(UTC),
                signed_in_on=local_today(),
            )
        )


def lend(
    client: FlaskClient, code: str, borrower: str, headers: dict | None = None, **data: str
) -> object:
    return post(
        client,
        f"{BASE}/i/{code}/lend",
        {"uid": str(uuid.uuid4()), "borrower": borrower, "due": "14", **data},
        headers=headers or {},
    )


def give_back(
    client: FlaskClient, code: str, condition: str = "good", headers: dict | None = None, **data
) -> object:
    return post(
        client,
        f"{BASE}/i/{code}/return",
        {"uid": str(uuid.uuid4()), "condition": condition, **data},
        headers=headers or {},
    )


def flashed(client: FlaskClient, response) -> str:
    """The page a redirect leads to, as a user reads it after the POST."""
    assert response.status_code == 303, response.status_code
    return text_of(client.get(response.headers["Location"]))


def codes_on(page: str) -> set[str]:
    return set(re.findall(r"\b[A-Z]{2}-[BEKC]-\d{4}\b", page))
