"""What the children's home tests share: the rooms, the board's form as the page renders it,
a tap the way the page sends it, and the visits a child has."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from webapp.room.models import Room, RoomAction, SignIn

SCHOOL = "yangguang"
KEEPER_PHONE = "13800000003"  # 张秀英, keeper of the children's home
HTMX_BOARD = {"HX-Request": "true", "HX-Target": "board"}


def room_id(app: Flask, name: str = "阅览室", slug: str = SCHOOL) -> int:
    with app_session(app, slug) as session:
        return session.scalar(select(Room.id).where(Room.name == name))


def board_url(room: int, slug: str = SCHOOL) -> str:
    return f"/s/{slug}/room/rooms/{room}/"


def board_uid(html: str) -> str:
    return re.search(r'name="uid" value="([^"]+)"', html).group(1)


def open_board(client: FlaskClient, room: int, q: str = "") -> str:
    response = client.get(board_url(room), query_string={"q": q} if q else None)
    assert response.status_code == 200
    return text_of(response)


def tap(
    client: FlaskClient,
    room: int,
    value: str,
    *,
    uid: str | None = None,
    htmx: bool = False,
    q: str = "",
) -> TestResponse:
    """One tap on a tile of a freshly opened board (or of the board whose uid is given)."""
    uid = uid or board_uid(open_board(client, room, q))
    data = {"csrf_token": csrf_token(client, "/me"), "uid": uid, "tap": value}
    if q:
        data["q"] = q
    return client.post(f"{board_url(room)}tap", data=data, headers=HTMX_BOARD if htmx else None)


def visits(app: Flask, child_id: int) -> list[dict]:
    """The child's visits, oldest first, as plain facts."""
    with app_session(app, SCHOOL) as session:
        rows = session.scalars(
            select(SignIn).where(SignIn.child_id == child_id).order_by(SignIn.id)
        )
        return [
            {
                "room_id": v.room_id,
                "open": v.signed_out_at is None,
                "self_service": v.self_service,
                "on": v.signed_in_on,
            }
            for v in rows
        ]


def open_in(app: Flask, room: int) -> list[int]:
    with app_session(app, SCHOOL) as session:
        return sorted(
            session.scalars(
                select(SignIn.child_id).where(
                    SignIn.room_id == room, SignIn.signed_out_at.is_(None)
                )
            )
        )


def actions(app: Flask, room: int) -> int:
    with app_session(app, SCHOOL) as session:
        return len(session.scalars(select(RoomAction.id).where(RoomAction.room_id == room)).all())


def undo_url(html: str) -> str:
    return re.search(r'action="(/s/\w+/room/actions/[\w-]+/undo)"', html).group(1)


def undo(client: FlaskClient, html: str, *, htmx: bool = False) -> TestResponse:
    return client.post(
        undo_url(html),
        data={"csrf_token": csrf_token(client, "/me")},
        headers=HTMX_BOARD if htmx else None,
    )
