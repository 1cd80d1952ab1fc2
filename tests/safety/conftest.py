"""Fixtures of the safety tests."""

from __future__ import annotations

from datetime import date

import pytest

from tests.care.demo_day import freeze_today


@pytest.fixture
def on_demo_day(monkeypatch: pytest.MonkeyPatch) -> date:
    """Every page that asks for today gets the demo's day: Friday 27 November 2026."""
    return freeze_today(monkeypatch)
