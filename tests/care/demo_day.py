"""Pages asked on the demo's day, whatever the real date: every module that reads today."""

from __future__ import annotations

from datetime import date

import pytest

from webapp.care import duty_routes
from webapp.care import forms as care_forms
from webapp.care import routes as care_routes
from webapp.demo.care import DEMO_TODAY
from webapp.tenants import routes as tenant_routes

READERS_OF_TODAY = (tenant_routes, duty_routes, care_forms, care_routes)


def freeze_today(monkeypatch: pytest.MonkeyPatch, day: date = DEMO_TODAY) -> date:
    for module in READERS_OF_TODAY:
        monkeypatch.setattr(module, "local_today", lambda: day)
    return day
