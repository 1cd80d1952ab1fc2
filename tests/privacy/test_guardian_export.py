"""A guardian asks for a copy of what the school holds about their child: the principal (or
the protection officer) downloads one ZIP of the child's records, nobody else's, and the copy
is logged as a disclosure."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from tests.auth.test_sessions import login_token, shift_login
from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from tests.payloads import payload
from tests.privacy.conftest import user_id
from webapp.care.models import CareKind, CareRecord
from webapp.children.models import Child, Guardian
from webapp.core.audit import AuditAction, AuditEvent
from webapp.privacy import service

SCHOOL = "/s/yangguang"
COORDINATOR = "13900000220"


def export_url(child_id: int) -> str:
    return f"{SCHOOL}/privacy/children/{child_id}/export"


def a_counselled_child(app: Flask) -> dict:
    """A child of 阳光小学 with a counselling record (withheld) and guardians (in the copy)."""
    with app_session(app, "yangguang") as session:
        child_id = session.scalar(
            select(CareRecord.child_id)
            .where(CareRecord.kind == CareKind.COUNSELLING)
            .order_by(CareRecord.id)
            .limit(1)
        )
        child = session.get(Child, child_id)
        guardians = session.scalars(select(Guardian).where(Guardian.child_id == child_id)).all()
        others = session.scalars(select(Child).where(Child.id != child_id)).all()
        return {
            "id": child.id,
            "name": child.name,
            "id_number": child.id_number,
            "guardians": [g.name for g in guardians],
            "other_id_numbers": [c.id_number for c in others if c.id_number],
        }


def ask(client: FlaskClient, child_id: int, **data: str):
    token = csrf_token(client, export_url(child_id))
    return client.post(export_url(child_id), data={"csrf_token": token, **data})


def exports_logged(app: Flask, child_id: int) -> list[AuditEvent]:
    with app_session(app, "yangguang") as session:
        rows = session.scalars(
            select(AuditEvent).where(
                AuditEvent.child_id == child_id, AuditEvent.action == AuditAction.EXPORT
            )
        ).all()
        session.expunge_all()
        return list(rows)


def test_the_copy_holds_the_childs_records_opened_and_no_other_childs(
    app: Flask, principal: FlaskClient
) -> None:
    child = a_counselled_child(app)
    card = principal.get(f"{SCHOOL}/children/{child['id']}")
    assert export_url(child["id"]) in card.get_data(as_text=True)
    form = principal.get(export_url(child["id"]))
    assert form.status_code == 200 and "心理辅导" in text_of(form)  # says what is withheld

    sent = ask(principal, child["id"], requester="张桂花(奶奶)", reference="2026-查阅-007")

    assert sent.status_code == 200 and sent.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(sent.data))
    records = json.loads(archive.read("records.json"))["records"]
    page = archive.read("index.html").decode()
    assert "print.css" in archive.namelist()
    assert records["child"][0]["id_number"] == child["id_number"]  # opened, not masked
    assert child["id_number"] in page and child["name"] in page
    assert sorted(g["name"] for g in records["guardian"]) == sorted(child["guardians"])
    assert records["care_record"], "talks and visits are the child's"
    assert all(r["kind"] != "counselling" for r in records["care_record"])
    assert "individual_plan" not in records and "audit_event" not in records
    for rows in records.values():
        assert all(row.get("child_id", child["id"]) == child["id"] for row in rows)
    text = archive.read("records.json").decode() + page
    assert not [n for n in child["other_id_numbers"] if n in text]


def test_the_copy_is_logged_as_a_disclosure_with_its_reference(
    app: Flask, principal: FlaskClient
) -> None:
    child = a_counselled_child(app)
    ask(principal, child["id"], requester="张桂花(奶奶)", reference="2026-查阅-008")
    [event] = exports_logged(app, child["id"])
    assert event.subject == "guardian_request"
    assert "2026-查阅-008" in event.reason and "张桂花" in event.reason
    assert "guardian" in event.fields and "child" in event.fields


def test_without_a_reference_nothing_leaves_and_the_form_says_why(
    app: Flask, principal: FlaskClient
) -> None:
    child = a_counselled_child(app)
    refused = ask(principal, child["id"], requester="张桂花(奶奶)", reference="")
    assert refused.status_code == 422
    assert "请填写申请的编号" in text_of(refused) and "张桂花(奶奶)" in text_of(refused)
    assert exports_logged(app, child["id"]) == []


def test_a_class_teacher_may_not_make_the_copy(app: Flask, teacher: FlaskClient) -> None:
    child = a_counselled_child(app)
    # refused on a child: the answer of a child that does not exist
    assert teacher.get(export_url(child["id"])).status_code == 404
    token = csrf_token(teacher, "/me")
    sent = teacher.post(
        export_url(child["id"]),
        data={"csrf_token": token, "requester": "某人", "reference": "x-1"},
    )
    assert sent.status_code == 404
    assert exports_logged(app, child["id"]) == []


def test_another_schools_child_is_not_found(app: Flask, principal: FlaskClient) -> None:
    with app_session(app, "hongxing") as session:
        foreign = session.scalar(select(Child.id).order_by(Child.id).limit(1))
    assert principal.get(export_url(foreign)).status_code == 404


def test_a_login_past_ten_minutes_is_asked_for_the_password_first(
    app: Flask, principal: FlaskClient
) -> None:
    child = a_counselled_child(app)
    shift_login(app, login_token(principal), password_at=timedelta(minutes=11))
    prompt = ask(principal, child["id"], requester="张桂花(奶奶)", reference="2026-查阅-009")
    assert prompt.status_code == 401 and 'name="password"' in text_of(prompt)
    assert exports_logged(app, child["id"]) == []


def test_the_protection_officer_makes_the_copy_whatever_their_role(
    app: Flask, client: FlaskClient
) -> None:
    """孙德明, the coordinator, may not; once named the protection officer, he may."""
    child = a_counselled_child(app)
    log_in(client, COORDINATOR)
    assert client.get(export_url(child["id"])).status_code == 404  # as if there were no child
    coordinator, principal = user_id(app, COORDINATOR), user_id(app, "13800000001")
    with app_session(app, "yangguang") as session:
        service.name_officer(session, coordinator, actor_id=principal)
    card = client.get(f"{SCHOOL}/children/{child['id']}")
    assert export_url(child["id"]) in card.get_data(as_text=True)
    sent = ask(client, child["id"], requester="龙大山(爷爷)", reference="2026-查阅-010")
    assert sent.status_code == 200 and sent.mimetype == "application/zip"
    [event] = exports_logged(app, child["id"])
    assert event.actor_id == coordinator


def test_hostile_text_in_the_request_comes_back_as_text_in_the_copy(
    app: Flask, principal: FlaskClient
) -> None:
    """The request's own fields are what the payload walk cannot reach (the answer is a ZIP)."""
    child = a_counselled_child(app)
    fields = {"requester": payload(1, 50), "reference": payload(2, 60), "note": payload(3, 500)}
    sent = ask(principal, child["id"], **fields)
    assert sent.status_code == 200
    page = zipfile.ZipFile(io.BytesIO(sent.data)).read("index.html").decode()
    assert "<script>" not in page and "<img" not in page and 'hx-get="/x"' not in page
    assert str(escape(fields["requester"])) in page
