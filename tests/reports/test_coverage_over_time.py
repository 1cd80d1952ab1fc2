"""The coverage board over the term: each week's figures are the duty engine's own board as of
that week's end (today, for this week), checked against the engine run on each of those days and
against a count of our own; the page draws them as SVG, names no child, and reads the same few
statements whatever the number of weeks."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from tests.care.demo_day import freeze_today
from tests.conftest import app_session
from tests.helpers import log_in, text_of
from tests.reports.conftest import School
from webapp.care import duties
from webapp.care.models import CareRecord, Pairing
from webapp.children.models import Child, LeftBehindType
from webapp.demo.care import DEMO_TODAY
from webapp.extensions import db
from webapp.reports import charts, coverage
from webapp.tenants.models import Term

PAGE = "/s/yangguang/reports/coverage/"
PRINCIPAL = "13800000001"
WANG_LI = "13800000002"
ROLL = ("active", "transfer_pending")


def tally(statuses, key) -> dict:
    found: dict = {}
    for status in statuses:
        done, total = found.get(key(status), (0, 0))
        found[key(status)] = (done + status.is_done, total + 1)
    return found


def week_of(cells: dict, number: int) -> dict:
    return {k: (v[number].done, v[number].total) for k, v in cells.items() if v[number].total}


def test_every_week_is_the_engine_s_board_as_of_that_week_s_end(app: Flask, school: School) -> None:
    with app_session(app, "yangguang") as session:
        history = coverage.coverage_history(session, DEMO_TODAY)
        assert history.term is not None and history.term.id == school.term_id
        assert history.weeks[0].monday <= school.first < history.weeks[0].monday + timedelta(7)
        assert history.weeks[-1].as_of == DEMO_TODAY
        assert len(history.weeks) == 13
        for number, week in enumerate(history.weeks):
            board = duties.duty_board(session, week.as_of)  # the engine, run as of that day
            cell = history.school[number]
            assert (cell.done, cell.total) == (
                sum(s.is_done for s in board.statuses),
                len(board.statuses),
            ), week
            assert week_of(history.classes, number) == tally(board.statuses, lambda s: s.class_id)
            people = tally(board.statuses, lambda s: s.responsible_id)
            assert week_of(history.people, number) == people, week
            assert week_of(history.duties, number) == tally(board.statuses, lambda s: s.duty)
        # This week is today's coverage board, cell for cell.
        today = duties.duty_board(session, DEMO_TODAY)
        by_class_duty = {
            key: (cell.done, cell.total) for key, cell in today.coverage().items() if cell.total
        }
        assert by_class_duty == tally(today.statuses, lambda s: (s.class_id, s.duty))
        assert week_of(history.classes, -1) == tally(today.statuses, lambda s: s.class_id)
        # The weeks differ: a strip of one repeated figure could hide a week read wrongly.
        assert len({(c.done, c.total) for c in history.school}) > 5


def test_the_proxy_parents_weekly_talks_match_a_count_of_our_own(
    app: Flask, school: School
) -> None:
    """Per week: the talking pairings of left-behind children active on the week's last day, and
    those with a talk by that person in that week (Monday to the day), counted here."""
    with app_session(app, "yangguang") as session:
        history = coverage.coverage_history(session, DEMO_TODAY)
        children = {
            c.id: c
            for c in session.scalars(
                select(Child).where(
                    Child.status.in_(ROLL), Child.left_behind_type != LeftBehindType.NONE
                )
            )
        }
        pairings = list(
            session.scalars(
                select(Pairing).where(
                    Pairing.kind.in_(("proxy_parent", "volunteer")),
                    Pairing.user_id.is_not(None),
                    Pairing.child_id.in_(children),
                )
            )
        )
        talks = set(
            session.execute(
                select(CareRecord.child_id, CareRecord.author_id, CareRecord.happened_on).where(
                    CareRecord.kind == "talk", CareRecord.amends_id.is_(None)
                )
            ).all()
        )
        for number, week in enumerate(history.weeks):
            day = week.as_of
            due = [
                p
                for p in pairings
                if max(school.first, p.started_on, children[p.child_id].enrolled_on or date.min)
                <= day
                and (p.ended_on is None or p.ended_on > day)
            ]
            done = [
                p
                for p in due
                if any(
                    (p.child_id, p.user_id, week.monday + timedelta(n)) in talks
                    for n in range((day - week.monday).days + 1)
                )
            ]
            cell = history.duties[duties.DutyKey.PROXY_PARENT_TALK][number]
            assert (cell.done, cell.total) == (len(done), len(due)), week
        assert sum(c.done for c in history.duties[duties.DutyKey.PROXY_PARENT_TALK]) > 0


def test_the_page_draws_a_strip_per_class_and_person_with_each_week_s_figure(
    app: Flask, school: School, client: FlaskClient
) -> None:
    log_in(client, PRINCIPAL)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = text_of(response)
    with app_session(app, "yangguang") as session:
        history = coverage.coverage_history(session, DEMO_TODAY)
        board = duties.duty_board(session, DEMO_TODAY)
    strips = html.count('<svg class="chart bar-strip"')
    rows = 1 + len(history.enabled) + len(history.classes) + len(history.people)
    assert strips == rows
    assert len(re.findall(r'<g class="bar[^"]*"><title>', html)) == rows * len(history.weeks)
    done, total = sum(s.is_done for s in board.statuses), len(board.statuses)
    school_row = re.search(r'data-row="school">.*?class="chart-now">([^<]+)<', html, re.S)
    assert school_row[1].startswith(f"{done}/{total}")
    # The same figures as text: the table of the whole school, week by week.
    assert f"<td>{done}/{total}</td>" in html
    assert 'href="/s/yangguang/care/coverage"' in html
    board_page = text_of(client.get("/s/yangguang/care/coverage"))
    assert f'href="{PAGE}"' in board_page


def test_no_child_is_named_on_the_chart_page(
    app: Flask, school: School, client: FlaskClient
) -> None:
    log_in(client, PRINCIPAL)
    html = text_of(client.get(PAGE))
    with app_session(app, "yangguang") as session:
        names = list(session.scalars(select(Child.name)))
    assert len(names) > 60
    assert [name for name in names if name in html] == []


def test_a_class_teacher_cannot_open_the_chart_page(school: School, client: FlaskClient) -> None:
    log_in(client, WANG_LI)
    assert client.get(PAGE).status_code == 403


def statements_of(app: Flask, client: FlaskClient, path: str) -> list[str]:
    client.get(path)
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen


def test_the_page_reads_the_same_few_statements_in_week_two_as_in_week_thirteen(
    app: Flask, school: School, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in(client, PRINCIPAL)
    late = statements_of(app, client, PAGE)
    freeze_today(monkeypatch, school.first + timedelta(days=8))
    early = statements_of(app, client, PAGE)
    # 11 today: the session and user, the terms, the cadences, the children, their pairings,
    # the care records grouped, the activity sources by week, the staff names.
    assert len(early) == len(late) <= 12, "\n".join(late)


def test_the_dashboard_stays_within_a_bounded_number_of_statements(
    app: Flask, school: School, client: FlaskClient
) -> None:
    log_in(client, PRINCIPAL)
    seen = statements_of(app, client, "/s/yangguang/reports/dashboard/")
    assert len(seen) <= 20, "\n".join(seen)  # 19 today


def test_a_chart_escapes_its_words() -> None:
    svg = charts.bar_strip(
        [charts.Bar(0.5, '<script>alert("x")</script>'), charts.Bar(None, "a & b")],
        label='"><img src=x>',
    )
    assert "<script>" not in svg and "<img" not in svg
    assert "&lt;script&gt;" in svg and "a &amp; b" in svg
    assert svg.count("<title>") == 2
    assert 'height="16"' in svg  # half of the 32-high strip


def test_the_weeks_run_from_the_term_s_first_week_to_today_or_its_last_day() -> None:
    term = Term(starts_on=date(2026, 9, 2), ends_on=date(2027, 1, 20))  # a Wednesday each
    weeks = coverage.term_weeks(term, date(2026, 9, 16))
    assert [(w.monday, w.as_of) for w in weeks] == [
        (date(2026, 8, 31), date(2026, 9, 6)),
        (date(2026, 9, 7), date(2026, 9, 13)),
        (date(2026, 9, 14), date(2026, 9, 16)),  # this week: as of today
    ]
    in_holiday = coverage.term_weeks(term, date(2027, 2, 10))
    assert in_holiday[-1] == coverage.Week(date(2027, 1, 18), date(2027, 1, 20))
    assert len(in_holiday) == 21
    without_terms = coverage.term_weeks(None, date(2026, 9, 16))
    assert len(without_terms) == coverage.WEEKS_WITHOUT_TERMS
    assert without_terms[-1].as_of == date(2026, 9, 16)
