"""Pages asked on the demo's day, whatever the real date: the demo's care history ends on
27 November 2026, and in a holiday nothing would be due."""

from __future__ import annotations

import sys
from datetime import date

import pytest

from webapp.core import i18n
from webapp.demo.care import DEMO_TODAY

REAL_TODAY = i18n.local_today


def modules_reading_today() -> list[object]:
    """Every module of the app that took ``local_today`` by name (and the one that made it)."""
    import webapp.models  # noqa: F401 - the app's modules loaded

    def reads_today(module: object) -> bool:
        found = getattr(module, "local_today", None)
        return found is REAL_TODAY or hasattr(found, "frozen_on")

    return [
        m for name, m in list(sys.modules.items()) if name.startswith("webapp") and reads_today(m)
    ]


def freeze_today(monkeypatch: pytest.MonkeyPatch, day: date = DEMO_TODAY) -> date:
    def frozen() -> date:
        return day

    frozen.frozen_on = day  # type: ignore[attr-defined]
    for module in modules_reading_today():
        monkeypatch.setattr(module, "local_today", frozen)
    return day
