"""Demo safety work of each primary school's 三年级一班: a minor fall on the playground last
month, every party told and the incident closed; a few weeks of daily safety education; and
the year's agreements, signed for most children, a few still missing.

No incident is left open: an open one would sit overdue at the top of the principal's today
page for good. Every row has a fixed UUID, so a second run finds them and changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth.models import User
from webapp.children.models import Child, GuardianRelation, ParentRelation, SchoolClass
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.org import Membership, Tenant
from webapp.core.permissions import Role
from webapp.core.tenancy import tenant_context
from webapp.incidents import service
from webapp.incidents.models import (
    AgreementKind,
    IncidentKind,
    NoticeChannel,
    SafetyTopic,
    StepKind,
)
from webapp.incidents.queries import needs_agreement
from webapp.tenants.models import SchoolYear

if TYPE_CHECKING:
    from webapp.demo.data import LoadReport

NAMESPACE = uuid.UUID("0b8c3f4e-5a1d-4f7e-9c2b-6d1e8a7f3c90")
SCHOOLS = ("yangguang", "hongxing")
CLASS = "三年级一班"
PUPIL = 3  # the fourth child of the class, by name: not one the care stories use
FELL_AT = datetime(2026, 10, 21, 10, 20, tzinfo=SCHOOL_TIMEZONE)
# (minutes after the fall it was done, by the class teacher or the principal, how, told whom)
TOLD = {
    StepKind.GUARDIAN: (12, "teacher", NoticeChannel.PHONE, None),
    StepKind.PARENTS: (41, "teacher", NoticeChannel.WECHAT, None),
    StepKind.AUTHORITY: (75, "principal", NoticeChannel.PHONE, "县教育委员会安全科 值班室"),
    StepKind.GOVERNMENT: (96, "principal", NoticeChannel.PHONE, "青杠镇人民政府 值班室"),
}
LESSONS = [
    (date(2026, 11, 2), [SafetyTopic.TRAFFIC], 5, "放学路队和过马路"),
    (date(2026, 11, 6), [SafetyTopic.DROWNING, SafetyTopic.ELECTRICITY], 10, None),
    (date(2026, 11, 11), [SafetyTopic.FIRE], 40, "全校消防疏散演练"),
    (date(2026, 11, 16), [SafetyTopic.BULLYING, SafetyTopic.MENTAL], 15, "班会：不做旁观者"),
    (date(2026, 11, 20), [SafetyTopic.FOOD], 5, None),
    (date(2026, 11, 25), [SafetyTopic.STRANGERS, SafetyTopic.SELF_PROTECTION], 10, None),
]
PARENT_WORDS = {ParentRelation.FATHER: "父亲", ParentRelation.MOTHER: "母亲"}
# Of the children asked for each agreement, this many (the last by name) have not signed yet.
STILL_MISSING = {AgreementKind.SAFETY: 3, AgreementKind.CUSTODY: 2}


def _uid(slug: str, what: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{slug}:{what}")


def load_incidents(session: Session, tenants: dict[str, Tenant], report: LoadReport) -> None:
    for slug in SCHOOLS:
        tenant = tenants[slug]
        with tenant_context(session, tenant.id):
            school_class = session.scalar(select(SchoolClass).where(SchoolClass.name == CLASS))
            principal_id = session.scalar(
                select(User.id)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.tenant_id == tenant.id, Membership.role == Role.PRINCIPAL)
                .order_by(User.id)
            )
            if school_class is None or school_class.teacher_id is None or principal_id is None:
                continue
            people = {"teacher": school_class.teacher_id, "principal": principal_id}
            _load_fall(session, slug, school_class, people, report)
            _load_lessons(session, slug, school_class, report)
            _load_agreements(session, slug, school_class, report)


def _load_fall(
    session: Session, slug: str, school_class: SchoolClass, people: dict, report: LoadReport
) -> None:
    children = school_class.children
    if len(children) <= PUPIL:
        return
    child = children[PUPIL]
    made = service.report_incident(
        session,
        uid=_uid(slug, "fall"),
        kind=IncidentKind.INJURY,
        children=[child],
        reporter_id=people["teacher"],
        happened_at=FELL_AT,
        place="操场单杠旁",
        what_happened="课间在单杠旁追跑，被同学碰倒，右膝着地擦伤。",
        injuries="右膝擦伤约3厘米，无骨折；校医消毒包扎。",
        actions_taken="班主任陪同到医务室处理，观察一节课无异常后回班上课。",
    )
    if not made.created:
        return
    report.add("incidents")
    incident = made.row
    incident.created_at = FELL_AT + timedelta(minutes=8)  # reported from the playground
    guardian = next(iter(child.active_guardians), None)
    father = next((p for p in child.parents if p.name), None)
    for step in incident.steps:
        minutes, who, channel, whom = TOLD[step.kind]
        if step.kind == StepKind.GUARDIAN and guardian is not None:
            whom = f"监护人 · {guardian.name}"
        elif step.kind == StepKind.PARENTS and father is not None:
            whom = f"{PARENT_WORDS[father.relation]} · {father.name}"
        done_at = FELL_AT + timedelta(minutes=minutes)
        service.sign_step(
            session,
            incident,
            step,
            actor_id=people[who],
            sign_uid=_uid(slug, f"fall:{step.kind.value}"),
            done_at=done_at,
            channel=channel,
            whom=whom or "家长",
            note="已告知受伤经过和处理情况，对方表示理解。",
            now=done_at + timedelta(minutes=2),
        )
    service.close_incident(
        session,
        incident,
        actor_id=people["principal"],
        outcome="伤口一周内愈合。已在操场单杠区加铺软垫，课间安排教师值守。",
        now=datetime.combine(FELL_AT.date() + timedelta(days=2), time(16, 0), SCHOOL_TIMEZONE),
    )


def _load_lessons(
    session: Session, slug: str, school_class: SchoolClass, report: LoadReport
) -> None:
    for held_on, topics, minutes, note in LESSONS:
        made = service.record_lesson(
            session,
            uid=_uid(slug, f"lesson:{held_on}"),
            school_class=school_class,
            held_on=held_on,
            topics=topics,
            minutes=minutes,
            note=note,
            teacher_id=school_class.teacher_id,
        )
        if made.created:
            report.add("safety lessons")


def _load_agreements(
    session: Session, slug: str, school_class: SchoolClass, report: LoadReport
) -> None:
    year = session.scalar(select(SchoolYear).order_by(SchoolYear.starts_on))
    if year is None:
        return
    for kind, missing in STILL_MISSING.items():
        children = session.scalars(
            select(Child)
            .where(Child.class_id == school_class.id, *needs_agreement(kind))
            .order_by(Child.name, Child.id)
        ).all()
        for n, child in enumerate(children[: max(0, len(children) - missing)]):
            signer = _signer(child)
            if signer is None:
                continue
            made = service.record_agreement(
                session,
                uid=_uid(slug, f"agreement:{kind.value}:{child.uid}"),
                child=child,
                school_year=year,
                kind=kind,
                signer=signer[0],
                relation=signer[1],
                signed_on=year.starts_on + timedelta(days=2 + n % 5),
                scan=None,
                actor_id=school_class.teacher_id,
            )
            if made.created:
                report.add("agreements")


def _signer(child: Child) -> tuple[str, GuardianRelation] | None:
    """Who signs for a child: the guardian the child lives with, else a parent."""
    guardian = next(iter(child.active_guardians), None)
    if guardian is not None:
        return guardian.name, guardian.relation
    parent = next((p for p in child.parents if p.name), None)
    if parent is None:
        return None
    return parent.name, GuardianRelation(parent.relation.value)  # father, mother
