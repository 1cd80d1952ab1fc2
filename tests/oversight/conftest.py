"""Fixtures of the oversight tests: the demo's day, its township and county officers, and what
a test needs to count the demo's figures itself."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.care.demo_day import freeze_today
from tests.helpers import log_in
from webapp.demo.care import DEMO_TODAY
from webapp.demo.data import COUNTY_OFFICER_PHONE

TOWNSHIP_OFFICER_PHONE = "13800000009"  # 周明, 青杠镇中心校 (also teaches at 红星小学)
SCHOOLS = ("yangguang", "yangguang-kg", "hongxing")


@pytest.fixture
def demo_day(app: Flask, transaction: None, monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch, DEMO_TODAY)


@pytest.fixture
def officer(app: Flask, demo_day: None) -> FlaskClient:
    """周明, oversight officer of 青杠镇中心校 (a client of his own)."""
    client = app.test_client()
    log_in(client, TOWNSHIP_OFFICER_PHONE)
    return client


@pytest.fixture
def county(app: Flask, demo_day: None) -> FlaskClient:
    """罗成刚, oversight officer of 璧山区教育委员会 (a client of his own)."""
    client = app.test_client()
    log_in(client, COUNTY_OFFICER_PHONE)
    return client
