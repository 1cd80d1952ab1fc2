"""The demo's care history: a counsellor, weeks of believable work before the demo's day,
concerns that reached people, follow-ups open and done (loaded twice: see test_demo_data)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from tests.conftest import app_session
from webapp.auth.service import find_user_by_phone
from webapp.care.models import ActivityParticipant, AlertKind, CareAlert, CareKind, CareRecord
from webapp.core.org import Tenant, roles_in_tenant
from webapp.core.permissions import Role
from webapp.core.tenancy import tenant_context
from webapp.demo.care import COUNSELLOR_PHONE, DEMO_TODAY, FIRST_MONDAY


def test_the_demo_has_a_counsellor_at_yangguang(app: Flask, transaction: None) -> None:
    with app_session(app) as session:
        counsellor = find_user_by_phone(session, COUNSELLOR_PHONE)
        assert counsellor.name == "周心怡"
        _tenant, roles = roles_in_tenant(session, counsellor.id, "yangguang")
        assert set(roles) == {Role.COUNSELLOR, Role.TEACHER}


def test_every_demo_school_has_weeks_of_talks_before_the_demos_day_and_none_after(
    app: Flask, transaction: None
) -> None:
    with app_session(app) as session:
        for tenant in session.scalars(select(Tenant)).all():
            with tenant_context(session, tenant.id):
                days = session.execute(
                    select(
                        func.min(CareRecord.happened_on), func.max(CareRecord.happened_on)
                    ).where(CareRecord.kind == CareKind.TALK)
                ).one()
                talks = session.scalar(
                    select(func.count()).select_from(CareRecord).where(CareRecord.kind == "talk")
                )
                taking_part = session.scalar(select(func.count()).select_from(ActivityParticipant))
            assert days[0] >= FIRST_MONDAY and days[1] < DEMO_TODAY, tenant.slug
            assert talks > 100 and taking_part > 50, tenant.slug


def test_concerns_reached_the_class_teacher_and_the_counsellor_and_follow_ups_wait(
    app: Flask, transaction: None
) -> None:
    with app_session(app, "yangguang") as session:
        wang_li = find_user_by_phone(session, "13800000002").id
        counsellor = find_user_by_phone(session, COUNSELLOR_PHONE).id
        open_alerts = session.execute(
            select(CareAlert.recipient_id, CareAlert.kind).where(
                CareAlert.acknowledged_at.is_(None)
            )
        ).all()
        assert (wang_li, AlertKind.CONCERN) in open_alerts
        assert (counsellor, AlertKind.CONCERN) in open_alerts
        follow_ups = session.execute(
            select(CareRecord.follow_up_done_on).where(CareRecord.follow_up_sealed.is_not(None))
        ).all()
        done = [row for row in follow_ups if row[0] is not None]
        assert done and len(done) < len(follow_ups)


def test_a_demo_home_visit_reads_like_one_made_with_the_form(app: Flask, principal) -> None:
    """The demo writes a visit's details in the keys the visit form writes and reads."""
    from tests.helpers import text_of

    with app_session(app, "yangguang") as session:
        visit = session.scalars(
            select(CareRecord).where(CareRecord.kind == CareKind.HOME_VISIT).limit(1)
        ).one()
        visitor, record_id = visit.author.name, visit.id
    page = text_of(principal.get(f"/s/yangguang/care/records/{record_id}"))
    for shown in (
        "家访人员",
        visitor,
        "见到的人",
        "安全隐患",
        "溺水",
        "用电",
        "监护情况",
        "指导意见",
    ):
        assert shown in page, shown
