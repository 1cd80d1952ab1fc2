"""The heavy report pages keep their figures a few minutes, yet never show figures from before
a change: a second visit reads far less, and a card changed in between is counted at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.conftest import app_session
from tests.helpers import log_in, text_of
from tests.reports.conftest import School
from tests.reports.expected import figures_on
from tests.reports.test_dashboard import first_left_behind
from webapp.children import service
from webapp.extensions import db

DASHBOARD = "/s/yangguang/reports/dashboard/"
COVERAGE = "/s/yangguang/reports/coverage/"


def without_tokens(html: str) -> str:
    """The page without its CSRF tokens, which are signed with the time."""
    return re.sub(r"[\w-]+\.[\w-]{6}\.[\w-]{27}", "token", html)


@pytest.fixture
def keeping(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages as in production: figures kept five minutes (tests keep nothing otherwise)."""
    monkeypatch.setitem(app.config, "REPORT_FIGURES_MAX_AGE", 300)


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("page", [DASHBOARD, COVERAGE])
def test_a_second_visit_shows_the_same_page_reading_far_less(
    app: Flask, school: School, client: FlaskClient, keeping: None, page: str
) -> None:
    log_in(client, "13800000001")
    with counting_statements(app) as first:
        first_page = text_of(client.get(page))
    with counting_statements(app) as second:
        second_page = text_of(client.get(page))
    assert without_tokens(second_page) == without_tokens(first_page)
    assert len(second) < len(first) - 3, (len(first), len(second))


def test_a_changed_card_is_counted_at_once_though_figures_are_kept(
    app: Flask, school: School, client: FlaskClient, keeping: None
) -> None:
    log_in(client, "13800000001")
    before = figures_on(text_of(client.get(DASHBOARD)))
    with app_session(app, "yangguang") as session:
        child = first_left_behind(session)
        service.update_child(session, child, actor_id=None, address=None)  # audited
    after = figures_on(text_of(client.get(DASHBOARD)))
    assert after["archive_complete"] == before["archive_complete"] - 1
