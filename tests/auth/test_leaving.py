"""A member who leaves the school: the principal unticks every role; an account left with no
school or unit is switched off and logged out on every device at once."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.auth.test_sessions import logged_in
from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from webapp.auth import service
from webapp.auth.service import find_user_by_phone
from webapp.core.audit import AuditEvent
from webapp.core.org import Membership, Tenant

KEEPER = "13800000003"  # 张秀英, keeper of the children's home, only at 阳光小学
TOWNSHIP_OFFICER = "13800000009"  # 青杠镇中心校 oversight, also teaches at 红星小学


def test_unticking_every_role_logs_the_leaver_out_everywhere(app: Flask, transaction) -> None:
    keeper = app.test_client()
    log_in(keeper, KEEPER)
    assert logged_in(keeper)
    with app_session(app) as session:
        keeper_id = find_user_by_phone(session, KEEPER).id

    principal = app.test_client()
    log_in(principal, "13800000001")
    left = principal.post(
        f"/s/yangguang/members/{keeper_id}/roles",
        data={"csrf_token": csrf_token(principal, "/me")},
        follow_redirects=True,
    )
    assert "张秀英已离校，所有设备上的登录已结束。" in text_of(left)

    assert not logged_in(keeper)
    assert log_in(keeper, KEEPER).status_code != 303  # the password opens nothing any more
    with app_session(app, "yangguang") as session:
        assert not find_user_by_phone(session, KEEPER).is_active
        assert not session.scalar(select(Membership.id).where(Membership.user_id == keeper_id))
        logged = session.scalars(
            select(AuditEvent.subject).where(AuditEvent.subject_id == keeper_id)
        ).all()
        assert "membership" in logged


def test_a_leaver_who_still_serves_elsewhere_keeps_the_account(app: Flask, transaction) -> None:
    with app_session(app) as session:
        officer = find_user_by_phone(session, TOWNSHIP_OFFICER)
        hongxing = session.scalar(select(Tenant.id).where(Tenant.slug == "hongxing"))
        service.set_roles(session, hongxing, officer, set())
        assert not service.switch_off_if_unattached(session, officer)  # the township still
        assert officer.is_active


def test_a_principal_cannot_remove_herself(app: Flask, transaction) -> None:
    principal = app.test_client()
    log_in(principal, "13800000001")
    with app_session(app) as session:
        own_id = find_user_by_phone(session, "13800000001").id
    refused = principal.post(
        f"/s/yangguang/members/{own_id}/roles", data={"csrf_token": csrf_token(principal, "/me")}
    )
    assert refused.status_code == 422
    assert "不能取消您自己的校长角色" in text_of(refused)
    assert logged_in(principal)
