"""Figures kept a few minutes in this process, so a heavy report is not counted afresh on every
visit.

A school's figures are keyed by the head of its audit chain as well as the day: every change to
a child's record, a care record, a pairing or a cadence adds a row to the chain, so a report
read right after a change is counted again and never shows the figures from before it. What is
not audited (a room sign-in) must not go into a kept figure; the age bound catches the rest.
Tests keep nothing (max age 0): they count every figure afresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from datetime import date
from typing import Generic, TypeVar

from flask import current_app
from sqlalchemy.orm import Session

from webapp.core.audit import chain_head
from webapp.core.tenancy import current_tenant_id

T = TypeVar("T")

DEFAULT_MAX_AGE = 300  # seconds


def max_age(setting: str) -> float:
    """The app's setting, five minutes by default, nothing kept under test."""
    return current_app.config.get(setting, 0 if current_app.testing else DEFAULT_MAX_AGE)


class Kept(Generic[T]):
    """Values by key, each reused for ``max_age`` seconds; a few per school at most."""

    def __init__(self) -> None:
        self._values: dict[Hashable, tuple[float, T]] = {}

    def get(self, key: Hashable, max_age: float, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        kept = self._values.get(key)
        if kept is not None and now - kept[0] < max_age:
            return kept[1]
        value = compute()
        if max_age > 0:
            for stale in [k for k, (at, _) in self._values.items() if now - at >= max_age]:
                del self._values[stale]
            self._values[key] = (now, value)
        return value


def database_key(session: Session) -> str:
    """Which database: a process may serve more than one (tests, benches)."""
    return str(session.get_bind().engine.url)


def school_key(session: Session, today: date, tenant_id: int | None = None) -> tuple:
    """The school's figures as of ``today`` and its last audited change."""
    tenant_id = tenant_id if tenant_id is not None else current_tenant_id(session)
    return (database_key(session), tenant_id, today, chain_head(session.connection(), tenant_id))
