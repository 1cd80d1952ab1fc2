"""A class teacher takes the roll: exceptions first, then "the rest are here"; one tap when
everyone is there; the page reopens with its marks and never resets them; leave presets; the
counts; who took it; a double tap or a stale page changes nothing it should not."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.care.people import switch_to
from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from tests.safety.sheet import (
    HTMX_ROLL_CALL,
    SAFETY_LEAD,
    SCHOOL,
    TEACHER,
    children_of,
    class_id,
    marks_of,
    on_leave,
    read_sheet,
    roll_call_url,
    send,
    sheet_form,
    user_id,
)
from webapp.children.models import Child
from webapp.core.audit import AuditEvent
from webapp.safety import service
from webapp.safety.models import Attendance, DayPart, LeaveKind, SheetSubmission


def figures(html: str) -> dict[str, int]:
    """The counts above the sheet, by their Chinese label: 应到, 实到, 病假, 未说明 …"""
    return {
        label: int(figure)
        for figure, label in re.findall(
            r'<span class="figure"[^>]*>(\d+)</span><span class="label">([^<]+)</span>', html
        )
    }


def test_one_tap_when_everyone_is_there(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    own = class_id(app)
    children = children_of(app)
    page = text_of(teacher.get(roll_call_url(own)))
    assert "其余全到" in page and figures(page)["应到"] == len(children)

    action, values = sheet_form(teacher, roll_call_url(own))
    response = teacher.post(action, data=values)  # 其余全到, nothing else

    assert response.status_code == 303
    marks = marks_of(app, own, on_demo_day)
    assert set(marks) == {c["id"] for c in children}
    away = {c["id"] for c in children if marks[c["id"]] != Attendance.PRESENT}
    assert away == on_leave(app, on_demo_day)  # the demo's sick leave: preset, see below
    assert [marks[i] for i in away] == [Attendance.SICK]
    shown = text_of(teacher.get(response.headers["Location"]))
    assert "点名已保存：应到 10 人，实到 9 人。" in shown
    assert "王丽" in shown and "完成" in shown  # who took it, and when


def test_exceptions_first_then_the_rest_with_two_taps_each(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    own = class_id(app)
    first, second, *others = children_of(app)
    response = send(
        teacher,
        roll_call_url(own),
        {first["id"]: "absent", second["id"]: "late"},
        headers=HTMX_ROLL_CALL,
    )
    assert response.status_code == 200
    answer = text_of(response)
    assert len(response.get_data()) < 4096  # the htmx answer stays small
    assert 'id="roll-call"' in answer and "点名已保存" in answer
    counts = figures(answer)
    assert counts["应到"] == 10 and counts["实到"] == 8  # late is there; absent and sick are not
    assert counts["迟到"] == 1 and counts["未说明"] == 1 and counts["病假"] == 1
    assert first["name"] in answer and "缺勤(未说明)" in answer
    marks = marks_of(app, own, on_demo_day)
    assert marks[first["id"]] == Attendance.ABSENT and marks[second["id"]] == Attendance.LATE
    leave = on_leave(app, on_demo_day)
    assert {marks[c["id"]] for c in others if c["id"] not in leave} == {Attendance.PRESENT}


def test_reopening_shows_the_saved_marks_and_sending_it_again_keeps_them(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    own = class_id(app)
    first, second, third, *_ = children_of(app)
    send(teacher, roll_call_url(own), {first["id"]: "absent", second["id"]: "left_early"})

    reopened = text_of(teacher.get(roll_call_url(own)))
    form = read_sheet(reopened)
    assert form.values[f"s{first['id']}"] == "absent"
    assert form.values[f"s{second['id']}"] == "left_early"
    assert form.values[f"s{third['id']}"] == "present"  # saved, not a default
    assert "其余全到" not in reopened and "保存" in reopened
    assert figures(reopened)["未说明"] == 1 and figures(reopened)["早退"] == 1

    # The page sent back as it stands changes nothing; one more tap changes one mark.
    send(teacher, roll_call_url(own))
    assert marks_of(app, own, on_demo_day)[first["id"]] == Attendance.ABSENT
    send(teacher, roll_call_url(own), {third["id"]: "late"})
    marks = marks_of(app, own, on_demo_day)
    assert (marks[first["id"]], marks[second["id"]], marks[third["id"]]) == (
        Attendance.ABSENT,
        Attendance.LEFT_EARLY,
        Attendance.LATE,
    )


def test_a_page_opened_before_the_roll_was_taken_does_not_reset_it(
    app: Flask, client: FlaskClient, on_demo_day: date
) -> None:
    """Two phones: the second was opened on the empty roll call and is sent afterwards."""
    switch_to(client, TEACHER)
    own = class_id(app)
    first, second, *_ = children_of(app)
    stale_action, stale = sheet_form(client, roll_call_url(own))
    send(client, roll_call_url(own), {first["id"]: "absent"})

    stale[f"s{second['id']}"] = "sick"  # the other phone tapped someone else
    assert client.post(stale_action, data=stale).status_code == 303
    marks = marks_of(app, own, on_demo_day)
    assert marks[first["id"]] == Attendance.ABSENT  # kept: that page never showed it
    assert marks[second["id"]] == Attendance.SICK

    # Both phones reopen the saved roll call; one corrects a mark, then the other sends its
    # page as it showed it: the correction stays.
    reopened_action, reopened = sheet_form(client, roll_call_url(own))
    assert reopened[f"s{first['id']}"] == "absent"
    send(client, roll_call_url(own), {first["id"]: "late"})
    assert client.post(reopened_action, data=reopened).status_code == 303
    assert marks_of(app, own, on_demo_day)[first["id"]] == Attendance.LATE


def test_children_on_leave_are_preset_from_their_leave(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    own = class_id(app)
    child = children_of(app)[3]
    with app_session(app, SCHOOL) as session:
        service.record_leave(
            session,
            uid=uuid.uuid4(),
            child=session.get(Child, child["id"]),
            kind=LeaveKind.PERSONAL,
            starts_on=on_demo_day,
            days=1,
            part=DayPart.MORNING,
            asked_by="爷爷（电话）",
            reason=None,
            actor_id=None,
        )
    page = text_of(teacher.get(roll_call_url(own)))
    assert read_sheet(page).values[f"s{child['id']}"] == "personal"
    assert figures(page)["事假"] == 1 and figures(page)["病假"] == 1  # and the demo's sick leave
    assert figures(page)["实到"] == 8

    send(teacher, roll_call_url(own))  # "the rest are here"
    assert marks_of(app, own, on_demo_day)[child["id"]] == Attendance.PERSONAL
    afternoon = marks_of(app, own, on_demo_day, DayPart.AFTERNOON)
    assert afternoon == {}  # the school takes the roll in the morning only


def test_a_double_tap_makes_one_roll_call_and_a_replay_undoes_nothing(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    own = class_id(app)
    first = children_of(app)[0]
    action, values = sheet_form(teacher, roll_call_url(own))
    values[f"s{first['id']}"] = "absent"
    answers = [teacher.post(action, data=values) for _ in range(2)]
    assert {a.status_code for a in answers} == {303}
    assert len({a.headers["Location"] for a in answers}) == 1

    send(teacher, roll_call_url(own), {first["id"]: "late"})  # she arrived
    assert teacher.post(action, data=values).status_code == 303  # the first page, replayed
    assert marks_of(app, own, on_demo_day)[first["id"]] == Attendance.LATE
    with app_session(app, SCHOOL) as session:
        sent = session.scalar(
            select(func.count())
            .select_from(SheetSubmission)
            .where(SheetSubmission.uid == uuid.UUID(values["uid"]))
        )
        assert sent == 1


def test_the_afternoon_has_its_own_roll_call_when_the_school_wants_one(
    app: Flask, principal: FlaskClient, on_demo_day: date
) -> None:
    token = csrf_token(principal, "/s/yangguang/safety/settings")
    response = principal.post(
        "/s/yangguang/safety/settings",
        data={
            "csrf_token": token,
            "morning_deadline": "08:30",
            "afternoon_roll_call": "y",
            "afternoon_deadline": "14:40",
        },
    )
    assert response.status_code == 303
    own = class_id(app)
    page = text_of(principal.get(roll_call_url(own, part=DayPart.AFTERNOON)))
    assert "下午" in page and "上午" in page  # the two parts to choose from
    child = children_of(app)[0]
    send(principal, roll_call_url(own, part=DayPart.AFTERNOON), {child["id"]: "left_early"})
    assert marks_of(app, own, on_demo_day, DayPart.AFTERNOON)[child["id"]] == (
        Attendance.LEFT_EARLY
    )
    assert marks_of(app, own, on_demo_day) == {}  # the morning's is still to take


def test_a_roll_call_of_the_last_days_can_be_corrected_but_not_of_the_future(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    own = class_id(app)
    yesterday = on_demo_day - timedelta(days=1)
    page = text_of(teacher.get(roll_call_url(own, yesterday)))
    assert figures(page)["未说明"] == 1  # the demo's absence of Thursday
    assert teacher.get(roll_call_url(own, on_demo_day + timedelta(days=1))).status_code == 404
    assert teacher.get(roll_call_url(own, on_demo_day - timedelta(days=60))).status_code == 404


def test_only_the_class_teacher_and_the_board_take_a_class_roll(
    app: Flask, client: FlaskClient, on_demo_day: date
) -> None:
    other = class_id(app, "三年级二班")
    foreign = class_id(app, "五年级一班", "hongxing")
    switch_to(client, TEACHER)
    assert client.get(roll_call_url(other)).status_code == 404
    assert client.get(roll_call_url(foreign)).status_code == 404
    assert client.get(f"/s/hongxing/safety/roll-calls/{foreign}").status_code == 404
    assert client.get("/s/yangguang/safety/roll-calls/").status_code == 403
    switch_to(client, SAFETY_LEAD)  # takes any class's
    assert client.get(roll_call_url(other)).status_code == 200
    switch_to(client, "13900000150")  # a volunteer takes none: as if there were no class
    assert client.get(roll_call_url(other)).status_code == 404


def test_a_whole_class_found_present_is_one_audit_entry_and_each_exception_one_more(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    own = class_id(app)
    first = children_of(app)[0]
    with app_session(app, SCHOOL) as session:
        before = session.scalar(select(func.max(AuditEvent.id)))
    send(teacher, roll_call_url(own), {first["id"]: "absent"})
    with app_session(app, SCHOOL) as session:
        entries = session.execute(
            select(AuditEvent.subject, AuditEvent.child_id).where(
                AuditEvent.id > before,
                AuditEvent.actor_id == user_id(app, TEACHER),
                AuditEvent.subject.in_(["roll_call", "roll_call_mark"]),
            )
        ).all()
    subjects = sorted(subject for subject, _child in entries)
    assert subjects == ["roll_call", "roll_call_mark", "roll_call_mark"]  # absent, and sick
    assert first["id"] in {child for _subject, child in entries}
