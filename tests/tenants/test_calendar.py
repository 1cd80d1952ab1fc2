"""Which term is current on a given day, and when its survey is due."""

from __future__ import annotations

from datetime import date

from flask import Flask

from tests.conftest import app_session
from webapp.tenants.calendar import add_months, current_term, survey_due_date
from webapp.tenants.models import Term


def term_on(app: Flask, day: date, slug: str = "yangguang") -> str | None:
    with app_session(app, slug) as session:
        term = current_term(session, day)
        return term.full_name if term else None


def test_the_current_term_is_the_one_whose_dates_hold_today(app: Flask, transaction: None) -> None:
    assert term_on(app, date(2026, 11, 15)) == "2026—2027学年第一学期"
    assert term_on(app, date(2026, 9, 1)) == "2026—2027学年第一学期"  # its first day counts
    assert term_on(app, date(2027, 3, 1)) == "2026—2027学年第二学期"
    assert term_on(app, date(2026, 11, 15), "hongxing") == "2026—2027学年第一学期"


def test_in_a_holiday_the_latest_term_already_started_is_current(
    app: Flask, transaction: None
) -> None:
    assert term_on(app, date(2027, 2, 1)) == "2026—2027学年第一学期"  # winter holiday
    assert term_on(app, date(2027, 8, 1)) == "2026—2027学年第二学期"  # summer holiday


def test_before_the_first_term_there_is_no_current_term(app: Flask, transaction: None) -> None:
    assert term_on(app, date(2026, 8, 31)) is None


def test_the_survey_is_due_one_month_after_the_term_begins() -> None:
    assert survey_due_date(Term(starts_on=date(2026, 9, 1))) == date(2026, 10, 1)
    assert survey_due_date(Term(starts_on=date(2027, 2, 22))) == date(2027, 3, 22)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)  # no 31 February
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
