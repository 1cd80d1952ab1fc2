"""A grant to see one school's names: asked for with a reason, decided by that school's
principal, for at most 7 days, ending by itself; every view of the names is in the school's
audit log; no other school's names come with it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import csrf_token_in, log_in, text_of
from webapp.auth.models import User
from webapp.children.models import Child, ChildStatus
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.db import utcnow
from webapp.core.org import Membership, Tenant
from webapp.core.permissions import Role
from webapp.oversight import grant_routes, routes
from webapp.oversight.models import GrantStatus, OversightGrant

REASON = "跟进红星小学一名学生的辍学情况，需要核对名单"
ASK = "/o/qinggang/schools/hongxing/grants/new"
NAMES = "/o/qinggang/schools/hongxing/names"


def ask(officer: FlaskClient, days: str = "7", reason: str = REASON, path: str = ASK):
    token = csrf_token_in(text_of(officer.get(path)))
    return officer.post(path, data={"csrf_token": token, "reason": reason, "days": days})


def principal_of(app: Flask, slug: str) -> str:
    with app_session(app) as session:
        user = session.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Tenant, Tenant.id == Membership.tenant_id)
            .where(Tenant.slug == slug, Membership.role == Role.PRINCIPAL)
        )
        return user.phone


def decide(
    app: Flask, slug: str, decision: str, principal: FlaskClient | None = None
) -> FlaskClient:
    if principal is None:
        principal = app.test_client()
        log_in(principal, principal_of(app, slug))
    page = principal.get(f"/s/{slug}/oversight-grants/")
    assert page.status_code == 200
    html = text_of(page)
    assert REASON in html and "周明" in html
    grant_id = html.split("/oversight-grants/")[1].split("/decide")[0]
    response = principal.post(
        f"/s/{slug}/oversight-grants/{grant_id}/decide",
        data={"csrf_token": csrf_token_in(html), "decision": decision},
    )
    assert response.status_code == 303
    return principal


def grants_of(app: Flask, slug: str) -> list[OversightGrant]:
    with app_session(app, slug) as session:
        found = list(session.scalars(select(OversightGrant)))
        session.expunge_all()
        return found


def names_views(app: Flask, slug: str) -> list[tuple[int, int, str]]:
    """(actor, grant, reason) of each view of the names in the school's audit log."""
    with app_session(app, slug) as session:
        return [
            (e.actor_id, e.subject_id, e.reason)
            for e in session.scalars(
                select(AuditEvent).where(
                    AuditEvent.subject == "oversight_grant", AuditEvent.action == AuditAction.VIEW
                )
            )
        ]


def move_clock(monkeypatch: pytest.MonkeyPatch, later: timedelta) -> None:
    def moved() -> datetime:
        return utcnow() + later

    for module in (routes, grant_routes):
        monkeypatch.setattr(module, "utcnow", moved)


def test_grant_requested_approved_viewed_logged_and_ended(
    app: Flask, officer: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert officer.get(NAMES).status_code == 403
    assert ask(officer).status_code == 303
    assert ask(officer).status_code == 303  # a double tap is the same request
    [grant] = grants_of(app, "hongxing")
    assert grant.status == GrantStatus.REQUESTED and grant.reason == REASON and grant.days == 7
    assert "您的申请正在等待校长审批" in text_of(officer.get("/o/qinggang/schools/hongxing"))

    principal = app.test_client()
    log_in(principal, principal_of(app, "hongxing"))
    today = text_of(principal.get("/s/hongxing/"))
    assert "/s/hongxing/oversight-grants/" in today  # the principal is told on the today page
    decide(app, "hongxing", "approve", principal)  # the same phone, not a second login
    [grant] = grants_of(app, "hongxing")
    assert grant.status == GrantStatus.APPROVED
    assert grant.ends_at - grant.decided_at == timedelta(days=7)

    page = officer.get(NAMES)
    assert page.status_code == 200
    with app_session(app, "hongxing") as session:
        names = [c.name for c in session.scalars(select(Child)) if c.status == ChildStatus.ACTIVE]
    assert all(name in text_of(page) for name in names)
    officer.get(NAMES)
    views = names_views(app, "hongxing")
    with app_session(app) as session:
        officer_id = session.scalar(select(User.id).where(User.name == "周明"))
    assert views == [(officer_id, grant.id, REASON)] * 2

    move_clock(monkeypatch, timedelta(days=7, seconds=1))
    assert officer.get(NAMES).status_code == 403  # ended by itself
    school = text_of(officer.get("/o/qinggang/schools/hongxing"))
    assert NAMES not in school and "/grants/new" in school
    assert "已结束" in text_of(officer.get("/o/qinggang/grants"))
    assert len(names_views(app, "hongxing")) == 2


def test_a_grant_opens_only_its_own_school(app: Flask, officer: FlaskClient) -> None:
    ask(officer)
    decide(app, "hongxing", "approve")
    assert officer.get(NAMES).status_code == 200
    assert officer.get("/o/qinggang/schools/yangguang/names").status_code == 403
    assert officer.get("/o/qinggang/schools/yangguang-kg/names").status_code == 403
    assert names_views(app, "yangguang") == []


def test_another_schools_principal_neither_sees_nor_decides_it(
    app: Flask, officer: FlaskClient, principal: FlaskClient
) -> None:
    ask(officer)
    [grant] = grants_of(app, "hongxing")
    page = text_of(principal.get("/s/yangguang/oversight-grants/"))
    assert REASON not in page
    response = principal.post(
        f"/s/yangguang/oversight-grants/{grant.id}/decide",
        data={"csrf_token": csrf_token_in(page), "decision": "approve"},
    )
    assert response.status_code == 404
    assert grants_of(app, "hongxing")[0].status == GrantStatus.REQUESTED


def test_a_refused_grant_shows_nothing(app: Flask, officer: FlaskClient) -> None:
    ask(officer)
    decide(app, "hongxing", "refuse")
    assert grants_of(app, "hongxing")[0].status == GrantStatus.REFUSED
    assert officer.get(NAMES).status_code == 403
    assert "已拒绝" in text_of(officer.get("/o/qinggang/grants"))


def test_a_grant_is_never_longer_than_seven_days_nor_without_a_reason(
    app: Flask, officer: FlaskClient
) -> None:
    too_long = ask(officer, days="8")
    assert too_long.status_code == 422
    assert "请输入 1 至 7 之间的天数" in text_of(too_long) and REASON in text_of(
        too_long
    )  # the value kept
    no_reason = ask(officer, reason="")
    assert no_reason.status_code == 422
    assert grants_of(app, "hongxing") == []


def test_only_the_principal_decides(app: Flask, teacher: FlaskClient) -> None:
    assert teacher.get("/s/yangguang/oversight-grants/").status_code == 403
