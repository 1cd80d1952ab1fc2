"""Writes of a school's set-up: classes and their teachers, school years and terms.

Each takes plain values, flushes, writes its audit row, never commits. Who teaches a class
decides who sees its children's cards, so every change here is in the audit log too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.children.access import ON_ROLL
from webapp.children.models import Child, SchoolClass, Stage
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.tenants.models import SchoolYear, Term

# Stored as the school writes them; a term can be renamed afterwards.
TERM_NAMES = ("第一学期", "第二学期")


class DuplicateName(ValueError):
    """The school already has a class, school year or term of that name."""


class ClassStillHasChildren(ValueError):
    """A class with children on the roll cannot be taken out of use."""

    def __init__(self, count: int) -> None:
        super().__init__("children on the roll")
        self.count = count


class OverlapsAnotherYear(ValueError):
    def __init__(self, year: SchoolYear) -> None:
        super().__init__("school years overlap")
        self.year = year


@contextmanager
def _names_kept_unique(session: Session) -> Iterator[None]:
    """A savepoint whose unique-key failure reads as DuplicateName: two requests that both
    passed the lookup (a double tap) meet at the key, and the second is told, not shown an
    error page."""
    try:
        with session.begin_nested():
            yield
    except IntegrityError as error:
        raise DuplicateName() from error


def _refuse_taken_name(session: Session, model: type, name: str, own_id: int | None) -> None:
    taken = session.scalar(select(model.id).where(model.name == name, model.id != (own_id or 0)))
    if taken is not None:
        raise DuplicateName()


def _apply(
    session: Session,
    record: SchoolClass | Term,
    *,
    subject: str,
    actor_id: int | None,
    **values: Any,
) -> list[str]:
    """Set the values, flush, and log the names of the fields that really changed."""
    with _names_kept_unique(session):
        for key, value in values.items():
            setattr(record, key, value)
        changed = audit.changed_fields(record)
        session.flush()
    if changed:
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=actor_id,
            subject=subject,
            subject_id=record.id,
            fields=changed,
        )
        session.flush()
    return changed


def _created(session: Session, subject: str, subject_id: int, actor_id: int | None) -> None:
    audit.record(
        session, AuditAction.CREATE, actor_id=actor_id, subject=subject, subject_id=subject_id
    )


def create_class(
    session: Session,
    *,
    actor_id: int | None,
    name: str,
    stage: Stage,
    grade: int,
    section: int = 1,
    teacher_id: int | None = None,
) -> SchoolClass:
    _refuse_taken_name(session, SchoolClass, name, None)
    school_class = SchoolClass(
        name=name, stage=stage, grade=grade, section=section, teacher_id=teacher_id
    )
    with _names_kept_unique(session):
        session.add(school_class)
        session.flush()
    _created(session, "school_class", school_class.id, actor_id)
    session.flush()
    return school_class


def children_on_roll(session: Session, school_class: SchoolClass) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Child)
        .where(Child.class_id == school_class.id, Child.status.in_(ON_ROLL))
    )


def update_class(
    session: Session, school_class: SchoolClass, *, actor_id: int | None, **values: Any
) -> list[str]:
    """Change a class; one still holding children cannot be taken out of use (moving them
    first keeps every child in a class with a teacher who sees their card)."""
    if "name" in values:
        _refuse_taken_name(session, SchoolClass, values["name"], school_class.id)
    if values.get("is_active") is False and school_class.is_active:
        count = children_on_roll(session, school_class)
        if count:
            raise ClassStillHasChildren(count)
    return _apply(session, school_class, subject="school_class", actor_id=actor_id, **values)


def overlapping_year(
    session: Session, starts_on: date, ends_on: date, own_id: int | None = None
) -> SchoolYear | None:
    return session.scalar(
        select(SchoolYear)
        .where(
            SchoolYear.starts_on <= ends_on,
            SchoolYear.ends_on >= starts_on,
            SchoolYear.id != (own_id or 0),
        )
        .limit(1)
    )


def create_school_year(
    session: Session,
    *,
    actor_id: int | None,
    name: str,
    starts_on: date,
    ends_on: date,
    terms: list[tuple[date, date]],
) -> SchoolYear:
    """A school year with its terms, numbered in order (the dates are checked by the form)."""
    _refuse_taken_name(session, SchoolYear, name, None)
    other = overlapping_year(session, starts_on, ends_on)
    if other is not None:
        raise OverlapsAnotherYear(other)
    year = SchoolYear(name=name, starts_on=starts_on, ends_on=ends_on)
    for number, (term_starts, term_ends) in enumerate(terms, start=1):
        Term(
            school_year=year,
            number=number,
            name=TERM_NAMES[number - 1],
            starts_on=term_starts,
            ends_on=term_ends,
        )
    with _names_kept_unique(session):
        session.add(year)
        session.flush()
    _created(session, "school_year", year.id, actor_id)
    for term in year.terms:
        _created(session, "term", term.id, actor_id)
    session.flush()
    return year


def update_term(session: Session, term: Term, *, actor_id: int | None, **values: Any) -> list[str]:
    """Rename a term or move its dates (the form keeps them inside the year, apart from the
    other terms); two terms of one year may not share a name."""
    if "name" in values and any(
        t.name == values["name"] for t in term.school_year.terms if t.id != term.id
    ):
        raise DuplicateName()
    return _apply(session, term, subject="term", actor_id=actor_id, **values)
