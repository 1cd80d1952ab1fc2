"""The children's home on the today page: for the keeper of the home, each room open or not
and how many children are in it, leading to the sign-in board.

Only the keeper's role reads anything here: everybody else's today page pays no statement for
it (a teacher on duty opens the board from the rooms list, /room/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from webapp.core.permissions import Role, can
from webapp.room import queries
from webapp.room.queries import Opening, RoomDay


@dataclass(frozen=True)
class RoomNow:
    day: RoomDay
    opening: Opening | None
    next_opening: Opening | None
    here: int


@dataclass(frozen=True)
class Panel:
    rooms: list[RoomNow]


def panel(
    session: Session, user_id: int, roles: frozenset[Role], today: date, now: datetime
) -> Panel | None:
    """None for everybody but the keeper of the home: the today page shows nothing."""
    if Role.ROOM_KEEPER not in roles or not can("room.board", roles):
        return None
    rooms = queries.rooms_run_by(session, user_id, roles)
    if not rooms:
        return None
    holiday = queries.is_holiday(session, today)
    counts = queries.counts_now(session)
    moment: time = queries.local_time(now)
    items = []
    for room in rooms:
        day = queries.room_day(room, today, holiday=holiday)
        items.append(
            RoomNow(day, day.open_at(moment), day.next_opening(moment), counts.get(room.id, 0))
        )
    # The open rooms and the busy ones first: where the keeper is needed now.
    items.sort(key=lambda item: (item.opening is None, -item.here, item.day.room.name))
    return Panel(items)
