"""Leave (请假): entered once from a grandparent's call through a child picker, listed per day,
its reason sealed and shown only to those who may read it, and asked for by the roll call, the
dorm and the bus through ``on_leave``."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.care.entry import child_with_guardian
from tests.care.people import switch_to
from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from tests.safety.sheet import DORM_SUPERVISOR, SCHOOL, TEACHER, children_of
from webapp.children.models import Child
from webapp.safety import queries, service
from webapp.safety.models import DayPart, Leave, LeaveKind

NEW = "/s/yangguang/safety/leave/new"
LIST = "/s/yangguang/safety/leave/"


def leave_form(client: FlaskClient, child_id: int, **values: str) -> dict:
    page = text_of(client.get(f"{NEW}?child_id={child_id}"))
    uid = re.search(r'name="uid" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="uid" value="([^"]+)"', page
    )
    return {
        "csrf_token": csrf_token(client, LIST),
        "uid": uid.group(1),
        "kind": "sick",
        "starts_on": date(2026, 11, 27).isoformat(),
        "days": "2",
        "part": "whole_day",
        "asked_by": "奶奶（电话）",
        "reason": "发烧，在家休息。",
        **values,
    }


def leaves_of(app: Flask, child_id: int) -> list[Leave]:
    with app_session(app, SCHOOL) as session:
        found = session.scalars(select(Leave).where(Leave.child_id == child_id)).all()
        session.expunge_all()
        return list(found)


def test_the_picker_shows_her_class_first_and_finds_the_others(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    page = text_of(teacher.get(NEW))
    own = children_of(app)
    assert all(child["name"] in page for child in own)
    mine = own[4]
    found = teacher.get(
        NEW,
        query_string={"q": mine["name"]},
        headers={"HX-Request": "true", "HX-Target": "pick-results"},
    )
    assert found.status_code == 200 and text_of(found).startswith('<div id="pick-results">')
    assert f"child_id={mine['id']}" in text_of(found)
    hongxing = children_of(app, "五年级一班", "hongxing")[0]
    answer = text_of(teacher.get(NEW, query_string={"q": hongxing["name"]}))
    assert f'child_id={hongxing["id"]}"' not in answer
    assert teacher.get(f"{NEW}?child_id={hongxing['id']}").status_code == 404


def test_a_leave_taken_on_the_phone_is_saved_once_and_listed_on_its_days(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    child = child_with_guardian(app)
    data = leave_form(teacher, child["id"])
    page = text_of(teacher.get(f"{NEW}?child_id={child['id']}"))
    assert 'list="asked-by-options"' in page  # the guardians offered as answers
    assert child["guardian_name"] in page.split("<datalist")[1]
    before = {leave.id for leave in leaves_of(app, child["id"])}
    answers = [teacher.post(NEW + f"?child_id={child['id']}", data=data) for _ in range(2)]
    assert {a.status_code for a in answers} == {303}
    (saved,) = [leave for leave in leaves_of(app, child["id"]) if leave.id not in before]
    monday = on_demo_day + timedelta(days=3)
    assert (saved.starts_on, saved.ends_on) == (on_demo_day, monday)  # two school days
    assert saved.reason_sealed and "发烧" not in saved.reason_sealed  # sealed at rest

    listed = text_of(teacher.get(answers[0].headers["Location"]))
    assert child["name"] in listed and "病假" in listed and "奶奶（电话）" in listed
    assert "发烧，在家休息。" in listed  # her class: she reads the reason
    listed_monday = text_of(teacher.get(LIST, query_string={"day": monday.isoformat()}))
    assert child["name"] in listed_monday
    tuesday = (monday + timedelta(days=1)).isoformat()
    assert child["name"] not in text_of(teacher.get(LIST, query_string={"day": tuesday}))


def test_mistakes_are_explained_next_to_their_field(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    child = children_of(app)[2]
    data = leave_form(teacher, child["id"], days="0", kind="", starts_on="2026-01-01")
    response = teacher.post(NEW + f"?child_id={child['id']}", data=data)
    page = text_of(response)
    assert response.status_code == 422
    for message in ("天数应在 1 到 60 之间。", "请选择病假或事假。", "日期太早，现在不能再补录。"):
        assert message in page
    assert "奶奶（电话）" in page  # kept
    assert leaves_of(app, child["id"]) == []


def test_the_reason_is_for_the_class_teacher_not_for_the_dorm_supervisor(
    app: Flask, client: FlaskClient, on_demo_day: date
) -> None:
    switch_to(client, TEACHER)
    child = children_of(app)[2]
    client.post(NEW + f"?child_id={child['id']}", data=leave_form(client, child["id"]))
    switch_to(client, DORM_SUPERVISOR)
    listed = text_of(client.get(LIST))
    assert child["name"] in listed and "发烧" not in listed
    assert "取消" not in listed.split(child["name"])[1].split("</li>")[0]


def test_a_leave_is_cancelled_by_whoever_may_manage_it(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    child = children_of(app)[2]
    teacher.post(NEW + f"?child_id={child['id']}", data=leave_form(teacher, child["id"]))
    leave_id = leaves_of(app, child["id"])[0].id
    response = teacher.post(
        f"{LIST}{leave_id}/cancel", data={"csrf_token": csrf_token(teacher, LIST), "day": ""}
    )
    assert response.status_code == 303
    assert leaves_of(app, child["id"])[0].cancelled_at is not None
    listed = text_of(teacher.get(response.headers["Location"]))
    assert f"已取消请假：{child['name']}。" in listed
    assert child["name"] not in listed.split('<main id="main">')[1]


def test_on_leave_answers_the_roll_call_the_dorm_and_the_bus(app: Flask, transaction: None) -> None:
    day = date(2026, 11, 30)
    whole, morning, night = (c["id"] for c in children_of(app)[:3])
    with app_session(app, SCHOOL) as session:
        for child_id, part in (
            (whole, DayPart.WHOLE_DAY),
            (morning, DayPart.MORNING),
            (night, DayPart.NIGHT),
        ):
            service.record_leave(
                session,
                uid=uuid.uuid4(),
                child=session.get(Child, child_id),
                kind=LeaveKind.PERSONAL,
                starts_on=day,
                days=1,
                part=part,
                asked_by=None,
                reason=None,
                actor_id=None,
            )
        assert queries.on_leave(session, day, DayPart.MORNING) == {whole, morning}
        assert queries.on_leave(session, day, DayPart.AFTERNOON) == {whole}
        assert queries.on_leave(session, day, DayPart.NIGHT) == {whole, night}
        assert queries.on_leave(session, day, DayPart.WHOLE_DAY) == {whole}
        assert queries.on_leave(session, day + timedelta(days=1), DayPart.MORNING) == set()
        count = session.scalar(select(func.count()).select_from(Leave))
    with app_session(app, "hongxing") as session:  # another school sees none of them
        assert queries.on_leave(session, day, DayPart.MORNING) == set()
    assert count >= 3


def test_leave_is_counted_in_school_days() -> None:
    friday, monday = date(2026, 11, 27), date(2026, 11, 30)
    assert service.last_day_of_leave(friday, 1) == friday
    assert service.last_day_of_leave(friday, 2) == monday
    assert service.last_day_of_leave(monday, 5) == friday + timedelta(days=7)
    assert service.last_day_of_leave(date(2026, 11, 28), 1) == date(2026, 11, 28)
