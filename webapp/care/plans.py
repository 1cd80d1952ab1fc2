"""Individual education plans (个别教育管理方案): for a child with serious learning, behaviour or
psychological problems, the problem, the goals and the measures, reviewed over time until the
plan ends. Restricted like counselling: the counsellor and the principal only (the routes check
``care.individual_plan``; nothing here is ever listed to anyone else).

Writes take plain values, flush, write their audit row and never commit. Starting a plan and
adding a review are idempotent by the form's UUID, like every care record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webapp.care.models import IndividualPlan, PlanReview
from webapp.care.once import Made, create_once, find_by_uid
from webapp.children.access import ON_ROLL
from webapp.children.models import Child
from webapp.core import audit
from webapp.core.audit import AuditAction


class PlanEnded(ValueError):
    """An ended plan takes no more reviews and cannot end twice."""


def start_plan(
    session: Session,
    *,
    uid: uuid.UUID,
    child: Child,
    author_id: int | None,
    started_on: date,
    problem: str,
    goals: str,
    measures: str,
) -> Made:
    made = create_once(
        session,
        IndividualPlan,
        uid,
        lambda: IndividualPlan(
            uid=uid,
            child_id=child.id,
            author_id=author_id,
            started_on=started_on,
            problem=problem,
            goals=goals,
            measures=measures,
        ),
    )
    if made.created:
        audit.record(
            session,
            AuditAction.CREATE,
            actor_id=author_id,
            subject="individual_plan",
            subject_id=made.row.id,
            child_id=child.id,
            fields=["problem", "goals", "measures"],
        )
    return made


def review_plan(
    session: Session,
    plan: IndividualPlan,
    *,
    uid: uuid.UUID,
    author_id: int | None,
    reviewed_on: date,
    notes: str,
) -> Made:
    """A review: how the child is doing against the goals, and what comes next."""
    existing = find_by_uid(session, PlanReview, uid)
    if existing is not None:
        return Made(existing, created=False)
    if plan.ended_on is not None:
        raise PlanEnded()
    made = create_once(
        session,
        PlanReview,
        uid,
        lambda: PlanReview(
            uid=uid, plan_id=plan.id, reviewed_on=reviewed_on, author_id=author_id, notes=notes
        ),
    )
    if made.created:
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=author_id,
            subject="individual_plan",
            subject_id=plan.id,
            child_id=plan.child_id,
            fields=["review"],
        )
        session.expire(plan, ["reviews"])
    return made


def end_plan(
    session: Session,
    plan: IndividualPlan,
    *,
    actor_id: int | None,
    ended_on: date,
    outcome: str | None = None,
    uid: uuid.UUID | None = None,
) -> None:
    """End a plan; how it ended, if said, is its last review."""
    if plan.ended_on is not None:
        raise PlanEnded()
    if outcome:
        review_plan(
            session,
            plan,
            uid=uid or uuid.uuid4(),
            author_id=actor_id,
            reviewed_on=ended_on,
            notes=outcome,
        )
    plan.ended_on = ended_on
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="individual_plan",
        subject_id=plan.id,
        child_id=plan.child_id,
        fields=["ended_on"],
    )
    session.flush()


def plans_of(session: Session, child: Child) -> list[IndividualPlan]:
    """A child's plans, the running ones first, then the ended ones, latest first."""
    return list(
        session.scalars(
            select(IndividualPlan)
            .options(selectinload(IndividualPlan.author), selectinload(IndividualPlan.reviews))
            .where(IndividualPlan.child_id == child.id)
            .order_by(
                IndividualPlan.ended_on.is_not(None),
                IndividualPlan.started_on.desc(),
                IndividualPlan.id.desc(),
            )
        )
    )


@dataclass
class RunningPlan:
    plan: IndividualPlan
    child: Child
    last_reviewed_on: date | None


def running_plans(session: Session) -> list[RunningPlan]:
    """Every plan of the school still running, for children still at school: the ones
    reviewed longest ago (or never) first, since they are the ones to look at."""
    rows = session.execute(
        select(IndividualPlan, Child)
        .join(Child, Child.id == IndividualPlan.child_id)
        .options(selectinload(IndividualPlan.reviews), selectinload(Child.school_class))
        .where(IndividualPlan.ended_on.is_(None), Child.status.in_(ON_ROLL))
    ).all()
    running = [
        RunningPlan(plan, child, plan.reviews[0].reviewed_on if plan.reviews else None)
        for plan, child in rows
    ]
    return sorted(running, key=lambda r: (r.last_reviewed_on or r.plan.started_on, r.child.name))
