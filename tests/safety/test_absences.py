"""An unexplained absence of a left-behind child opens a follow-up for the class teacher, shown
on her today page and closed by recording the reason; absences without word on three days within
thirty raise the dropout-risk alarm (控辍) on the principal's today page."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient

from tests.care.people import switch_to
from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from tests.safety.sheet import (
    PRINCIPAL,
    SCHOOL,
    TEACHER,
    alerts_for,
    children_of,
    class_id,
    marks_of,
    roll_call_url,
    send,
    user_id,
)
from webapp.children.models import SchoolClass
from webapp.safety import service
from webapp.safety.models import Attendance, DayPart, SafetyAlertKind

TODAY = "/s/yangguang/"


def left_behind_child(app: Flask, *, left_behind: bool = True) -> dict:
    """A child of 王丽's class who is (or is not) left behind and has no story in the demo."""
    with_story = {"陈永康"}  # absent without word on Thursday in the demo
    return next(
        c
        for c in children_of(app)
        if c["left_behind"] == left_behind and c["name"] not in with_story
    )


def follow_up_links(html: str) -> list[str]:
    return re.findall(r'href="(/s/yangguang/safety/absences/\d+)"', html)


def test_an_unexplained_absence_of_a_left_behind_child_waits_on_the_teachers_today_page(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    child = left_behind_child(app)
    send(teacher, roll_call_url(class_id(app)), {child["id"]: "absent"})

    alerts = [a for a in alerts_for(app, child["id"]) if a["open"]]
    assert [(a["kind"], a["recipient_id"]) for a in alerts] == [
        (SafetyAlertKind.ABSENCE_FOLLOW_UP, user_id(app, TEACHER))
    ]
    today = text_of(teacher.get(TODAY))
    section = today[today.index('id="safety"') :]
    assert "缺勤未说明：请联系监护人" in section and child["name"] in section
    links = follow_up_links(section)
    assert len(links) == 2  # hers, and the demo's of Thursday

    page = text_of(teacher.get(links[0]))
    assert child["name"] in page and "请给监护人打电话" in page
    response = teacher.post(
        links[0],
        data={
            "csrf_token": csrf_token(teacher, TODAY),
            "reason": "ill",
            "notes": "给奶奶打了电话，孩子发烧在家。",
        },
    )
    assert response.status_code == 303
    done = text_of(teacher.get(response.headers["Location"]))
    assert "跟进已完成" in done and "孩子发烧在家" in done
    assert not [a for a in alerts_for(app, child["id"]) if a["open"]]
    assert child["name"] not in text_of(teacher.get(TODAY)).split('id="safety"')[1]


def test_a_reason_must_be_chosen_and_a_second_sending_changes_nothing(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    child = left_behind_child(app)
    send(teacher, roll_call_url(class_id(app)), {child["id"]: "absent"})
    link = follow_up_links(text_of(teacher.get(TODAY)))[0]
    token = csrf_token(teacher, TODAY)
    missing = teacher.post(link, data={"csrf_token": token, "notes": "没接电话"})
    assert missing.status_code == 422 and "请选择家里说明的原因。" in text_of(missing)
    assert "没接电话" in text_of(missing)  # what was typed is kept
    teacher.post(link, data={"csrf_token": token, "reason": "family", "notes": "家里有事"})
    teacher.post(link, data={"csrf_token": token, "reason": "ill", "notes": "改口了"})
    assert "家里有事" in text_of(teacher.get(link)) and "改口了" not in text_of(teacher.get(link))


def test_no_follow_up_for_a_child_who_is_not_left_behind(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    child = left_behind_child(app, left_behind=False)
    send(teacher, roll_call_url(class_id(app)), {child["id"]: "absent"})
    assert alerts_for(app, child["id"]) == []


def test_an_absence_corrected_to_late_closes_its_follow_up(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    child = left_behind_child(app)
    send(teacher, roll_call_url(class_id(app)), {child["id"]: "absent"})
    send(teacher, roll_call_url(class_id(app)), {child["id"]: "late"})  # she came at nine
    assert [a["open"] for a in alerts_for(app, child["id"])] == [False]
    assert marks_of(app, class_id(app), on_demo_day)[child["id"]] == Attendance.LATE


def test_another_teacher_cannot_open_the_follow_up(
    app: Flask, client: FlaskClient, on_demo_day: date
) -> None:
    switch_to(client, TEACHER)
    child = left_behind_child(app)
    send(client, roll_call_url(class_id(app)), {child["id"]: "absent"})
    link = follow_up_links(text_of(client.get(TODAY)))[0]
    switch_to(client, "13900000190")  # the safety lead: names and classes, not reasons
    assert client.get(link).status_code == 404
    switch_to(client, PRINCIPAL)
    assert client.get(link).status_code == 200


def test_three_days_absent_without_word_within_a_month_raise_the_dropout_alarm(
    app: Flask, client: FlaskClient, on_demo_day: date
) -> None:
    switch_to(client, TEACHER)
    child = left_behind_child(app)
    own = class_id(app)
    for days_ago in (20, 9):
        send(
            client,
            roll_call_url(own, on_demo_day - timedelta(days=days_ago)),
            {child["id"]: "absent"},
        )
    kinds = {a["kind"] for a in alerts_for(app, child["id"])}
    assert SafetyAlertKind.DROPOUT_RISK not in kinds  # two days: not yet

    send(client, roll_call_url(own), {child["id"]: "absent"})
    alarms = [a for a in alerts_for(app, child["id"]) if a["kind"] == SafetyAlertKind.DROPOUT_RISK]
    assert [a["recipient_id"] for a in alarms] == [user_id(app, PRINCIPAL)]
    assert "控辍预警" not in text_of(client.get(TODAY))  # the principal's, not the teacher's

    switch_to(client, PRINCIPAL)
    top = text_of(client.get(TODAY)).split('id="alerts"')[0]
    assert "控辍预警：多次无故缺勤" in top and child["name"] in top

    # A fourth day in the same month raises no second alarm.
    switch_to(client, TEACHER)
    send(client, roll_call_url(own, on_demo_day - timedelta(days=1)), {child["id"]: "absent"})
    alarms = [a for a in alerts_for(app, child["id"]) if a["kind"] == SafetyAlertKind.DROPOUT_RISK]
    assert len(alarms) == 1


def test_absences_spread_over_more_than_a_month_raise_no_alarm(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    child = left_behind_child(app)
    own = class_id(app)
    with app_session(app, SCHOOL) as session:  # two absences last month, entered back then
        school_class = session.get(SchoolClass, own)
        for days_ago in (45, 31):
            service.take_roll_call(
                session,
                uid=uuid.uuid4(),
                school_class=school_class,
                day=on_demo_day - timedelta(days=days_ago),
                part=DayPart.MORNING,
                sent={child["id"]: Attendance.ABSENT},
                actor_id=None,
            )
    send(teacher, roll_call_url(own), {child["id"]: "absent"})
    kinds = [a["kind"] for a in alerts_for(app, child["id"])]
    assert SafetyAlertKind.DROPOUT_RISK not in kinds


def test_the_principal_notes_the_alarm_and_it_leaves_only_her_page(
    app: Flask, principal: FlaskClient, on_demo_day: date
) -> None:
    page = text_of(principal.get(TODAY))
    alert_ids = re.findall(r'id="safety-alert-(\d+)"', page)
    assert alert_ids  # the demo's dropout risk in 五年级一班
    target = f"safety-alert-{alert_ids[0]}"
    response = principal.post(
        f"/s/yangguang/safety/alerts/{alert_ids[0]}/acknowledge",
        data={"csrf_token": csrf_token(principal, TODAY)},
        headers={"HX-Request": "true", "HX-Target": target},
    )
    assert response.status_code == 200 and response.get_data() == b""
    assert f'id="{target}"' not in text_of(principal.get(TODAY))
