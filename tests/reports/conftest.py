"""Fixtures of the report tests: the demo's day, its first term, the classes and the people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.demo_day import freeze_today
from tests.conftest import app_session
from tests.helpers import log_in
from webapp.children.models import SchoolClass
from webapp.demo.care import DEMO_TODAY
from webapp.demo.reports import COORDINATOR_PHONE
from webapp.tenants.models import Term


@dataclass(frozen=True)
class School:
    term_id: int
    first: date
    last: date
    own_class: int  # 三年级一班, 王丽's
    other_class: int  # 三年级二班, the volunteer's children's
    foreign_class: int  # 红星小学's 三年级一班
    foreign_term: int


@pytest.fixture
def school(app: Flask, transaction: None, monkeypatch: pytest.MonkeyPatch) -> School:
    freeze_today(monkeypatch, DEMO_TODAY)
    with app_session(app, "yangguang") as session:
        term = session.scalar(select(Term).order_by(Term.starts_on))
        own = session.scalar(select(SchoolClass.id).where(SchoolClass.name == "三年级一班"))
        other = session.scalar(select(SchoolClass.id).where(SchoolClass.name == "三年级二班"))
        found = (term.id, term.starts_on, term.ends_on, own, other)
    with app_session(app, "hongxing") as session:
        foreign = session.scalar(select(SchoolClass.id).where(SchoolClass.name == "三年级一班"))
        foreign_term = session.scalar(select(Term.id).order_by(Term.starts_on))
    return School(*found, foreign, foreign_term)


@pytest.fixture
def coordinator(client: FlaskClient) -> FlaskClient:
    """孙德明, the programme coordinator (德育主任) of 阳光小学."""
    log_in(client, COORDINATOR_PHONE)
    return client
