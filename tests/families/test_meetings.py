"""Guardian meetings and training (家长会 / 监护人培训): a class teacher records one with the
families of her class as chips, once; the term's list counts them against "at least twice a
term"; attendance is set class by class and sending it again changes nothing."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.people import class_children, switch_to
from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from webapp.families.models import GuardianMeeting, MeetingAttendance

MEETINGS = "/s/yangguang/families/meetings/"


def class_id(app: Flask, name: str, slug: str = "yangguang") -> int:
    from webapp.children.models import SchoolClass

    with app_session(app, slug) as session:
        return session.scalar(select(SchoolClass.id).where(SchoolClass.name == name))


def attended(app: Flask, uid: str) -> list[int]:
    with app_session(app, "yangguang") as session:
        meeting = session.scalar(
            select(GuardianMeeting).where(GuardianMeeting.uid == uuid.UUID(uid))
        )
        if meeting is None:
            return []
        return sorted(
            session.scalars(
                select(MeetingAttendance.child_id).where(MeetingAttendance.meeting_id == meeting.id)
            )
        )


def meeting(client: FlaskClient, **changes) -> dict:
    return {
        "csrf_token": csrf_token(client, "/me"),
        "uid": str(uuid.uuid4()),
        "title": "防溺水监护人培训",
        "kind": "guardian_training",
        "happened_on": "2026-11-20",
        "place": "学校会议室",
        "summary": "讲了夏季和冬季的防溺水要点。",
    } | changes


def test_a_class_teacher_records_a_meeting_with_the_families_who_came_once(
    app: Flask, teacher: FlaskClient
) -> None:
    own = class_id(app, "三年级一班")
    form = text_of(teacher.get(f"{MEETINGS}new", query_string={"class_id": own}))
    children = class_children(app)
    assert all(c["name"] in form for c in children) and " · " in form  # who would come
    came = [c["id"] for c in children[:4]]
    data = meeting(teacher, families=[str(c) for c in came])
    url = f"{MEETINGS}new?class_id={own}"
    first, again = teacher.post(url, data=data), teacher.post(url, data=data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert attended(app, data["uid"]) == sorted(came)
    page = text_of(teacher.get(first.headers["Location"]))
    assert "防溺水监护人培训" in page and "监护人培训" in page
    assert all(c["name"] in page for c in children[:4])
    assert '<dd id="families-count">4</dd>' in page


def test_every_family_in_one_tap_without_javascript(app: Flask, teacher: FlaskClient) -> None:
    own = class_id(app, "三年级一班")
    data = meeting(teacher, every_family="y")
    teacher.post(f"{MEETINGS}new?class_id={own}", data=data)
    assert attended(app, data["uid"]) == sorted(c["id"] for c in class_children(app))


def test_attendance_is_set_class_by_class_and_a_resend_changes_nothing(
    app: Flask, teacher: FlaskClient
) -> None:
    own = class_id(app, "三年级一班")
    data = meeting(teacher)
    saved = teacher.post(f"{MEETINGS}new", data=data)
    meeting_id = re.search(r"/meetings/(\d+)", saved.headers["Location"])[1]
    children = class_children(app)
    url = f"{MEETINGS}{meeting_id}/attendance?class_id={own}"
    ticks = {"csrf_token": data["csrf_token"], "families": [str(children[0]["id"])]}
    assert teacher.post(url, data=ticks).status_code == 303
    assert teacher.post(url, data=ticks).status_code == 303
    assert attended(app, data["uid"]) == [children[0]["id"]]
    assert f'value="{children[0]["id"]}" checked' in text_of(teacher.get(url)) or re.search(
        rf'checked[^>]*value="{children[0]["id"]}"', text_of(teacher.get(url))
    )
    teacher.post(url, data={"csrf_token": data["csrf_token"], "families": [str(children[1]["id"])]})
    assert attended(app, data["uid"]) == [children[1]["id"]]  # a tick taken back


def test_the_terms_list_counts_meetings_against_twice_a_term(
    app: Flask, principal: FlaskClient
) -> None:
    page = text_of(principal.get(MEETINGS))
    before = int(re.search(r'id="meetings-count">(\d+)/2<', page)[1])
    assert "秋季学期家长会" in page  # the demo's meetings of this term
    principal.post(f"{MEETINGS}new", data=meeting(principal, title="家长学校第三课"))
    after = text_of(principal.get(MEETINGS))
    assert f'id="meetings-count">{before + 1}/2<' in after and "家长学校第三课" in after
    next_term = re.findall(r'href="/s/yangguang/families/meetings/\?term_id=(\d+)"', after)
    empty = [
        t
        for t in next_term
        if "本学期还没有会议" in text_of(principal.get(MEETINGS, query_string={"term_id": t}))
    ]
    assert empty  # the other term has none yet, and says so


def test_who_may_record_meetings(app: Flask, client: FlaskClient) -> None:
    switch_to(client, "13800000002")
    other = class_id(app, "三年级二班")
    assert client.get(f"{MEETINGS}new", query_string={"class_id": other}).status_code == 404
    switch_to(client, "13800000003")  # the room keeper keeps rooms, not meetings
    assert client.get(MEETINGS).status_code == 403
    switch_to(client, "13900000150")  # a volunteer
    assert client.get(MEETINGS).status_code == 403
