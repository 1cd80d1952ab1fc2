"""Revealing a sensitive field and calling a parent: explicit, with a reason, and logged."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.children.test_card import audit_rows, class_child, post
from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from webapp.care.models import Pairing, PairingKind
from webapp.children.models import Child, ParentRelation
from webapp.core.audit import AuditAction
from webapp.demo.data import VOLUNTEER_PHONE

HTMX = {"HX-Request": "true"}


def reveal_url(child_id: int) -> str:
    return f"/s/yangguang/children/{child_id}/reveal"


def test_revealing_an_id_number_asks_why_then_shows_it_and_logs_it(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_child(app)
    asked = teacher.get(
        reveal_url(child["id"]),
        query_string={"field": "child.id_number"},
        headers={**HTMX, "HX-Target": "reveal-child-id_number"},
    )
    assert asked.status_code == 200 and "<html" not in text_of(asked)
    assert "为什么需要查看身份证号" in text_of(asked) and child["id_number"] not in text_of(asked)

    shown = post(
        teacher,
        reveal_url(child["id"]),
        {"field": "child.id_number", "reason": "verify"},
        headers={**HTMX, "HX-Target": "reveal-child-id_number"},
    )
    assert text_of(shown).strip() == (
        f'<span id="reveal-child-id_number" class="revealed">{child["id_number"]}</span>'
    )
    ((_actor, fields, reason),) = audit_rows(app, child["id"], AuditAction.REVEAL)
    assert fields == ["child.id_number"] and reason == "核对信息"


def test_a_reveal_without_a_reason_is_refused_next_to_the_field(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_child(app)
    response = post(
        teacher, reveal_url(child["id"]), {"field": "child.id_number", "reason": "other"}
    )
    assert response.status_code == 422 and "请说明用途" in text_of(response)
    assert child["id_number"] not in text_of(response)
    assert not audit_rows(app, child["id"], AuditAction.REVEAL)


def test_a_parent_phone_is_revealed_by_its_own_name_only(app: Flask, teacher: FlaskClient) -> None:
    child = class_child(app)
    other = class_child(app, "三年级二班")
    own = post(
        teacher,
        reveal_url(child["id"]),
        {"field": f"parent.{child['father_id']}.phone", "reason": "contact"},
    )
    assert child["father_phone"] in text_of(own)
    # another child's parent named under this child resolves to nothing
    foreign = post(
        teacher,
        reveal_url(child["id"]),
        {"field": f"parent.{other['father_id']}.phone", "reason": "contact"},
    )
    assert foreign.status_code == 404


def test_roles_that_may_not_reveal_cannot(app: Flask, client: FlaskClient) -> None:
    with app_session(app, "yangguang") as session:
        paired = session.scalar(
            select(Pairing.child_id).where(Pairing.kind == PairingKind.VOLUNTEER).limit(1)
        )
    log_in(client, VOLUNTEER_PHONE)
    response = client.get(reveal_url(paired), query_string={"field": "child.id_number"})
    assert response.status_code == 403


def test_a_class_teacher_cannot_reveal_another_classs_child(
    app: Flask, teacher: FlaskClient
) -> None:
    with app_session(app, "yangguang") as session:
        paired = select(Pairing.child_id)
        other = session.scalars(  # the last class's children: not hers, and none paired
            select(Child.id).where(Child.id.not_in(paired)).order_by(Child.id.desc())
        ).first()
    response = post(teacher, reveal_url(other), {"field": "child.id_number", "reason": "verify"})
    assert response.status_code == 404


def test_calling_a_parent_sends_the_number_to_the_dialler_and_logs_it(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_child(app)
    card = text_of(teacher.get(f"/s/yangguang/children/{child['id']}"))
    assert child["father_phone"] not in card and "拨打" in card
    response = post(
        teacher,
        f"/s/yangguang/children/{child['id']}/call",
        {"person": f"parent.{child['father_id']}"},
        headers={**HTMX, "HX-Target": "care-entry"},
    )
    assert response.status_code == 200
    dial = json.loads(response.headers["HX-Trigger"])
    assert dial == {"dial": {"number": child["father_phone"]}}
    # what is swapped in is the contact record to fill, never the number
    assert "记下这次通话" in text_of(response) and child["father_phone"] not in text_of(response)
    ((_actor, fields, _reason),) = audit_rows(app, child["id"], AuditAction.CALL)
    assert fields == [f"parent.{child['father_id']}.phone"]


def test_without_javascript_the_call_is_a_tel_link(app: Flask, teacher: FlaskClient) -> None:
    child = class_child(app)
    page = text_of(
        post(
            teacher,
            f"/s/yangguang/children/{child['id']}/call",
            {"person": f"parent.{child['father_id']}"},
        )
    )
    assert f'href="tel:{child["father_phone"]}"' in page
    assert "记下这次通话" in page


def test_a_volunteer_calls_the_parents_of_the_paired_child(app: Flask, client: FlaskClient) -> None:
    with app_session(app, "yangguang") as session:
        child_id = session.scalar(
            select(Pairing.child_id).where(Pairing.kind == PairingKind.VOLUNTEER).limit(1)
        )
        father = session.get(Child, child_id).parent(ParentRelation.FATHER)
        father_id, phone = father.id, father.phone
    log_in(client, VOLUNTEER_PHONE)
    response = post(
        client,
        f"/s/yangguang/children/{child_id}/call",
        {"person": f"parent.{father_id}"},
        headers={**HTMX, "HX-Target": "care-entry"},
    )
    assert json.loads(response.headers["HX-Trigger"])["dial"]["number"] == phone


def test_the_principal_reads_who_opened_revealed_and_called(
    app: Flask, teacher: FlaskClient, client: FlaskClient
) -> None:
    child = class_child(app)
    teacher.get(f"/s/yangguang/children/{child['id']}")
    post(teacher, reveal_url(child["id"]), {"field": "child.address", "reason": "safety"})
    post(
        teacher,
        f"/s/yangguang/children/{child['id']}/call",
        {"person": f"parent.{child['father_id']}"},
    )
    # not hers to read: the answer of a child that does not exist
    assert teacher.get(f"/s/yangguang/children/{child['id']}/history").status_code == 404

    teacher.post("/logout", data={"csrf_token": csrf_token(teacher, "/me")})
    log_in(client, "13800000001")  # the same phone, now in the principal's hands
    history = text_of(client.get(f"/s/yangguang/children/{child['id']}/history"))
    for entry in (
        "王丽 · 查看档案",
        "王丽 · 查看敏感信息",
        "家庭住址",
        "儿童安全",
        "王丽 · 拨打电话",
    ):
        assert entry in history
    assert child["father_phone"] not in history
