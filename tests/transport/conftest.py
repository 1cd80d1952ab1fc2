"""Fixtures of the pickup and bus tests: the demo's day, and the people at the door."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient

from tests.care.demo_day import freeze_today
from tests.helpers import log_in
from webapp.demo.care import DEMO_TODAY


@pytest.fixture
def on_demo_day(monkeypatch: pytest.MonkeyPatch) -> date:
    """Friday 27 November 2026: the demo's dismissals and trips end the day before."""
    return freeze_today(monkeypatch, DEMO_TODAY)


@pytest.fixture
def kg_teacher(client: FlaskClient, on_demo_day: date) -> FlaskClient:
    """刘芳, kindergarten teacher of 大班 at 阳光幼儿园."""
    log_in(client, "13800000004")
    return client


@pytest.fixture
def safety_lead(client: FlaskClient, on_demo_day: date) -> FlaskClient:
    """何志刚, safety lead of 阳光小学."""
    log_in(client, "13900000190")
    return client
