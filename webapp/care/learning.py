"""Learning support (学习帮扶计划) and the progress record (进步档案): a plan per child per term
with its subjects, its helper (a member of staff or a classmate, 一帮一), goals and checkpoints;
and the child's term scores per subject with the rank in class, read across terms.

Writes take plain values, flush, write their audit row and never commit. A plan is made once
per form UUID; scores are kept once per child, term and subject, so saving them again changes
only what changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webapp.auth.models import User
from webapp.care.models import LearningPlan, TermScore
from webapp.care.once import Made, create_once
from webapp.children.access import ON_ROLL
from webapp.children.models import Child
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.org import Membership
from webapp.core.permissions import CARERS
from webapp.core.tenancy import current_tenant_id
from webapp.tenants.models import Term

PLAN_FIELDS = ("subjects", "helper_user_id", "helper_child_id", "goals", "checkpoints")


class PlanForTermExists(ValueError):
    """The child already has a learning plan for this term: it is edited, not made twice."""

    def __init__(self, plan: LearningPlan) -> None:
        super().__init__("a learning plan for this term exists")
        self.plan = plan


def plan_for_term(session: Session, child: Child, term: Term) -> LearningPlan | None:
    return session.scalar(
        select(LearningPlan)
        .where(LearningPlan.child_id == child.id, LearningPlan.term_id == term.id)
        .order_by(LearningPlan.id)
        .limit(1)
    )


def make_plan(
    session: Session,
    *,
    uid: uuid.UUID,
    child: Child,
    term: Term,
    author_id: int | None,
    subjects: str,
    helper_user_id: int | None = None,
    helper_child_id: int | None = None,
    goals: str | None = None,
    checkpoints: str | None = None,
) -> Made:
    """A learning plan for one child and one term, once."""
    existing = session.scalar(select(LearningPlan).where(LearningPlan.uid == uid))
    if existing is not None:
        return Made(existing, created=False)
    other = plan_for_term(session, child, term)
    if other is not None:
        raise PlanForTermExists(other)
    made = create_once(
        session,
        LearningPlan,
        uid,
        lambda: LearningPlan(
            uid=uid,
            child_id=child.id,
            term_id=term.id,
            subjects=subjects,
            helper_user_id=helper_user_id,
            helper_child_id=helper_child_id,
            goals=goals,
            checkpoints=checkpoints,
            author_id=author_id,
        ),
    )
    if made.created:
        audit.record(
            session,
            AuditAction.CREATE,
            actor_id=author_id,
            subject="learning_plan",
            subject_id=made.row.id,
            child_id=child.id,
            fields=[name for name in PLAN_FIELDS if getattr(made.row, name)],
        )
    return made


def update_plan(
    session: Session, plan: LearningPlan, *, actor_id: int | None, **values: object
) -> list[str]:
    """Change a plan during its term (its checkpoints fill in as the term goes)."""
    unknown = set(values) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"not a learning plan field: {sorted(unknown)}")
    for name, value in values.items():
        setattr(plan, name, value)
    changed = audit.changed_fields(plan)
    if changed:
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=actor_id,
            subject="learning_plan",
            subject_id=plan.id,
            child_id=plan.child_id,
            fields=changed,
        )
    session.flush()
    return changed


@dataclass(frozen=True)
class Score:
    subject: str
    score: Decimal
    class_rank: int | None = None


def record_scores(
    session: Session,
    child: Child,
    term: Term,
    *,
    scores: list[Score],
    cleared: list[str] = (),
    actor_id: int | None,
) -> list[str]:
    """Keep a term's scores: new subjects added, changed ones changed, cleared ones removed.
    Returns the subjects that changed; saving the same scores again changes nothing."""
    kept = {
        row.subject: row
        for row in session.scalars(
            select(TermScore).where(TermScore.child_id == child.id, TermScore.term_id == term.id)
        )
    }
    changed: list[str] = []
    for entry in scores:
        row = kept.get(entry.subject)
        if row is None:
            session.add(
                TermScore(
                    child_id=child.id,
                    term_id=term.id,
                    subject=entry.subject,
                    score=float(entry.score),
                    class_rank=entry.class_rank,
                    recorded_by_id=actor_id,
                )
            )
            changed.append(entry.subject)
        elif row.score != float(entry.score) or row.class_rank != entry.class_rank:
            row.score, row.class_rank, row.recorded_by_id = (
                float(entry.score),
                entry.class_rank,
                actor_id,
            )
            changed.append(entry.subject)
    for subject in cleared:
        if subject in kept:
            session.delete(kept[subject])
            changed.append(subject)
    if changed:
        session.flush()
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=actor_id,
            subject="term_score",
            subject_id=term.id,
            child_id=child.id,
            fields=sorted(changed),
        )
    return changed


# Reading -------------------------------------------------------------------------------------


def terms(session: Session) -> list[Term]:
    """Every term of the school, the latest first."""
    return list(
        session.scalars(
            select(Term)
            .options(selectinload(Term.school_year))
            .order_by(Term.starts_on.desc(), Term.id.desc())
        )
    )


def find_term(session: Session, term_id: int) -> Term | None:
    return session.scalar(
        select(Term).options(selectinload(Term.school_year)).where(Term.id == term_id)
    )


def scores_of(session: Session, child: Child, term: Term) -> list[TermScore]:
    return list(
        session.scalars(
            select(TermScore)
            .where(TermScore.child_id == child.id, TermScore.term_id == term.id)
            .order_by(TermScore.id)
        )
    )


@dataclass
class PlanView:
    plan: LearningPlan
    term: Term
    helper_name: str | None


def plans_of(session: Session, child: Child) -> list[PlanView]:
    """A child's learning plans with their terms and helpers, the latest term first."""
    rows = session.execute(
        select(LearningPlan, Term)
        .join(Term, Term.id == LearningPlan.term_id)
        .options(
            selectinload(LearningPlan.helper_user),
            selectinload(Term.school_year),
        )
        .where(LearningPlan.child_id == child.id)
        .order_by(Term.starts_on.desc(), LearningPlan.id.desc())
    ).all()
    helper_ids = {plan.helper_child_id for plan, _term in rows if plan.helper_child_id}
    helpers = (
        dict(session.execute(select(Child.id, Child.name).where(Child.id.in_(helper_ids))).all())
        if helper_ids
        else {}
    )
    return [
        PlanView(
            plan,
            term,
            plan.helper_user.name if plan.helper_user else helpers.get(plan.helper_child_id),
        )
        for plan, term in rows
    ]


# How tall and wide the little trend line of a subject is, in SVG user units.
TREND_WIDTH, TREND_HEIGHT = 64, 24


@dataclass
class Progress:
    """The progress record: a child's scores by term (oldest first) and subject."""

    terms: list[Term] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    scores: dict[tuple[int, str], TermScore] = field(default_factory=dict)

    def score(self, term: Term, subject: str) -> TermScore | None:
        return self.scores.get((term.id, subject))

    def trend_points(self, subject: str) -> str:
        """The SVG polyline of a subject's scores across the terms, '' with fewer than two."""
        found = [
            (index, row.score)
            for index, term in enumerate(self.terms)
            if (row := self.scores.get((term.id, subject))) is not None
        ]
        if len(found) < 2:
            return ""
        # From a little under the lowest score to a little over the highest: a rise of ten
        # points should be seen at a glance, not lost on a scale from 0 to 150.
        low = min(score for _index, score in found) - 5
        high = max(score for _index, score in found) + 5
        step = TREND_WIDTH / max(1, len(self.terms) - 1)
        return " ".join(
            f"{index * step:.1f},{TREND_HEIGHT - (score - low) / (high - low) * TREND_HEIGHT:.1f}"
            for index, score in found
        )


def progress_of(session: Session, child: Child) -> Progress:
    rows = session.execute(
        select(TermScore, Term)
        .join(Term, Term.id == TermScore.term_id)
        .options(selectinload(Term.school_year))
        .where(TermScore.child_id == child.id)
        .order_by(Term.starts_on, TermScore.subject)
    ).all()
    progress = Progress()
    for row, term in rows:
        if term not in progress.terms:
            progress.terms.append(term)
        if row.subject not in progress.subjects:
            progress.subjects.append(row.subject)
        progress.scores[(term.id, row.subject)] = row
    return progress


def staff_helpers(session: Session) -> list[tuple[int, str]]:
    """The school's staff who may help a child with their studies, by name."""
    return list(
        session.execute(
            select(User.id, User.name)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.tenant_id == current_tenant_id(session),  # not a tenant table
                Membership.role.in_(CARERS),
                User.is_active.is_(True),
            )
            .distinct()
            .order_by(User.name)
        ).all()
    )


def classmates(session: Session, child: Child) -> list[tuple[int, str]]:
    """The child's classmates at school, who may be a study buddy (学习帮手, 一帮一)."""
    if child.class_id is None:
        return []
    return list(
        session.execute(
            select(Child.id, Child.name)
            .where(
                Child.class_id == child.class_id,
                Child.id != child.id,
                Child.status.in_(ON_ROLL),
            )
            .order_by(Child.name)
        ).all()
    )
