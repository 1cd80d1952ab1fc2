"""Making a row once per client UUID: a double tap, a retry or an offline replay of the same
form finds the row the first request made, also when both arrive at the same moment."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Made:
    row: Any
    created: bool  # False: the same form was sent again and found what it made


def find_by_uid(session: Session, model: type, uid: uuid.UUID) -> Any:
    return session.scalar(select(model).where(model.uid == uid))


def create_once(session: Session, model: type, uid: uuid.UUID, make: Callable[[], Any]) -> Made:
    """Add ``make()`` unless a row with this uid exists; two at once meet at the unique key
    and the loser returns the winner's row."""
    existing = find_by_uid(session, model, uid)
    if existing is not None:
        return Made(existing, created=False)
    row = make()
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        existing = find_by_uid(session, model, uid)
        if existing is None:
            raise
        return Made(existing, created=False)
    return Made(row, created=True)
