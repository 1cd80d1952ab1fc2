"""Entries kept on the phone count when they were made there, not when the signal came back:
sign-ins, roll calls and pickups keep the phone's time; what counts is clamped to the 30 days
before the server received it, and never later than that."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.demo_day import freeze_today
from tests.care.people import post
from tests.care.test_duties import School
from tests.conftest import app_session
from tests.offline.test_replay import FORMS
from tests.room.board import board_uid, board_url, open_board, room_id
from tests.room.test_activity_and_duty import sign_in_at
from tests.safety.sheet import class_id
from tests.transport.people import KG
from webapp.care.duties import State
from webapp.care.models import DutyKey
from webapp.core.forms import COUNTED_WITHIN, counted_time
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.demo.care import DEMO_TODAY
from webapp.room.models import SignIn
from webapp.safety.models import RollCall
from webapp.transport.models import Release


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


RECEIVED = datetime(2026, 11, 20, 12, 0, tzinfo=SCHOOL_TIMEZONE)  # a Friday in term


def test_the_counted_time_is_the_phones_clamped_to_the_30_days_before_receipt() -> None:
    assert timedelta(days=30) == COUNTED_WITHIN
    yesterday = RECEIVED - timedelta(hours=26)
    assert counted_time(yesterday, RECEIVED) == yesterday
    assert counted_time(RECEIVED - timedelta(days=40), RECEIVED) == RECEIVED - timedelta(days=30)
    assert counted_time(RECEIVED + timedelta(days=2), RECEIVED) == RECEIVED  # a clock ahead
    assert counted_time(None, RECEIVED) == RECEIVED  # sent at once


def sign_in_kept_offline(school: School, child, captured: datetime) -> None:
    # counted as the routes count the form's captured_at
    sign_in_at(school, child, counted_time(captured, RECEIVED))


def test_a_sign_in_captured_40_days_before_receipt_counts_30_days_before(school, cast) -> None:
    """The weekly activity duty (care/duties.py) reads the sign-in's day."""
    child = cast["child"]
    sign_in_kept_offline(school, child, RECEIVED - timedelta(days=40))  # Sunday 11 October
    clamped = (RECEIVED - timedelta(days=30)).date()  # Wednesday 21 October
    done = school.status(clamped, DutyKey.ACTIVITY, child)
    assert (done.state, done.last_done) == (State.DONE, clamped)
    assert school.status(date(2026, 10, 11), DutyKey.ACTIVITY, child).state != State.DONE


def test_a_sign_in_captured_in_the_future_counts_at_receipt(school, cast) -> None:
    child = cast["child"]
    sign_in_kept_offline(school, child, RECEIVED + timedelta(days=3))  # next Monday
    done = school.status(RECEIVED.date(), DutyKey.ACTIVITY, child)
    assert (done.state, done.last_done) == (State.DONE, RECEIVED.date())
    following = school.status(date(2026, 11, 23), DutyKey.ACTIVITY, child)
    assert following.state == State.DUE  # the next week is not done by a clock ahead


def test_a_talk_captured_40_days_before_receipt_is_dated_within_the_30_days(school, cast) -> None:
    """A care record counts on the day the teacher picked (``happened_on``); the time it
    happened is the phone's, clamped the same way."""
    captured = RECEIVED - timedelta(days=40)
    record = school.record(
        cast["child"], cast["proxy"], captured.date(), now=counted_time(captured, RECEIVED)
    )
    assert record.happened_at <= RECEIVED
    talk = school.status(captured.date(), DutyKey.PROXY_PARENT_TALK, cast["child"])
    assert talk.state == State.DONE and talk.last_done == captured.date()


# Through the forms: the time on the phone is kept ------------------------------------------


@pytest.fixture
def on_demo_day(monkeypatch: pytest.MonkeyPatch) -> date:
    return freeze_today(monkeypatch, DEMO_TODAY)


def test_a_sign_in_kept_offline_keeps_the_day_and_time_on_the_phone(
    app: Flask, client: FlaskClient
) -> None:
    entry = FORMS["sign_in"](app, client)
    room = room_id(app)
    child_id = int(entry.data["tap"][1:])
    captured = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=30)
    data = {"uid": board_uid(open_board(client, room)), "tap": f"i{child_id}"}
    answer = post(client, f"{board_url(room)}tap", data | {"captured_at": iso(captured)})
    assert answer.status_code == 303
    with app_session(app, "yangguang") as session:
        visit = session.scalars(
            select(SignIn).where(SignIn.child_id == child_id).order_by(SignIn.id.desc())
        ).first()
        assert visit.signed_in_at == captured
        assert visit.signed_in_on == captured.astimezone(SCHOOL_TIMEZONE).date()


def test_a_sign_in_with_the_phones_clock_a_little_ahead_counts_at_arrival(
    app: Flask, client: FlaskClient
) -> None:
    entry = FORMS["sign_in"](app, client)
    child_id = int(entry.data["tap"][1:])
    ahead = datetime.now(UTC) + timedelta(minutes=3)  # within the skew forgiven
    answer = post(client, entry.url, entry.data | {"captured_at": iso(ahead)})
    assert answer.status_code == 303
    with app_session(app, "yangguang") as session:
        visit = session.scalars(
            select(SignIn).where(SignIn.child_id == child_id).order_by(SignIn.id.desc())
        ).first()
        assert visit.signed_in_at <= datetime.now(UTC) < ahead


def test_a_roll_call_kept_offline_is_taken_when_the_phone_says(
    app: Flask, client: FlaskClient, on_demo_day: date
) -> None:
    entry = FORMS["roll_call"](app, client)
    captured = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    assert post(client, entry.url, entry.data | {"captured_at": iso(captured)}).status_code == 303
    with app_session(app, "yangguang") as session:
        taken = session.scalar(
            select(RollCall.taken_at).where(
                RollCall.class_id == class_id(app), RollCall.day == on_demo_day
            )
        )
    assert taken == captured


def test_a_pickup_kept_offline_is_handed_over_on_the_day_and_time_the_phone_says(
    app: Flask, client: FlaskClient
) -> None:
    entry = FORMS["pickup"](app, client)
    captured = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=26)
    assert post(client, entry.url, entry.data | {"captured_at": iso(captured)}).status_code == 303
    with app_session(app, KG) as session:
        release = session.scalars(
            select(Release).where(Release.uid == uuid.UUID(entry.data["uid"]))
        ).one()
        assert release.released_at == captured
        assert release.day == captured.astimezone(SCHOOL_TIMEZONE).date()
