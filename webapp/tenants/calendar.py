"""A school's calendar read by date: which term is current, when its survey is due."""

from __future__ import annotations

import calendar
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webapp.tenants.models import SchoolYear, Term

# "Reports within a month of term start" (every term begins with a survey, 摸底).
SURVEY_MONTHS = 1


def current_term(session: Session, today: date) -> Term | None:
    """The term whose dates hold today; in a holiday, the latest term already started."""
    started = (
        select(Term)
        .options(selectinload(Term.school_year))
        .where(Term.starts_on <= today)
        .order_by(Term.starts_on.desc(), Term.id.desc())
        .limit(1)
    )
    running = session.scalar(started.where(Term.ends_on >= today))
    return running if running is not None else session.scalar(started)


def add_months(day: date, months: int) -> date:
    """The same day so many months later, or the month's last day (31 Jan + 1 → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def survey_due_date(term: Term) -> date:
    return add_months(term.starts_on, SURVEY_MONTHS)


def school_years(session: Session) -> list[SchoolYear]:
    """Every school year of the school with its terms, the latest first."""
    return list(
        session.scalars(
            select(SchoolYear)
            .options(selectinload(SchoolYear.terms))
            .order_by(SchoolYear.starts_on.desc())
        )
    )


def find_term(session: Session, term_id: int) -> Term | None:
    return session.scalar(
        select(Term)
        .options(selectinload(Term.school_year).selectinload(SchoolYear.terms))
        .where(Term.id == term_id)
    )
