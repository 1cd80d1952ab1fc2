"""Sign-ins do the weekly activity duty, and who came to a room today becomes a care activity
in one tap (the participants preset; the class-based entry is left as it was)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.people import class_children
from tests.care.test_duties import School
from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from tests.room.board import KEEPER_PHONE, board_url, room_id, tap
from webapp.care.duties import State
from webapp.care.models import ActivityParticipant, CareActivity, DutyKey
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.room import service
from webapp.room.models import RoomKind


def visit(school: School, child, day: date, moment: time = time(16, 10)) -> None:
    sign_in_at(school, child, datetime.combine(day, moment, tzinfo=SCHOOL_TIMEZONE))


def sign_in_at(school: School, child, now: datetime) -> None:
    """The child signs in to the reading room (made on first use) at ``now``."""
    room = service.create_room(
        school.session,
        uid=uuid.uuid5(uuid.NAMESPACE_URL, "reading"),
        name="阅览室",
        kind=RoomKind.READING,
        keeper_id=None,
        actor_id=None,
    ).room
    service.sign_in(
        school.session,
        uid=uuid.uuid4(),
        room=room,
        child=child,
        actor_id=None,
        now=now,
    )


def test_a_visit_to_the_childrens_home_that_week_does_the_activity_duty(school, cast) -> None:
    child = cast["child"]
    assert school.status(date(2026, 11, 18), DutyKey.ACTIVITY, child).state == State.OVERDUE
    visit(school, child, date(2026, 11, 18))
    assert school.status(date(2026, 11, 22), DutyKey.ACTIVITY, child).state == State.DONE
    later = school.status(date(2026, 11, 23), DutyKey.ACTIVITY, child)
    assert (later.state, later.last_done) == (State.DUE, date(2026, 11, 18))


def test_a_visit_counts_on_the_beijing_day_it_happened(school, cast) -> None:
    """Sunday 22 November at 07:30 in Beijing is still Saturday in UTC: it counts for the
    week of the 16th, not the week before or after."""
    child = cast["child"]
    visit(school, child, date(2026, 11, 22), time(7, 30))
    done = school.status(date(2026, 11, 22), DutyKey.ACTIVITY, child)
    assert done.state == State.DONE and done.last_done == date(2026, 11, 22)


def test_the_engine_still_reads_a_few_statements_with_visits(school, cast) -> None:
    for n in range(5):
        child = school.child(f"来访{n}", cast["class"])
        visit(school, child, date(2026, 11, 16 + n))
    board = school.board(date(2026, 11, 20))
    done = [s for s in board.statuses if s.duty == DutyKey.ACTIVITY and s.state == State.DONE]
    assert len(done) == 5


def test_who_came_today_becomes_an_activity_in_one_tap(app: Flask, client: FlaskClient) -> None:
    reading = room_id(app)
    log_in(client, KEEPER_PHONE)
    came = class_children(app)[:3]
    for child in came:
        tap(client, reading, f"i{child['id']}")
    board = text_of(client.get(board_url(reading)))
    form_url = re.search(r'href="([^"]+/activity)"', board)[1]
    form = text_of(client.get(form_url))
    for child in came:
        assert f'value="{child["id"]}" checked' in form or (
            re.search(rf'checked[^>]*value="{child["id"]}"', form)
        )
    uid = re.search(r'name="uid"[^>]*value="([^"]+)"', form)[1]
    data = {
        "csrf_token": csrf_token(client, "/me"),
        "uid": uid,
        "title": "读书分享会",
        "theme": "interest_group",
        "happened_on": re.search(r'name="happened_on"[^>]*value="([^"]+)"', form)[1],
        "place": "阅览室",
        "whole_class": "y",
    }
    first, again = client.post(form_url, data=data), client.post(form_url, data=data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    with app_session(app, "yangguang") as session:
        activity = session.scalar(select(CareActivity).where(CareActivity.uid == uuid.UUID(uid)))
        activity_class = activity.class_id
        taking_part = set(
            session.scalars(
                select(ActivityParticipant.child_id).where(
                    ActivityParticipant.activity_id == activity.id
                )
            )
        )
    assert taking_part == {c["id"] for c in came} and activity_class is None
    assert "读书分享会" in text_of(client.get(first.headers["Location"]))


def test_an_empty_room_makes_no_activity(app: Flask, client: FlaskClient) -> None:
    log_in(client, KEEPER_PHONE)
    page = text_of(client.get(f"{board_url(room_id(app, '美术室'))}activity"))
    assert "今天还没有孩子在美术室签到。" in page and 'method="post"' not in page
