"""SQL statements per request on the pages a class teacher and a principal use all day.

Issue 9's targets: at most 8 statements for a page and 4 for a partial, and never more as a
school grows. The counts are deterministic, so they are asserted: as upper bounds (the figures
reached, where a page does not reach the target yet the reason is given beside it), and as
equal before and after the school gets more children and records (nothing N+1).

Transaction control (BEGIN, SAVEPOINT, RELEASE) is not counted: it differs between SQLite and
PostgreSQL and between a test's savepoints and production.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from tests.care.people import add_member
from tests.conftest import app_session
from tests.helpers import csrf_token_in, log_in, text_of
from webapp.auth.models import User
from webapp.care.models import CareKind, Mood
from webapp.care.service import record_care
from webapp.children.models import (
    Child,
    Gender,
    GuardianKind,
    GuardianRelation,
    ParentRelation,
    ParentSituation,
    SchoolClass,
)
from webapp.children.service import register_child
from webapp.core.i18n import local_today
from webapp.core.permissions import Role
from webapp.extensions import db

SCHOOL = "/s/yangguang"
CLASS = "三年级一班"  # 王丽's class
TEACHER, PRINCIPAL = "13800000002", "13800000001"
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)
TIMELINE = {"HX-Request": "true", "HX-Target": "timeline"}


# Upper bounds reached (issue 9 targets: 8 a page, 4 a partial; a POST has no target). Each
# request reads its login and its school's membership in one statement; a page then reads
# what it shows.
BOUNDS = {
    # Target 8, not reached: the page gathers a panel from every domain (care duties and
    # follow-ups, survey, safety alerts, incidents, assets, privacy, transport), each its own
    # statement; the principal's adds the school's survey and archive rates and the queues
    # waiting for a decision (transfers, write-offs, grants, alerts).
    "today": {TEACHER: 12, PRINCIPAL: 18},
    "class child list": 5,  # login, count, page of children, their classes, the filter's classes
    "child card": 6,  # login, the card joined whole, the look logged (chain head, row), the
    # day's looks counted (privacy), consents
    "timeline partial": 4,  # login, child and class, records joined whole, activities
    "talk form": 4,  # login, child, the last talks with authors, open follow-ups
    # login, child, the uid looked up, the record, the audit chain head and row, counsellors
    # for the alerts, then child and record read again after the commit for the answer
    "talk POST": 9,
    "roll call": 6,  # login, class, settings, children, the day's roll call, leaves
}
# Pages that write the audit log take one more statement on PostgreSQL: the advisory lock that
# keeps one school's audit chain in order (webapp/core/audit.py lock_chain).
AUDITED = {"child card", "talk POST"}


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # with {class_id} and {child_id}
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    expect: int = 200


PAGES = [
    Page("today", "/"),
    Page("class child list", "/children/?class_id={class_id}"),
    Page("child card", "/children/{child_id}"),
    Page("timeline partial", "/care/children/{child_id}/timeline", headers=tuple(TIMELINE.items())),
    Page("talk form", "/care/records/new/talk?child_id={child_id}"),
    Page("talk POST", "/care/records/new/talk?child_id={child_id}", method="POST", expect=303),
    Page("roll call", "/safety/roll-calls/{class_id}"),
]


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if not TRANSACTION_CONTROL.match(statement):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def talk() -> dict[str, str]:
    return {
        "uid": str(uuid.uuid4()),
        "topics": "study",
        "mood": "4",
        "notes": "聊了这周的学习。",
        "channel": "face_to_face",
        "happened_on": local_today().isoformat(),
    }


def statements_of(app: Flask, client: FlaskClient, page: Page, ids: dict) -> int:
    """The fewest statements of two requests: a login's last-seen time is written at most
    every 30 seconds, and must not make one figure differ by chance."""
    path = SCHOOL + page.path.format(**ids)
    counts = []
    for _ in range(2):
        data = None
        if page.method == "POST":
            token = csrf_token_in(text_of(client.get(path)))
            data = {**talk(), "csrf_token": token}
        with counting(app) as statements:
            response = client.open(path, method=page.method, headers=dict(page.headers), data=data)
        assert response.status_code == page.expect, (page.name, text_of(response)[:300])
        counts.append(len(statements))
    return min(counts)


def the_class(app: Flask) -> dict:
    with app_session(app, "yangguang") as session:
        school_class = session.scalar(select(SchoolClass).where(SchoolClass.name == CLASS))
        child_id = session.scalar(
            select(Child.id).where(Child.class_id == school_class.id).order_by(Child.id)
        )
        return {"class_id": school_class.id, "child_id": child_id}


def grow_the_school(app: Flask, ids: dict, more: int = 6) -> None:
    """More children in the class (left behind, with guardians), and more talks, by more
    people, with the child whose card is measured."""
    authors = [
        add_member(app, f"1390000{i:04d}", f"测试老师{i}", Role.TEACHER) for i in range(more)
    ]
    with app_session(app, "yangguang") as session:
        school_class = session.get(SchoolClass, ids["class_id"])
        for i in range(more):
            register_child(
                session,
                actor_id=None,
                name=f"加{'一二三四五六七八九十'[i]}",
                gender=Gender.FEMALE if i % 2 else Gender.MALE,
                birth_date=date(2017, 3, 1) + timedelta(days=i),
                school_class=school_class,
                parents={
                    ParentRelation.FATHER: {"situation": ParentSituation.WORKING_AWAY},
                    ParentRelation.MOTHER: {"situation": ParentSituation.WORKING_AWAY},
                },
                guardians=[
                    {
                        "kind": GuardianKind.GUARDIAN,
                        "name": "王奶奶",
                        "relation": GuardianRelation.GRANDMOTHER,
                    }
                ],
                enrolled_on=date(2024, 9, 1),
            )
        child = session.get(Child, ids["child_id"])
        for i, author_id in enumerate(authors):
            record_care(
                session,
                uid=uuid.uuid4(),
                child=child,
                kind=CareKind.TALK,
                author_id=author_id,
                happened_on=local_today() - timedelta(days=i),
                topics=["study"],
                mood=Mood.OKAY,
                notes="又聊了一次。",
            )
        assert session.get(User, authors[0]) is not None


def measure_all(app: Flask, phone: str, ids: dict) -> dict[str, int]:
    client = app.test_client()
    log_in(client, phone)
    for page in PAGES:  # once first: what a first visit caches is not the page's cost
        statements_of(app, client, page, ids)
    return {page.name: statements_of(app, client, page, ids) for page in PAGES}


@pytest.mark.parametrize("phone", [TEACHER, PRINCIPAL], ids=["class teacher", "principal"])
def test_statements_per_page_do_not_grow_with_the_school(
    app: Flask, transaction: None, phone: str
) -> None:
    ids = the_class(app)
    before = measure_all(app, phone, ids)
    grow_the_school(app, ids)
    after = measure_all(app, phone, ids)
    assert after == before


@pytest.mark.parametrize("phone", [TEACHER, PRINCIPAL], ids=["class teacher", "principal"])
def test_each_page_stays_within_its_statements(app: Flask, transaction: None, phone: str) -> None:
    counts = measure_all(app, phone, the_class(app))
    with app.app_context():
        chain_lock = int(db.engine.dialect.name == "postgresql")
    bounds = {
        name: (bound[phone] if isinstance(bound, dict) else bound)
        + (chain_lock if name in AUDITED else 0)
        for name, bound in BOUNDS.items()
    }
    assert {name: n for name, n in counts.items() if n > bounds[name]} == {}, counts
