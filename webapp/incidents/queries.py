"""Reading incidents and safety paperwork: the incidents a person may see, the children an
incident may name, a class's safety log over a term, and who has signed the year's agreements."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from webapp.children.access import ON_ROLL
from webapp.children.models import Child, LeftBehindType, SchoolClass
from webapp.children.queries import classes_taught_by, school_classes
from webapp.core.permissions import Role, can
from webapp.incidents.access import visible_incidents
from webapp.incidents.models import (
    Agreement,
    AgreementKind,
    Incident,
    IncidentChild,
    IncidentStep,
    SafetyLesson,
    SafetyTopic,
)
from webapp.tenants.calendar import current_term, find_term
from webapp.tenants.models import SchoolYear, Term

INCIDENTS_PAGE = 20
FOUND_SHOWN = 20
LATIN = re.compile(r"^[a-z]+$")  # typed as pinyin or initials, as the child list takes it


def incidents_for(
    session: Session, user_id: int, roles: frozenset[Role], *, page: int = 1
) -> tuple[list[Incident], bool]:
    """The incidents this person may see, the open ones first, then the latest."""
    rows = list(
        session.scalars(
            select(Incident)
            .options(
                selectinload(Incident.involved).selectinload(IncidentChild.child),
                selectinload(Incident.steps),
                selectinload(Incident.reporter),
            )
            .where(visible_incidents(user_id, roles))
            .order_by(
                Incident.closed_at.is_not(None), Incident.happened_at.desc(), Incident.id.desc()
            )
            .limit(INCIDENTS_PAGE + 1)
            .offset((page - 1) * INCIDENTS_PAGE)
        )
    )
    return rows[:INCIDENTS_PAGE], len(rows) > INCIDENTS_PAGE


def load_incident(session: Session, incident_id: int) -> Incident | None:
    return session.scalar(
        select(Incident)
        .options(
            selectinload(Incident.involved)
            .selectinload(IncidentChild.child)
            .selectinload(Child.school_class),
            selectinload(Incident.steps).selectinload(IncidentStep.done_by),
            selectinload(Incident.steps).selectinload(IncidentStep.child),
        )
        .where(Incident.id == incident_id)
    )


# Picking the children of an incident ---------------------------------------------------------


def children_by_ids(session: Session, child_ids: list[int]) -> list[Child]:
    """Children on the roll, in the order of their classes; unknown ids are left out."""
    if not child_ids:
        return []
    return list(
        session.scalars(
            select(Child)
            .options(selectinload(Child.school_class))
            .outerjoin(SchoolClass, SchoolClass.id == Child.class_id)
            .where(Child.id.in_(child_ids), Child.status.in_(ON_ROLL))
            .order_by(SchoolClass.grade, SchoolClass.section, Child.name, Child.id)
        )
    )


def find_children(session: Session, text: str = "", class_id: int | None = None) -> list[Child]:
    """Any child on the roll by name or class: whoever reports an incident may name any pupil
    it involved, though they see no more of them than name and class."""
    statement = (
        select(Child)
        .options(selectinload(Child.school_class))
        .outerjoin(SchoolClass, SchoolClass.id == Child.class_id)
        .where(Child.status.in_(ON_ROLL))
    )
    text = text.strip().lower()
    if class_id is not None:
        statement = statement.where(Child.class_id == class_id)
    elif not text:
        return []
    if text and LATIN.match(text):
        statement = statement.where(
            or_(
                Child.name_initials.contains(text, autoescape=True),
                Child.name_pinyin.contains(text, autoescape=True),
            )
        )
    elif text:
        statement = statement.where(Child.name.contains(text, autoescape=True))
    limit = None if class_id is not None else FOUND_SHOWN
    return list(
        session.scalars(
            statement.order_by(SchoolClass.grade, SchoolClass.section, Child.name).limit(limit)
        )
    )


# Classes whose safety paperwork a person keeps ---------------------------------------------


def paperwork_classes(session: Session, user_id: int, roles: frozenset[Role]) -> list[SchoolClass]:
    """Every class for the school's leaders and the safety lead; else one's own classes."""
    if can("incidents.every_class", roles):
        return school_classes(session)
    return classes_taught_by(session, user_id)


# The daily safety education ----------------------------------------------------------------


def term_of(session: Session, term_id: int | None, today: date) -> Term | None:
    if term_id is not None:
        return find_term(session, term_id)
    return current_term(session, today)


def class_lessons(session: Session, class_id: int, term: Term | None) -> list[SafetyLesson]:
    statement = (
        select(SafetyLesson)
        .options(selectinload(SafetyLesson.teacher))
        .where(SafetyLesson.class_id == class_id)
        .order_by(SafetyLesson.held_on.desc(), SafetyLesson.id.desc())
    )
    if term is not None:
        statement = statement.where(
            SafetyLesson.held_on >= term.starts_on, SafetyLesson.held_on <= term.ends_on
        )
    return list(session.scalars(statement))


@dataclass
class LessonSummary:
    days: int = 0
    minutes: int = 0
    last_on: date | None = None
    topics: Counter[SafetyTopic] = field(default_factory=Counter)


def summarise(lessons: list[SafetyLesson]) -> LessonSummary:
    summary = LessonSummary()
    summary.days = len({lesson.held_on for lesson in lessons})
    summary.minutes = sum(lesson.minutes for lesson in lessons)
    summary.last_on = max((lesson.held_on for lesson in lessons), default=None)
    for lesson in lessons:
        summary.topics.update(lesson.topics)
    return summary


def lesson_board(
    session: Session, classes: list[SchoolClass], term: Term | None
) -> dict[int, tuple[int, date | None]]:
    """Per class: the days with safety education this term, and the last of them."""
    if not classes:
        return {}
    statement = (
        select(
            SafetyLesson.class_id,
            func.count(func.distinct(SafetyLesson.held_on)),
            func.max(SafetyLesson.held_on),
        )
        .where(SafetyLesson.class_id.in_([c.id for c in classes]))
        .group_by(SafetyLesson.class_id)
    )
    if term is not None:
        statement = statement.where(
            SafetyLesson.held_on >= term.starts_on, SafetyLesson.held_on <= term.ends_on
        )
    return {class_id: (days, last_on) for class_id, days, last_on in session.execute(statement)}


# Agreements ----------------------------------------------------------------------------------


def school_year_of(session: Session, year_id: int | None, today: date) -> SchoolYear | None:
    """The year asked for, else the one today falls in (or the latest begun)."""
    if year_id is not None:
        return session.get(SchoolYear, year_id)
    started = select(SchoolYear).where(SchoolYear.starts_on <= today)
    return session.scalar(
        started.where(SchoolYear.ends_on >= today).order_by(SchoolYear.starts_on.desc()).limit(1)
    ) or session.scalar(started.order_by(SchoolYear.starts_on.desc()).limit(1))


def school_years(session: Session) -> list[SchoolYear]:
    return list(session.scalars(select(SchoolYear).order_by(SchoolYear.starts_on.desc())))


def needs_agreement(kind: AgreementKind):
    """Which children an agreement is asked of: the safety agreement of every child on the
    roll; the custody agreement of the left-behind, whose parents sign it with the school or
    the temporary guardian (签一份托管协议)."""
    clauses = [Child.status.in_(ON_ROLL)]
    if kind == AgreementKind.CUSTODY:
        clauses.append(Child.left_behind_type != LeftBehindType.NONE)
    return clauses


@dataclass
class ClassAgreements:
    signed: list[tuple[Child, Agreement]]
    missing: list[Child]

    @property
    def expected(self) -> int:
        return len(self.signed) + len(self.missing)


def class_agreements(
    session: Session, school_class: SchoolClass, year: SchoolYear, kind: AgreementKind
) -> ClassAgreements:
    children = session.scalars(
        select(Child)
        .where(Child.class_id == school_class.id, *needs_agreement(kind))
        .order_by(Child.name, Child.id)
    ).all()
    agreements = {
        a.child_id: a
        for a in session.scalars(
            select(Agreement).where(
                Agreement.child_id.in_([c.id for c in children]),
                Agreement.school_year_id == year.id,
                Agreement.kind == kind,
            )
        )
    }
    return ClassAgreements(
        signed=[(c, agreements[c.id]) for c in children if c.id in agreements],
        missing=[c for c in children if c.id not in agreements],
    )


def agreement_board(
    session: Session, classes: list[SchoolClass], year: SchoolYear
) -> dict[tuple[int, AgreementKind], tuple[int, int]]:
    """Per class and kind: (signed, expected) this school year."""
    class_ids = [c.id for c in classes]
    board: dict[tuple[int, AgreementKind], tuple[int, int]] = {}
    if not class_ids:
        return board
    for kind in AgreementKind:
        signed = (
            select(Agreement.child_id)
            .where(Agreement.school_year_id == year.id, Agreement.kind == kind)
            .scalar_subquery()
        )
        rows = session.execute(
            select(
                Child.class_id,
                func.count(Child.id),
                func.count(Child.id).filter(Child.id.in_(signed)),
            )
            .where(Child.class_id.in_(class_ids), *needs_agreement(kind))
            .group_by(Child.class_id)
        )
        for class_id, expected, done in rows:
            board[(class_id, kind)] = (done, expected)
    return board
