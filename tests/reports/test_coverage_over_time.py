"""The coverage board over the term: each week's figures are the duty engine's own board as of
that week's end (today for this week), checked against the engine run on each of those days and
against a count of our own; the page draws them as SVG, names no child, and reads the same few
statements whatever the number of weeks."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from tests.conftest import app_session
from tests.reports.conftest import School
from webapp.care import duties
from webapp.demo.care import DEMO_TODAY
from webapp.reports import coverage

PAGE = "/s/yangguang/reports/coverage"
PRINCIPAL = "13800000001"
WANG_LI = "13800000002"


def tally(statuses, key) -> dict:
    found: dict = {}
    for status in statuses:
        done, total = found.get(key(status), (0, 0))
        found[key(status)] = (done + status.is_done, total + 1)
    return found


def as_pairs(cells: list[duties.Coverage]) -> list[tuple[int, int]]:
    return [(c.done, c.total) for c in cells]


def test_every_week_is_the_engine_s_board_as_of_that_week_s_end(app: Flask, school: School) -> None:
    with app_session(app, "yangguang") as session:
        history = coverage.coverage_history(session, DEMO_TODAY)
        assert history.term is not None and history.term.id == school.term_id
        assert history.weeks[0].monday <= school.first < history.weeks[0].monday + timedelta(7)
        assert history.weeks[-1].as_of == DEMO_TODAY
        assert len(history.weeks) >= 10
        for number, week in enumerate(history.weeks):
            board = duties.duty_board(session, week.as_of)
            school_cell = history.school[number]
            assert (school_cell.done, school_cell.total) == (
                sum(s.is_done for s in board.statuses),
                len(board.statuses),
            ), week
            by_class = tally(board.statuses, lambda s: s.class_id)
            assert {
                k: (v[number].done, v[number].total)
                for k, v in history.classes.items()
                if v[number].total
            } == by_class, week
            by_person = tally(board.statuses, lambda s: s.responsible_id)
            assert {
                k: (v[number].done, v[number].total)
                for k, v in history.people.items()
                if v[number].total
            } == by_person, week
            by_duty = tally(board.statuses, lambda s: s.duty)
            assert {
                k: (v[number].done, v[number].total)
                for k, v in history.duties.items()
                if v[number].total
            } == by_duty, week
