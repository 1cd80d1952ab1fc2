"""Another school's roll calls, absences, leaves, rooms and alerts answer 404 and change nothing,
whatever id is tried; its children are never offered in a picker."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from tests.safety.sheet import children_of, class_id, marks_of
from webapp.safety.models import Attendance, DormRoom, Leave, RollCallMark, SafetyAlert


def hongxing_ids(app: Flask) -> dict[str, int]:
    with app_session(app, "hongxing") as session:
        return {
            "absence": session.scalar(
                select(RollCallMark.id).where(RollCallMark.status == Attendance.ABSENT)
            ),
            "alert": session.scalar(select(SafetyAlert.id)),
            "room": session.scalar(select(DormRoom.id)),
            "leave": session.scalar(select(Leave.id)),
        }


def test_another_schools_safety_records_are_not_found_under_this_school(
    app: Flask, principal: FlaskClient, on_demo_day: date
) -> None:
    ids = hongxing_ids(app)
    assert all(ids.values())
    token = csrf_token(principal, "/s/yangguang/")
    base = "/s/yangguang/safety"
    foreign_class = class_id(app, "五年级一班", "hongxing")
    for url in (
        f"{base}/absences/{ids['absence']}",
        f"{base}/roll-calls/{foreign_class}",
        f"{base}/dorm/{ids['room']}",
        f"{base}/dorm/{ids['room']}/beds",
    ):
        assert principal.get(url).status_code == 404, url
        assert principal.post(url, data={"csrf_token": token, "reason": "ill"}).status_code == 404
    for url in (
        f"{base}/alerts/{ids['alert']}/acknowledge",
        f"{base}/leave/{ids['leave']}/cancel",
    ):
        assert principal.post(url, data={"csrf_token": token}).status_code == 404, url
    with app_session(app, "hongxing") as session:
        assert session.get(SafetyAlert, ids["alert"]).closed_at is None
        assert session.get(Leave, ids["leave"]).cancelled_at is None
    assert marks_of(app, foreign_class, on_demo_day) == {}


def test_the_leave_picker_never_offers_another_schools_child(
    app: Flask, principal: FlaskClient, on_demo_day: date
) -> None:
    stranger = children_of(app, "五年级一班", "hongxing")[0]
    page = text_of(
        principal.get("/s/yangguang/safety/leave/new", query_string={"q": stranger["name"]})
    )
    assert f'child_id={stranger["id"]}"' not in page
    assert (
        principal.get(f"/s/yangguang/safety/leave/new?child_id={stranger['id']}").status_code == 404
    )
