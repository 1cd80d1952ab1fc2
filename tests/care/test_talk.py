"""A talk (谈心) recorded on the phone: once however often it is sent, kept as it was, corrected
beside itself, read only by those who may, and its concern carried to the people who act."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from webapp.auth.service import find_user_by_phone
from webapp.care import service
from webapp.care.models import AlertKind, CareAlert, CareKind, CareRecord, Pairing
from webapp.children.models import Child, SchoolClass
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.i18n import local_today
from webapp.core.org import Membership, Tenant
from webapp.core.permissions import Role
from webapp.demo.data import VOLUNTEER_PHONE

# These tests start from a school with no care record yet.
pytestmark = pytest.mark.usefixtures("without_demo_care")

CLASS = "三年级一班"
ENTRY = {"HX-Request": "true", "HX-Target": "care-entry"}


def child_of(app: Flask, class_name: str = CLASS) -> tuple[int, str]:
    with app_session(app, "yangguang") as session:
        child = session.scalars(
            select(Child)
            .join(Child.school_class)
            .where(SchoolClass.name == class_name)
            .order_by(Child.id)
        ).first()
        return child.id, child.name


def talk_url(child_id: int) -> str:
    return f"/s/yangguang/care/records/new/talk?child_id={child_id}"


def form_uid(html: str) -> str:
    return re.search(r'name="uid" type="hidden" value="([0-9a-f-]{36})"', html).group(1)


def talk(client: FlaskClient, child_id: int, **changes) -> dict:
    """A filled talk form, as the page hands it out (with its own uid)."""
    page = text_of(client.get(talk_url(child_id)))
    return {
        "csrf_token": csrf_token(client, "/me"),
        "uid": form_uid(page),
        "topics": ["study", "feelings"],
        "mood": "3",
        "notes": "聊了期中考试，她说数学有进步。",
        "channel": "face_to_face",
        "happened_on": local_today().isoformat(),
        **changes,
    }


@dataclass(frozen=True)
class Talk:
    id: int
    notes: str | None
    amends_id: int | None
    follow_up_due: date | None
    follow_up_done_on: date | None


def talks_of(app: Flask, child_id: int) -> list[Talk]:
    """The child's talks, read out of the database as plain values."""
    with app_session(app, "yangguang") as session:
        records = session.scalars(
            select(CareRecord)
            .where(CareRecord.child_id == child_id, CareRecord.kind == CareKind.TALK)
            .order_by(CareRecord.id)
        )
        return [
            Talk(r.id, r.notes, r.amends_id, r.follow_up_due, r.follow_up_done_on) for r in records
        ]


def test_a_talk_is_saved_once_and_the_answer_leads_to_it(app: Flask, teacher: FlaskClient) -> None:
    child_id, name = child_of(app)
    form = talk(teacher, child_id)
    first = teacher.post(talk_url(child_id), data=form)
    again = teacher.post(talk_url(child_id), data=form)  # a double tap, a retry
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    [record] = talks_of(app, child_id)
    assert first.headers["Location"].endswith(f"/care/records/{record.id}")
    page = text_of(teacher.get(first.headers["Location"]))
    assert "聊了期中考试" in page and "学习" in page and "情绪" in page and name in page
    timeline = text_of(teacher.get(f"/s/yangguang/care/children/{child_id}/timeline"))
    assert f"/care/records/{record.id}" in timeline
    with app_session(app, "yangguang") as session:
        logged = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.subject == "care_record", AuditEvent.subject_id == record.id)
        )
    assert logged == 1


def test_the_talk_text_is_sealed_in_the_database(app: Flask, teacher: FlaskClient) -> None:
    child_id, _name = child_of(app)
    teacher.post(talk_url(child_id), data=talk(teacher, child_id, notes="奶奶最近身体不好"))
    with app_session(app, "yangguang") as session:
        stored = session.execute(
            select(CareRecord.__table__.c.notes).where(CareRecord.child_id == child_id)
        ).scalar_one()
    assert "奶奶" not in stored


def test_with_htmx_the_form_is_replaced_by_a_link_to_the_record(
    app: Flask, teacher: FlaskClient
) -> None:
    child_id, _name = child_of(app)
    response = teacher.post(talk_url(child_id), data=talk(teacher, child_id), headers=ENTRY)
    html = text_of(response)
    [record] = talks_of(app, child_id)
    assert response.status_code == 200 and "<html" not in html
    assert 'id="care-entry"' in html and f"/care/records/{record.id}" in html


def test_a_talk_without_text_is_refused_next_to_the_field_and_keeps_the_taps(
    app: Flask, teacher: FlaskClient
) -> None:
    child_id, _name = child_of(app)
    response = teacher.post(
        talk_url(child_id), data=talk(teacher, child_id, notes="", mood="2", topics=["family"])
    )
    html = text_of(response)
    assert response.status_code == 422
    assert "请写几句谈话内容" in html
    assert re.search(r'checked id="mood-1"|id="mood-1"[^>]*checked', html)
    assert re.search(r'checked id="topics-6"|id="topics-6"[^>]*checked', html)
    assert talks_of(app, child_id) == []


def test_a_talk_dated_tomorrow_is_refused(app: Flask, teacher: FlaskClient) -> None:
    child_id, _name = child_of(app)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    response = teacher.post(talk_url(child_id), data=talk(teacher, child_id, happened_on=tomorrow))
    assert response.status_code == 422 and "这个日期还没到" in text_of(response)


def test_a_class_teacher_cannot_record_for_a_child_she_does_not_look_after(
    app: Flask, teacher: FlaskClient
) -> None:
    with app_session(app, "yangguang") as session:
        wang_li = find_user_by_phone(session, "13800000002").id
        paired = select(Pairing.child_id).where(Pairing.user_id == wang_li)
        stranger = session.scalar(
            select(Child.id)
            .join(Child.school_class)
            .where(SchoolClass.name == "六年级一班", Child.id.not_in(paired))
            .limit(1)
        )
    assert teacher.get(talk_url(stranger)).status_code == 404
    form = talk(teacher, child_of(app)[0])
    assert teacher.post(talk_url(stranger), data=form).status_code == 404
    assert talks_of(app, stranger) == []


def volunteer_child(app: Flask) -> int:
    with app_session(app, "yangguang") as session:
        volunteer = find_user_by_phone(session, VOLUNTEER_PHONE)
        return session.scalar(
            select(Pairing.child_id).where(Pairing.user_id == volunteer.id).limit(1)
        )


def test_a_volunteer_records_for_her_child_and_reads_only_her_own_records(
    app: Flask, client: FlaskClient
) -> None:
    child_id = volunteer_child(app)
    with app_session(app, "yangguang") as session:
        child = session.get(Child, child_id)
        teacher_id = child.school_class.teacher_id
        by_teacher = service.record_care(
            session,
            uid=uuid.uuid4(),
            child=child,
            kind=CareKind.TALK,
            author_id=teacher_id,
            happened_on=local_today(),
            notes="班主任的谈心：家里的事",
        ).record.id
    log_in(client, VOLUNTEER_PHONE)
    assert client.post(talk_url(child_id), data=talk(client, child_id)).status_code == 303
    timeline = text_of(client.get(f"/s/yangguang/care/children/{child_id}/timeline"))
    assert "聊了期中考试" in timeline
    assert "班主任的谈心" not in timeline
    assert client.get(f"/s/yangguang/care/records/{by_teacher}").status_code == 404
    other_child = child_of(app, "六年级一班")[0]
    assert client.get(talk_url(other_child)).status_code == 404


def test_the_author_edits_in_the_grace_period_and_corrects_beside_it_after(
    app: Flask, teacher: FlaskClient
) -> None:
    child_id, _name = child_of(app)
    saved = teacher.post(talk_url(child_id), data=talk(teacher, child_id))
    record_url = saved.headers["Location"]
    edit = teacher.post(
        record_url + "/edit",
        data=talk(teacher, child_id, notes="改过的内容", uid=str(uuid.uuid4())),
    )
    assert edit.status_code == 303
    assert "改过的内容" in text_of(teacher.get(record_url))
    with app_session(app, "yangguang") as session:  # two days later
        record = session.scalars(select(CareRecord).where(CareRecord.child_id == child_id)).one()
        record.created_at = record.created_at - timedelta(days=2)
    late = teacher.post(record_url + "/edit", data=talk(teacher, child_id, notes="再改"))
    assert late.status_code == 303 and late.headers["Location"] == record_url
    assert "再改" not in text_of(teacher.get(record_url))

    amend_form = talk(teacher, child_id, notes="应为：数学退步了", reason="记错了")
    amended = teacher.post(record_url + "/amend", data=amend_form)
    assert amended.status_code == 303
    page = text_of(teacher.get(record_url))
    assert "改过的内容" in page and "应为：数学退步了" in page and "记错了" in page
    assert "更正" in page
    records = talks_of(app, child_id)
    assert len(records) == 2
    [original] = [r for r in records if r.amends_id is None]
    assert original.notes == "改过的内容"
    timeline = text_of(teacher.get(f"/s/yangguang/care/children/{child_id}/timeline"))
    # The correction is beside the original, not an entry of its own; the list reads it.
    assert len(re.findall(r"/care/records/\d+", timeline)) == 1
    assert "应为：数学退步了" in timeline


def test_another_teacher_cannot_edit_a_talk(app: Flask, principal: FlaskClient) -> None:
    child_id, _name = child_of(app)
    with app_session(app, "yangguang") as session:
        child = session.get(Child, child_id)
        record_id = service.record_care(
            session,
            uid=uuid.uuid4(),
            child=child,
            kind=CareKind.TALK,
            author_id=child.school_class.teacher_id,
            happened_on=local_today(),
            notes="原话",
        ).record.id
    response = principal.post(
        f"/s/yangguang/care/records/{record_id}/edit",
        data=talk(principal, child_id, notes="校长改的"),
    )
    assert response.status_code == 303
    assert talks_of(app, child_id)[0].notes == "原话"


def add_counsellor(app: Flask) -> None:
    with app_session(app) as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "yangguang"))
        user = find_user_by_phone(session, "13800000003")  # the room keeper doubles as counsellor
        session.add(Membership(tenant_id=tenant_id, user_id=user.id, role=Role.COUNSELLOR))


def test_a_concern_reaches_the_class_teacher_and_the_counsellor(
    app: Flask, client: FlaskClient
) -> None:
    add_counsellor(app)
    child_id = volunteer_child(app)
    log_in(client, VOLUNTEER_PHONE)
    client.post(talk_url(child_id), data=talk(client, child_id, concern="y", mood="1"))
    with app_session(app, "yangguang") as session:
        child = session.get(Child, child_id)
        alerts = session.execute(
            select(CareAlert.kind, CareAlert.recipient_id).where(CareAlert.child_id == child_id)
        ).all()
        counsellors = set(
            session.scalars(
                select(Membership.user_id).where(
                    Membership.tenant_id == child.tenant_id, Membership.role == Role.COUNSELLOR
                )
            )
        )
        assert find_user_by_phone(session, "13800000003").id in counsellors
        assert set(alerts) == {
            (AlertKind.CONCERN, recipient)
            for recipient in {child.school_class.teacher_id, *counsellors}
        }


def test_low_moods_twice_in_a_month_reach_the_counsellor(app: Flask, teacher: FlaskClient) -> None:
    add_counsellor(app)
    child_id, _name = child_of(app)
    earlier = (local_today() - timedelta(days=12)).isoformat()
    teacher.post(talk_url(child_id), data=talk(teacher, child_id, mood="2", happened_on=earlier))
    with app_session(app, "yangguang") as session:
        assert not session.scalar(select(CareAlert.id).where(CareAlert.child_id == child_id))
    teacher.post(talk_url(child_id), data=talk(teacher, child_id, mood="1"))
    with app_session(app, "yangguang") as session:
        kinds = set(session.scalars(select(CareAlert.kind).where(CareAlert.child_id == child_id)))
    assert kinds == {AlertKind.LOW_MOOD}


def test_a_counselling_record_is_not_found_by_the_class_teacher(
    app: Flask, teacher: FlaskClient
) -> None:
    child_id, _name = child_of(app)
    with app_session(app, "yangguang") as session:
        record_id = service.record_care(
            session,
            uid=uuid.uuid4(),
            child=session.get(Child, child_id),
            kind=CareKind.COUNSELLING,
            author_id=None,
            happened_on=local_today(),
            notes="心理辅导的内容",
        ).record.id
    assert teacher.get(f"/s/yangguang/care/records/{record_id}").status_code == 404
    timeline = text_of(teacher.get(f"/s/yangguang/care/children/{child_id}/timeline"))
    assert f"/care/records/{record_id}" not in timeline and "心理辅导的内容" not in timeline
    principal = app.test_client()
    log_in(principal, "13800000001")
    assert "心理辅导的内容" in text_of(principal.get(f"/s/yangguang/care/records/{record_id}"))


def test_the_timeline_is_newest_first_and_pages_as_a_fragment(
    app: Flask, teacher: FlaskClient
) -> None:
    child_id, _name = child_of(app)
    with app_session(app, "yangguang") as session:
        child = session.get(Child, child_id)
        for days_ago in range(20):
            service.record_care(
                session,
                uid=uuid.uuid4(),
                child=child,
                kind=CareKind.TALK,
                author_id=child.school_class.teacher_id,
                happened_on=local_today() - timedelta(days=days_ago),
                notes=f"第{days_ago}天前的谈心",
            )
    url = f"/s/yangguang/care/children/{child_id}/timeline"
    first = text_of(teacher.get(url))
    assert first.index("第0天前") < first.index("第1天前")
    assert "第19天前" not in first and 'id="timeline-more"' in first
    more = teacher.get(
        url, query_string={"page": 2}, headers={"HX-Request": "true", "HX-Target": "timeline-more"}
    )
    html = text_of(more)
    assert "<html" not in html and "第19天前" in html and "第0天前" not in html


def test_a_follow_up_is_marked_done_in_place(app: Flask, teacher: FlaskClient) -> None:
    child_id, _name = child_of(app)
    saved = teacher.post(
        talk_url(child_id), data=talk(teacher, child_id, follow_up="给奶奶打电话", follow_up_in="3")
    )
    record_id = int(saved.headers["Location"].rsplit("/", 1)[1])
    [record] = talks_of(app, child_id)
    assert record.follow_up_due == date.fromisoformat(local_today().isoformat()) + timedelta(3)
    done = teacher.post(
        f"/s/yangguang/care/records/{record_id}/follow-up",
        data={"csrf_token": csrf_token(teacher, "/me")},
        headers={"HX-Request": "true", "HX-Target": f"follow-up-{record_id}"},
    )
    assert "<html" not in text_of(done) and "已于" in text_of(done)
    assert talks_of(app, child_id)[0].follow_up_done_on == local_today()
    with app_session(app, "yangguang") as session:
        actions = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.subject == "care_record", AuditEvent.subject_id == record_id
            )
        ).all()
    assert AuditAction.UPDATE in actions


def test_a_form_sent_again_for_another_child_makes_nothing(
    app: Flask, teacher: FlaskClient
) -> None:
    """A uid belongs to the record it made: copied onto another child's form it finds nothing
    and reveals nothing of that record."""
    first_id, _name = child_of(app)
    form = talk(teacher, first_id)
    teacher.post(talk_url(first_id), data=form)
    with app_session(app, "yangguang") as session:
        second_id = session.scalars(
            select(Child.id)
            .join(Child.school_class)
            .where(SchoolClass.name == CLASS, Child.id != first_id)
            .order_by(Child.id)
        ).first()
    response = teacher.post(talk_url(second_id), data=form, headers=ENTRY)
    assert response.status_code == 400
    assert "聊了期中考试" not in text_of(response)
    assert talks_of(app, second_id) == []


def test_opening_a_counselling_record_is_logged(app: Flask, client: FlaskClient) -> None:
    child_id, _name = child_of(app)
    with app_session(app, "yangguang") as session:
        record_id = service.record_care(
            session,
            uid=uuid.uuid4(),
            child=session.get(Child, child_id),
            kind=CareKind.COUNSELLING,
            author_id=None,
            happened_on=local_today(),
            notes="辅导",
        ).record.id
    log_in(client, "13800000001")
    assert client.get(f"/s/yangguang/care/records/{record_id}").status_code == 200
    with app_session(app, "yangguang") as session:
        opened = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.subject == "care_record", AuditEvent.subject_id == record_id
            )
        ).all()
    assert AuditAction.VIEW in opened
