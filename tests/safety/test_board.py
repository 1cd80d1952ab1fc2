"""The safety lead's board: the classes that have not taken the roll by the school's deadline
(08:30 unless the school sets another), at an injected time."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.care.people import switch_to
from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from tests.safety.sheet import (
    PRINCIPAL,
    SAFETY_LEAD,
    SCHOOL,
    TEACHER,
    beijing,
    class_id,
    roll_call_url,
    send,
)
from webapp.safety import queries
from webapp.safety import today as safety_today
from webapp.safety.models import DayPart

TODAY = "/s/yangguang/"
NOT_TAKEN_IN_THE_DEMO = {"三年级一班", "六年级一班"}


def late_at(app: Flask, day: date, now: datetime) -> set[str]:
    with app_session(app, SCHOOL) as session:
        return {row.class_name for row in queries.board(session, day, now).late}


def test_a_class_is_late_once_the_deadline_has_passed(app: Flask, transaction: None) -> None:
    day = date(2026, 11, 27)
    assert late_at(app, day, beijing(day, 8, 29)) == set()
    assert late_at(app, day, beijing(day, 8, 31)) == NOT_TAKEN_IN_THE_DEMO
    with app_session(app, SCHOOL) as session:
        board = queries.board(session, day, beijing(day, 8, 31))
        assert board.taken == 5 and len(board.rows) == 7


def test_no_roll_call_is_due_on_a_sunday(app: Flask, transaction: None) -> None:
    sunday = date(2026, 11, 29)
    with app_session(app, SCHOOL) as session:
        board = queries.board(session, sunday, beijing(sunday, 10, 0))
        assert not board.school_day and board.rows == []


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    """Set the time the today page and the board read."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(safety_today, "utcnow", lambda: moment)
        monkeypatch.setattr("webapp.safety.routes.utcnow", lambda: moment)

    return set_to


def test_the_safety_leads_today_page_lists_the_classes_late_with_their_roll(
    app: Flask, client: FlaskClient, on_demo_day: date, clock
) -> None:
    switch_to(client, SAFETY_LEAD)
    clock(beijing(on_demo_day, 8, 29))
    page = text_of(client.get(TODAY))
    assert "今日点名：已完成 5 / 7" in page and "超时未点名" not in page

    clock(beijing(on_demo_day, 8, 31))
    page = text_of(client.get(TODAY))
    assert "2 个班超时未点名" in page
    late = page.split("超时未点名")[1].split("今日点名")[0]
    assert all(name in late for name in NOT_TAKEN_IN_THE_DEMO)

    switch_to(client, TEACHER)  # 王丽 takes hers
    send(client, roll_call_url(class_id(app)))
    switch_to(client, SAFETY_LEAD)
    page = text_of(client.get(TODAY))
    assert "1 个班超时未点名" in page and "三年级一班" not in page.split("超时未点名")[1]
    board = text_of(client.get("/s/yangguang/safety/roll-calls/"))
    assert board.index("六年级一班") < board.index("一年级一班")  # the late one first


def test_the_school_sets_its_own_deadline(
    app: Flask, client: FlaskClient, on_demo_day: date, clock
) -> None:
    switch_to(client, PRINCIPAL)
    token = csrf_token(client, "/s/yangguang/safety/settings")
    wrong = client.post(
        "/s/yangguang/safety/settings", data={"csrf_token": token, "morning_deadline": "九点"}
    )
    assert wrong.status_code == 422
    client.post(
        "/s/yangguang/safety/settings", data={"csrf_token": token, "morning_deadline": "09:00"}
    )
    switch_to(client, SAFETY_LEAD)
    clock(beijing(on_demo_day, 8, 45))
    assert "超时未点名" not in text_of(client.get(TODAY))
    clock(beijing(on_demo_day, 9, 1))
    assert "2 个班超时未点名" in text_of(client.get(TODAY))


def test_a_class_teacher_sees_her_own_roll_call_due_and_then_taken(
    app: Flask, teacher: FlaskClient, on_demo_day: date, clock
) -> None:
    clock(beijing(on_demo_day, 7, 50))
    section = text_of(teacher.get(TODAY)).split('id="safety"')[1]
    assert "点名 · 三年级一班" in section and "尚未点名" in section and "已超时" not in section
    clock(beijing(on_demo_day, 8, 40))
    assert "尚未点名，已超时" in text_of(teacher.get(TODAY))
    send(teacher, roll_call_url(class_id(app)))
    section = text_of(teacher.get(TODAY)).split('id="safety"')[1]
    assert "已点名" in section and "尚未点名" not in section
    assert f"part={DayPart.MORNING.value}" in section
