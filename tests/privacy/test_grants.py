"""Access beyond the baseline: asked with a reason, decided by the protection officer, at most
seven days, ending by itself, every use logged; reveals capped at 30 a person a day."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import log_in, text_of
from tests.privacy.conftest import PRINCIPAL_PHONE, child_in, post, user_id
from webapp.core import audit
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.db import utcnow
from webapp.demo.data import VOLUNTEER_PHONE
from webapp.privacy.models import AccessGrant, AlertKind, GrantStatus, PrivacyAlert

TEACHER_PHONE = "13800000002"  # 王丽, class teacher of 三年级一班


def ask(client: FlaskClient, data: dict):
    return post(client, "/s/yangguang/privacy/grants/new", data)


def grant_ids(app: Flask, user: int) -> list[int]:
    with app_session(app, "yangguang") as session:
        return list(
            session.scalars(
                select(AccessGrant.id).where(AccessGrant.user_id == user).order_by(AccessGrant.id)
            )
        )


def officer_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    log_in(client, PRINCIPAL_PHONE)  # the demo names each school's principal its officer
    return client


def test_a_class_grant_opens_another_class_until_it_ends(app: Flask, teacher: FlaskClient) -> None:
    other = child_in(app, "四年级一班")
    card = f"/s/yangguang/children/{other['id']}"
    assert teacher.get(card).status_code == 404
    response = ask(
        teacher,
        {
            "kind": "class",
            "class_id": other["class_id"],
            "days": 3,
            "reason": "代课一周，需了解学生",
        },
    )
    assert response.status_code == 303
    (grant_id,) = grant_ids(app, user_id(app, TEACHER_PHONE))
    assert teacher.get(card).status_code == 404  # waiting for the officer

    officer = officer_client(app)
    waiting = text_of(officer.get("/s/yangguang/privacy/"))
    assert "代课一周，需了解学生" in waiting
    assert "有 1 个查看授权申请等待你审批" in text_of(officer.get("/s/yangguang/"))
    assert post(officer, f"/s/yangguang/privacy/grants/{grant_id}/approve", {}).status_code == 303

    assert teacher.get(card).status_code == 200
    listed = f'href="/s/yangguang/children/{other["id"]}"'
    assert listed in text_of(teacher.get("/s/yangguang/children/?q=" + other["name"]))
    with app_session(app, "yangguang") as session:
        grant = session.get(AccessGrant, grant_id)
        assert grant.status == GrantStatus.APPROVED
        assert grant.ends_at - grant.decided_at == timedelta(days=3)
        uses = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == AuditAction.GRANT_USE, AuditEvent.subject_id == grant_id
            )
        ).all()
        assert [(u.child_id, u.actor_id) for u in uses] == [
            (other["id"], user_id(app, TEACHER_PHONE))
        ]
        # Ended by time: no job runs, the check reads the clock.
        grant.decided_at = utcnow() - timedelta(days=3, minutes=1)
        grant.ends_at = utcnow() - timedelta(minutes=1)
    assert teacher.get(card).status_code == 404
    assert listed not in text_of(teacher.get("/s/yangguang/children/?q=" + other["name"]))


def test_a_grant_longer_than_seven_days_or_without_a_reason_is_refused(
    app: Flask, teacher: FlaskClient
) -> None:
    other = child_in(app, "四年级一班")
    response = ask(
        teacher, {"kind": "class", "class_id": other["class_id"], "days": 8, "reason": ""}
    )
    assert response.status_code == 422
    html = text_of(response)
    assert "授权期限为 1 至 7 天" in html
    assert "请说明理由" in html
    assert grant_ids(app, user_id(app, TEACHER_PHONE)) == []


def test_only_the_officer_decides(app: Flask, teacher: FlaskClient) -> None:
    other = child_in(app, "四年级一班")
    ask(teacher, {"kind": "class", "class_id": other["class_id"], "days": 2, "reason": "期中监考"})
    (grant_id,) = grant_ids(app, user_id(app, TEACHER_PHONE))
    assert post(teacher, f"/s/yangguang/privacy/grants/{grant_id}/approve", {}).status_code == 404
    officer = officer_client(app)
    assert post(officer, f"/s/yangguang/privacy/grants/{grant_id}/refuse", {}).status_code == 303
    assert teacher.get(f"/s/yangguang/children/{other['id']}").status_code == 404
    with app_session(app, "yangguang") as session:
        assert session.get(AccessGrant, grant_id).status == GrantStatus.REFUSED


def test_a_health_grant_lets_a_volunteer_reveal_health_of_a_paired_child_only(
    app: Flask, client: FlaskClient
) -> None:
    paired = child_in(app, "三年级二班", 0)
    with app_session(app, "yangguang") as session:
        from webapp.children.models import Child

        session.get(Child, paired["id"]).allergies = "青霉素"
    log_in(client, VOLUNTEER_PHONE)
    reveal = f"/s/yangguang/children/{paired['id']}/reveal"
    form = {"field": "child.allergies", "reason": "safety"}
    assert post(client, reveal, form).status_code == 403
    assert post(client, reveal, {**form, "field": "child.id_number"}).status_code == 403
    ask(client, {"kind": "fields", "category": "health", "days": 1, "reason": "春游需要了解过敏"})
    (grant_id,) = grant_ids(app, user_id(app, VOLUNTEER_PHONE))
    post(officer_client(app), f"/s/yangguang/privacy/grants/{grant_id}/approve", {})
    assert "授权向你开放的信息" in text_of(client.get(f"/s/yangguang/children/{paired['id']}"))
    response = post(client, reveal, form)
    assert response.status_code == 200
    assert "青霉素" in text_of(response)
    assert post(client, reveal, {**form, "field": "child.id_number"}).status_code == 403


def test_the_thirty_first_reveal_of_a_day_is_refused_and_the_officer_told(
    app: Flask, teacher: FlaskClient
) -> None:
    own = child_in(app, "三年级一班")
    teacher_id = user_id(app, TEACHER_PHONE)
    with app_session(app, "yangguang") as session:
        for _n in range(29):
            audit.record(
                session,
                AuditAction.REVEAL,
                actor_id=teacher_id,
                subject="child",
                child_id=own["id"],
                fields=["child.id_number"],
            )
    reveal = f"/s/yangguang/children/{own['id']}/reveal"
    form = {"field": "child.id_number", "reason": "verify"}
    assert post(teacher, reveal, form).status_code == 200  # the 30th
    refused = post(teacher, reveal, form)
    assert refused.status_code == 429
    assert "你今天已查看 30 项敏感信息，达到每日上限" in text_of(refused)
    with app_session(app, "yangguang") as session:
        alert = session.scalar(
            select(PrivacyAlert).where(
                PrivacyAlert.user_id == teacher_id, PrivacyAlert.kind == AlertKind.REVEAL_CAP
            )
        )
        assert alert is not None
        revealed = session.scalars(
            select(AuditEvent).where(
                AuditEvent.actor_id == teacher_id, AuditEvent.action == AuditAction.REVEAL
            )
        ).all()
        assert len(revealed) == 30
    today = text_of(officer_client(app).get("/s/yangguang/"))
    assert "已达到每日查看敏感信息的上限" in today
    assert "王丽" in today
