"""Alerts to the protection officer: probing other schools' ids, an unusual number of cards
opened in a day, repeated failed logins on the school's accounts."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from tests.privacy.conftest import PRINCIPAL_PHONE, child_in, post, user_id
from webapp.children.models import Child
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.db import utcnow
from webapp.privacy import service
from webapp.privacy.models import AlertKind, PrivacyAlert

TEACHER_PHONE = "13800000002"


def alerts(app: Flask, kind: AlertKind, slug: str = "yangguang") -> list[tuple[int, int]]:
    with app_session(app, slug) as session:
        return [
            (a.user_id, a.count)
            for a in session.scalars(select(PrivacyAlert).where(PrivacyAlert.kind == kind))
        ]


def officer_today(app: Flask) -> str:
    client = app.test_client()
    log_in(client, PRINCIPAL_PHONE)
    return text_of(client.get("/s/yangguang/"))


def other_school_ids(app: Flask, count: int) -> list[int]:
    with app_session(app, "hongxing") as session:
        return list(session.scalars(select(Child.id).order_by(Child.id).limit(count)))


def test_five_not_found_record_addresses_in_ten_minutes_alert_the_officer(
    app: Flask, teacher: FlaskClient
) -> None:
    foreign = other_school_ids(app, 5)
    for child_id in foreign[:4]:
        assert teacher.get(f"/s/yangguang/children/{child_id}").status_code == 404
    assert alerts(app, AlertKind.PROBING) == []
    teacher.get("/s/yangguang/children/")  # pages that exist do not count
    assert teacher.get(f"/s/hongxing/children/{foreign[4]}").status_code == 404
    assert alerts(app, AlertKind.PROBING) == [(user_id(app, TEACHER_PHONE), 5)]
    assert alerts(app, AlertKind.PROBING, "hongxing") == []  # she is not theirs
    today = officer_today(app)
    assert "多次尝试打开不属于本校的记录" in today
    assert "王丽" in today


def test_old_not_found_answers_do_not_add_up(app: Flask, teacher: FlaskClient) -> None:
    teacher_id = user_id(app, TEACHER_PHONE)
    with app_session(app) as session:
        tenants = service.tenants_of(session, teacher_id)
        long_ago = utcnow() - timedelta(minutes=11)
        for _n in range(4):
            service.note_not_found(session, teacher_id, tenants, now=long_ago)
    (child_id,) = other_school_ids(app, 1)
    teacher.get(f"/s/yangguang/children/{child_id}")
    assert alerts(app, AlertKind.PROBING) == []


def test_opening_more_than_forty_cards_in_a_day_alerts_the_officer(
    app: Flask, principal: FlaskClient
) -> None:
    principal_id = user_id(app, PRINCIPAL_PHONE)
    with app_session(app, "yangguang") as session:
        ids = list(session.scalars(select(Child.id).order_by(Child.id).limit(41)))
        for child_id in ids[:40]:
            audit.record(
                session, AuditAction.VIEW, actor_id=principal_id, subject="child", child_id=child_id
            )
    assert alerts(app, AlertKind.MANY_CARDS) == []
    principal.get(f"/s/yangguang/children/{ids[39]}")  # one already opened today: still 40
    assert alerts(app, AlertKind.MANY_CARDS) == []
    assert principal.get(f"/s/yangguang/children/{ids[40]}").status_code == 200
    assert alerts(app, AlertKind.MANY_CARDS) == [(principal_id, 41)]
    assert "查看儿童档案的数量异常" in text_of(principal.get("/s/yangguang/"))


def test_three_times_a_persons_usual_day_alerts_the_officer(
    app: Flask, teacher: FlaskClient
) -> None:
    teacher_id = user_id(app, TEACHER_PHONE)
    own = [child_in(app, "三年级一班", n)["id"] for n in range(10)]
    with app_session(app, "yangguang") as session:
        # A usual day: three cards, every day of the last two weeks.
        for days_ago in range(1, 15):
            for child_id in own[:3]:
                event = audit.record(
                    session, AuditAction.VIEW, actor_id=teacher_id, subject="child"
                )
                event.child_id, event.at = child_id, utcnow() - timedelta(days=days_ago)
        for child_id in own[:9]:
            audit.record(
                session, AuditAction.VIEW, actor_id=teacher_id, subject="child", child_id=child_id
            )
    teacher.get(f"/s/yangguang/children/{own[0]}")
    assert alerts(app, AlertKind.MANY_CARDS) == []  # nine: no more than three times three
    teacher.get(f"/s/yangguang/children/{own[9]}")
    assert alerts(app, AlertKind.MANY_CARDS) == [(teacher_id, 10)]


def test_repeated_failed_logins_on_an_account_alert_its_schools_officer(
    app: Flask, client: FlaskClient
) -> None:
    for attempt in range(3):
        token = csrf_token(client, "/login")
        response = client.post(
            "/login", data={"phone": TEACHER_PHONE, "password": "wrong-guess", "csrf_token": token}
        )
        assert response.status_code in (422, 429)
        expected = [] if attempt < 2 else [(user_id(app, TEACHER_PHONE), 3)]
        assert alerts(app, AlertKind.FAILED_LOGINS) == expected
    assert alerts(app, AlertKind.FAILED_LOGINS, "hongxing") == []
    assert "账号多次登录失败" in officer_today(app)


def test_the_officer_marks_an_alert_as_seen(app: Flask, principal: FlaskClient) -> None:
    teacher_id = user_id(app, TEACHER_PHONE)
    with app_session(app, "yangguang") as session:
        alert = service.raise_alert(
            session, AlertKind.PROBING, teacher_id, utcnow().date(), count=5
        )
        alert_id = alert.id
    assert "多次尝试打开不属于本校的记录" in text_of(principal.get("/s/yangguang/"))
    post(principal, f"/s/yangguang/privacy/alerts/{alert_id}/seen", {})
    assert "多次尝试打开不属于本校的记录" not in text_of(principal.get("/s/yangguang/"))
    with app_session(app, "yangguang") as session:
        assert session.get(PrivacyAlert, alert_id).seen_at is not None
