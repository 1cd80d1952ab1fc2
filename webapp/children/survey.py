"""The term survey (摸底) and the archive rate (建档率): what is left to confirm, and confirming.

At term start each class teacher confirms or updates every card of the classes they teach; the
school watches completion per class and reports within a month. The archive rate counts the
children at school whose card lacks nothing (see ``queries.archive_gaps``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from webapp.children.access import ON_ROLL
from webapp.children.models import (
    Child,
    ChildStatus,
    SchoolClass,
    SurveyConfirmation,
    SurveyOutcome,
)
from webapp.children.queries import (
    archive_gaps,
    classes_taught_by,
    school_classes,
    with_card_details,
)
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.permissions import Role, can
from webapp.tenants.calendar import current_term, survey_due_date
from webapp.tenants.models import Term


def _percent(part: int, whole: int) -> int | None:
    """Rounded down, so that 99.6 % never reads as done; None when there is nothing to count."""
    return part * 100 // whole if whole else None


@dataclass(frozen=True)
class ClassSurvey:
    """One class's survey this term: how many of the children on the roll are confirmed."""

    school_class: SchoolClass
    confirmed: int
    on_roll: int

    @property
    def remaining(self) -> int:
        return self.on_roll - self.confirmed

    @property
    def done(self) -> bool:
        return self.remaining == 0

    @property
    def percent(self) -> int | None:
        return _percent(self.confirmed, self.on_roll)


@dataclass
class ArchiveRate:
    """建档率: children at school whose card is complete ÷ children at school."""

    complete: int = 0
    children: int = 0

    @property
    def percent(self) -> int | None:
        return _percent(self.complete, self.children)

    @property
    def incomplete(self) -> int:
        return self.children - self.complete


@dataclass(frozen=True)
class SchoolSurvey:
    """What the leaders see: the term, its due date, every class, and the school's rate."""

    term: Term
    due_on: date
    overdue: bool
    classes: list[ClassSurvey]
    archive: ArchiveRate
    archive_per_class: dict[int, ArchiveRate] = field(default_factory=dict)

    @property
    def confirmed(self) -> int:
        return sum(c.confirmed for c in self.classes)

    @property
    def on_roll(self) -> int:
        return sum(c.on_roll for c in self.classes)

    @property
    def percent(self) -> int | None:
        return _percent(self.confirmed, self.on_roll)


def is_overdue(term: Term, today: date, remaining: int) -> bool:
    return remaining > 0 and today > survey_due_date(term)


def _on_roll_in(class_ids: list[int]) -> tuple[ColumnElement[bool], ...]:
    """Children of these classes still on the roll (a pending transfer is still ours)."""
    return Child.class_id.in_(class_ids), Child.status.in_(ON_ROLL)


def class_surveys(session: Session, term: Term, classes: list[SchoolClass]) -> list[ClassSurvey]:
    """Per class, the children on the roll and how many of them are confirmed this term."""
    if not classes:
        return []
    class_ids = [c.id for c in classes]
    # One query: a child is confirmed at most once a term (a unique key), so counting the
    # confirmations joined to the children on the roll counts the confirmed children.
    counts = {
        class_id: (on_roll, confirmed)
        for class_id, on_roll, confirmed in session.execute(
            select(Child.class_id, func.count(Child.id), func.count(SurveyConfirmation.id))
            .outerjoin(
                SurveyConfirmation,
                and_(
                    SurveyConfirmation.child_id == Child.id,
                    SurveyConfirmation.term_id == term.id,
                ),
            )
            .where(*_on_roll_in(class_ids))
            .group_by(Child.class_id)
        )
    }
    on_roll = {class_id: pair[0] for class_id, pair in counts.items()}
    confirmed = {class_id: pair[1] for class_id, pair in counts.items()}
    return [ClassSurvey(c, confirmed.get(c.id, 0), on_roll.get(c.id, 0)) for c in classes]


def archive_rates(session: Session) -> tuple[ArchiveRate, dict[int, ArchiveRate]]:
    """The school's 建档率 and each class's, from what every card at school still lacks.

    A child with no class counts for the school (the missing class is itself a gap).
    """
    school, per_class = ArchiveRate(), {}
    # One statement (the today page counts them): parents and guardians joined, not selected.
    children = session.scalars(
        select(Child)
        .options(joinedload(Child.parents), joinedload(Child.guardians))
        .where(Child.status == ChildStatus.ACTIVE)
    ).unique()
    for child in children:
        complete = not archive_gaps(child)
        rates = [school]
        if child.class_id is not None:
            rates.append(per_class.setdefault(child.class_id, ArchiveRate()))
        for rate in rates:
            rate.children += 1
            rate.complete += complete
    return school, per_class


def school_survey(
    session: Session, term: Term, today: date, classes: list[SchoolClass] | None = None
) -> SchoolSurvey:
    """``classes``: the school's classes, when the caller has them already."""
    classes = class_surveys(session, term, school_classes(session) if classes is None else classes)
    archive, per_class = archive_rates(session)
    remaining = sum(c.remaining for c in classes)
    return SchoolSurvey(
        term=term,
        due_on=survey_due_date(term),
        overdue=is_overdue(term, today, remaining),
        classes=classes,
        archive=archive,
        archive_per_class=per_class,
    )


def next_child(session: Session, term: Term, school_class: SchoolClass) -> Child | None:
    """The first child of the class (by name) on the roll not yet confirmed this term."""
    confirmed = select(SurveyConfirmation.child_id).where(SurveyConfirmation.term_id == term.id)
    return session.scalars(
        with_card_details(
            select(Child)
            .where(*_on_roll_in([school_class.id]), Child.id.not_in(confirmed))
            .order_by(Child.name, Child.id)
            .limit(1)
        )
    ).first()


def class_roll(
    session: Session, term: Term, school_class: SchoolClass
) -> list[tuple[Child, SurveyConfirmation | None, list[str]]]:
    """Every child of the class on the roll with this term's confirmation and the card's gaps."""
    children = list(
        session.scalars(
            with_card_details(
                select(Child).where(*_on_roll_in([school_class.id])).order_by(Child.name, Child.id)
            )
        )
    )
    confirmations = {
        c.child_id: c
        for c in session.scalars(
            select(SurveyConfirmation).where(
                SurveyConfirmation.term_id == term.id,
                SurveyConfirmation.child_id.in_([child.id for child in children]),
            )
        )
    }
    return [(child, confirmations.get(child.id), archive_gaps(child)) for child in children]


def find_confirmation(session: Session, term: Term, child: Child) -> SurveyConfirmation | None:
    return session.scalar(
        select(SurveyConfirmation).where(
            SurveyConfirmation.term_id == term.id, SurveyConfirmation.child_id == child.id
        )
    )


def confirm_card(
    session: Session,
    *,
    term: Term,
    child: Child,
    outcome: SurveyOutcome,
    actor_id: int | None,
) -> tuple[SurveyConfirmation, bool]:
    """Confirm a card for the term; returns the confirmation and whether it is new.

    A double tap or a retry finds the first confirmation and changes nothing. Two taps that
    race past the lookup meet at the unique (term, child) key: the loser finds the winner's row.
    """
    existing = find_confirmation(session, term, child)
    if existing is not None:
        return existing, False
    confirmation = SurveyConfirmation(
        term_id=term.id, child_id=child.id, outcome=outcome, confirmed_by_id=actor_id
    )
    try:
        with session.begin_nested():
            session.add(confirmation)
            session.flush()
    except IntegrityError:
        return find_confirmation(session, term, child), False
    audit.record(
        session,
        AuditAction.SURVEY,
        actor_id=actor_id,
        subject="child",
        subject_id=child.id,
        child_id=child.id,
    )
    session.flush()
    return confirmation, True


@dataclass(frozen=True)
class SurveySummary:
    """One person's view of the term's survey: the classes they teach and, for leaders, the
    whole school."""

    term: Term
    due_on: date
    overdue: bool
    my_classes: list[ClassSurvey]
    school: SchoolSurvey | None

    @property
    def my_remaining(self) -> int:
        return sum(c.remaining for c in self.my_classes)


def survey_summary(
    session: Session,
    term: Term,
    user_id: int,
    roles: frozenset[Role],
    today: date,
    taught: list[SchoolClass] | None = None,
    classes_of_school: list[SchoolClass] | None = None,
) -> SurveySummary:
    """``taught``, ``classes_of_school``: the classes the person teaches, and the school's, when
    the caller has them already."""
    if not can("children.survey", roles):
        taught = []
    elif taught is None:
        taught = classes_taught_by(session, user_id)
    my_classes = class_surveys(session, term, taught)
    school = (
        school_survey(session, term, today, classes_of_school)
        if can("children.survey_progress", roles)
        else None
    )
    watched = school.classes if school else my_classes
    return SurveySummary(
        term=term,
        due_on=survey_due_date(term),
        overdue=is_overdue(term, today, sum(c.remaining for c in watched)),
        my_classes=my_classes,
        school=school,
    )


def today_summary(
    session: Session,
    user_id: int,
    roles: frozenset[Role],
    today: date,
    *,
    term: Term | None = None,
    taught: list[SchoolClass] | None = None,
    classes_of_school: list[SchoolClass] | None = None,
) -> SurveySummary | None:
    """For the today page; None when there is no term yet or the person has no part in it.
    The page may hand over the current term and the person's classes it has read already."""
    if not (can("children.survey", roles) or can("children.survey_progress", roles)):
        return None
    term = term or current_term(session, today)
    if term is None:
        return None
    summary = survey_summary(session, term, user_id, roles, today, taught, classes_of_school)
    return summary if summary.my_classes or summary.school else None
