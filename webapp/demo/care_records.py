"""Demo care records of the longer-lived kinds: for one pupil of each primary school's 三年级一班,
a growth record (an award and a wish already fulfilled), an assistance grant, a counselling
session and an individual plan with a review (both restricted), and a learning plan.

Every record has a fixed UUID, so a second run finds them and changes nothing. None leaves a
follow-up open: the demo's "today" lists stay as the duty engine makes them.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth.models import User
from webapp.care import learning, plans, service
from webapp.care.models import CareKind
from webapp.children.models import SchoolClass
from webapp.children.queries import find_by_id_number
from webapp.core.org import Membership, Tenant
from webapp.core.permissions import Role
from webapp.core.tenancy import tenant_context
from webapp.tenants.models import Term

if TYPE_CHECKING:
    from webapp.demo.data import LoadReport, Plan

NAMESPACE = uuid.UUID("5d6f0c57-7a43-4a53-9a43-2f3c0e0b6b11")
SCHOOLS = ("yangguang", "hongxing")
CLASS = "三年级一班"
PUPIL = 7  # the eighth child of the class: not one the other demo stories use


def _uid(slug: str, what: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{slug}:{what}")


def load_care_records(
    session: Session, plan: Plan, tenants: dict[str, Tenant], report: LoadReport
) -> None:
    for slug in SCHOOLS:
        tenant = tenants[slug]
        with tenant_context(session, tenant.id):
            _load_school(session, plan, tenant, slug, report)


def _load_school(
    session: Session, plan: Plan, tenant: Tenant, slug: str, report: LoadReport
) -> None:
    child = find_by_id_number(session, plan.children[(slug, CLASS)][PUPIL].id_number)
    teacher_id = session.scalar(select(SchoolClass.teacher_id).where(SchoolClass.name == CLASS))
    principal_id = session.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant.id, Membership.role == Role.PRINCIPAL)
        .order_by(User.id)
    )
    term = session.scalar(select(Term).order_by(Term.starts_on))
    if child is None or teacher_id is None or principal_id is None or term is None:
        return

    def care(what: str, kind: CareKind, author_id: int, on: date, **values: object) -> None:
        saved = service.record_care(
            session,
            uid=_uid(slug, what),
            child=child,
            kind=kind,
            author_id=author_id,
            happened_on=on,
            **values,
        )
        if saved.created:
            report.add("care records")
            if saved.record.follow_up_sealed:  # the wish came true a month later
                service.close_follow_up(
                    session, saved.record, actor_id=author_id, on=date(2026, 11, 20)
                )

    care(
        "award",
        CareKind.GROWTH,
        teacher_id,
        date(2026, 10, 30),
        details={"type": "award", "title": "留守少儿之星"},
        notes="主动照顾低年级同学，每天放学陪一年级的表弟回家。",
    )
    care(
        "wish",
        CareKind.GROWTH,
        teacher_id,
        date(2026, 10, 16),
        details={"type": "wish"},
        follow_up="想要一个自己的足球",
    )
    care(
        "assistance",
        CareKind.ASSISTANCE,
        principal_id,
        date(2026, 9, 15),
        details={"type": "two_free_one_subsidy", "amount": "625.00", "source": "authorities"},
        notes="本学期寄宿生生活补助。",
    )
    care(
        "counselling",
        CareKind.COUNSELLING,
        principal_id,
        date(2026, 10, 22),
        details={"problem": "父母外出后常独自哭泣，不愿和同学说话。", "assessment": "轻度分离焦虑"},
        notes="绘画表达和放松练习；约定每周到谈心室一次。",
    )

    started = plans.start_plan(
        session,
        uid=_uid(slug, "individual-plan"),
        child=child,
        author_id=principal_id,
        started_on=date(2026, 10, 23),
        problem="分离焦虑，课堂上不敢发言，作业常不完成。",
        goals="一个学期内每周至少主动发言一次；作业按时完成。",
        measures="心理教师每周辅导一次；班主任安排学习伙伴；每月与外出务工的父母视频一次。",
    )
    if started.created:
        report.add("individual plans")
        plans.review_plan(
            session,
            started.row,
            uid=_uid(slug, "individual-plan-review"),
            author_id=principal_id,
            reviewed_on=date(2026, 11, 20),
            notes="近两周主动发言三次，作业完成率提高；继续每周辅导。",
        )

    made = learning.make_plan(
        session,
        uid=_uid(slug, "learning-plan"),
        child=child,
        term=term,
        author_id=teacher_id,
        subjects="数学",
        helper_user_id=teacher_id,
        goals="背熟乘法口诀；期末数学 80 分以上。",
        checkpoints="10月：乘法口诀过关一半。",
    )
    if made.created:
        report.add("learning plans")
