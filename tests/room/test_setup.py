"""Setting up the children's home: rooms with a keeper, hours per weekday in term time and in
the holidays, and "open now" read from them."""

from __future__ import annotations

import re
import uuid
from datetime import date, time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.people import switch_to
from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from tests.room.board import KEEPER_PHONE, room_id
from webapp.room.models import Room, RoomHours
from webapp.room.queries import room_day

SETUP = "/s/yangguang/room/setup/"


def hours_of(app: Flask, room: int) -> list[tuple]:
    with app_session(app, "yangguang") as session:
        return sorted(
            (h.weekday, h.opens, h.closes, h.in_holidays)
            for h in session.scalars(select(RoomHours).where(RoomHours.room_id == room))
        )


def test_the_principal_adds_a_room_once_and_gives_it_hours(
    app: Flask, principal: FlaskClient
) -> None:
    data = {
        "csrf_token": csrf_token(principal, SETUP),
        "uid": str(uuid.uuid4()),
        "name": "手工室",
        "kind": "art",
        "keeper_id": "0",
    }
    first = principal.post(f"{SETUP}new", data=data)
    again = principal.post(f"{SETUP}new", data=data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    with app_session(app, "yangguang") as session:
        assert len(session.scalars(select(Room).where(Room.name == "手工室")).all()) == 1
    room = int(re.search(r"/setup/(\d+)", first.headers["Location"])[1])

    hours = {
        "csrf_token": data["csrf_token"],
        "weekdays": ["5", "6"],
        "opens": "08:00",
        "closes": "11:00",
    }
    assert principal.post(f"{SETUP}{room}/hours", data=hours).status_code == 303
    assert principal.post(f"{SETUP}{room}/hours", data=hours).status_code == 303  # twice: once
    holiday = hours | {"weekdays": ["0"], "closes": "17:30", "in_holidays": "y"}
    principal.post(f"{SETUP}{room}/hours", data=holiday)
    assert hours_of(app, room) == [
        (0, time(8), time(17, 30), True),
        (5, time(8), time(11), False),
        (6, time(8), time(11), False),
    ]
    page = text_of(principal.get(f"{SETUP}{room}"))
    assert "周六 08:00–11:00" in page and "寒暑假" in page


def test_bad_hours_are_refused_next_to_the_field(app: Flask, principal: FlaskClient) -> None:
    reading = room_id(app)
    before = hours_of(app, reading)
    response = principal.post(
        f"{SETUP}{reading}/hours",
        data={"csrf_token": csrf_token(principal, SETUP), "opens": "17:00", "closes": "16:00"},
    )
    page = text_of(response)
    assert response.status_code == 422
    assert "请至少选择一天。" in page and "关门时间要晚于开门时间。" in page
    assert hours_of(app, reading) == before


def test_a_room_name_is_taken_once(app: Flask, principal: FlaskClient) -> None:
    response = principal.post(
        f"{SETUP}new",
        data={
            "csrf_token": csrf_token(principal, SETUP),
            "uid": str(uuid.uuid4()),
            "name": "阅览室",
            "kind": "reading",
            "keeper_id": "0",
        },
    )
    assert response.status_code == 422 and "已经有名为 阅览室 的房间" in text_of(response)


def test_open_now_follows_the_hours_and_the_holidays(app: Flask, transaction: None) -> None:
    with app_session(app, "yangguang") as session:
        room = session.get(Room, room_id(app))
        saturday = date(2026, 11, 28)
        term = room_day(room, saturday, holiday=False)
        assert term.open_at(time(9, 0)) is not None and term.open_at(time(11, 30)) is None
        assert term.next_opening(time(11, 30)).opens == time(13, 0)
        holiday = room_day(room, saturday, holiday=True)
        assert holiday.open_at(time(11, 15)) is not None  # longer in the holidays
        assert holiday.open_at(time(12, 0)) is None


def test_the_keeper_sets_up_rooms_and_a_teacher_may_not(app: Flask, client: FlaskClient) -> None:
    log_in(client, KEEPER_PHONE)
    assert client.get(SETUP).status_code == 200
    switch_to(client, "13800000002")
    assert client.get(SETUP).status_code == 403
    assert client.get(f"{SETUP}{room_id(app)}").status_code == 404  # as if there were no room
