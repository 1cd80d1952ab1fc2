"""Reading the children's home: its rooms and their hours, whether a room is open now, who is
in it, who comes often, and the children a person at the board may find.

The board works at roster level: a name and a class is all it shows of a child, whoever
runs it (the keeper, or a teacher on duty in a room they keep).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from webapp.children.access import ON_ROLL
from webapp.children.models import Child, SchoolClass
from webapp.children.queries import ChildFilters, search_children
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.permissions import LEADERS, Role
from webapp.room.models import Room, RoomAction, SignIn
from webapp.tenants.models import Term

FOUND_SHOWN = 12  # tiles a search shows on the board: the partial stays small on a weak signal
FREQUENT_SHOWN = 12
FREQUENT_DAYS = 14


# Rooms and their hours ------------------------------------------------------------------------


def all_rooms(session: Session) -> list[Room]:
    """Every room, those in use first, with their hours and keepers."""
    return list(
        session.scalars(
            select(Room)
            .options(selectinload(Room.hours), selectinload(Room.keeper))
            .order_by(Room.is_active.desc(), Room.name)
        )
    )


def runs_every_room(roles: frozenset[Role]) -> bool:
    """The keeper of the children's home and the school's leaders run every room; a teacher
    runs only the rooms they are named keeper of (on duty there)."""
    return Role.ROOM_KEEPER in roles or not roles.isdisjoint(LEADERS)


def rooms_run_by(session: Session, user_id: int, roles: frozenset[Role]) -> list[Room]:
    statement = (
        select(Room).options(selectinload(Room.hours)).where(Room.is_active).order_by(Room.name)
    )
    if not runs_every_room(roles):
        statement = statement.where(Room.keeper_id == user_id)
    return list(session.scalars(statement))


def is_holiday(session: Session, today: date) -> bool:
    """A school holiday: the school has terms and none holds today."""
    terms = session.execute(
        select(func.count(), func.count().filter(Term.starts_on <= today, Term.ends_on >= today))
    ).one()
    total, running = terms
    return total > 0 and running == 0


@dataclass(frozen=True)
class Opening:
    opens: time
    closes: time


@dataclass
class RoomDay:
    """A room's openings on one day, and whether it is open at a moment of it."""

    room: Room
    openings: list[Opening] = field(default_factory=list)
    holiday: bool = False

    def open_at(self, moment: time) -> Opening | None:
        return next((o for o in self.openings if o.opens <= moment < o.closes), None)

    def next_opening(self, moment: time) -> Opening | None:
        return next((o for o in self.openings if o.opens > moment), None)


def room_day(room: Room, day: date, *, holiday: bool) -> RoomDay:
    """The room's hours for a weekday: the holiday hours in a holiday, the term hours else."""
    openings = [
        Opening(h.opens, h.closes)
        for h in room.hours
        if h.weekday == day.weekday() and h.in_holidays == holiday
    ]
    return RoomDay(room, sorted(openings, key=lambda o: o.opens), holiday)


def local_time(now: datetime) -> time:
    return now.astimezone(SCHOOL_TIMEZONE).time().replace(tzinfo=None)


def local_day(now: datetime) -> date:
    return now.astimezone(SCHOOL_TIMEZONE).date()


# Who is here --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    """A child as the board shows one: a name and a class, and where the child is now."""

    child_id: int
    name: str
    class_name: str | None
    room_id: int | None = None  # the room the child is signed in to now
    room_name: str | None = None
    since: datetime | None = None


def here_now(session: Session, room_id: int) -> list[Tile]:
    """The children signed in to a room now, by class and name."""
    rows = session.execute(
        select(SignIn.child_id, Child.name, SchoolClass.name, SignIn.signed_in_at)
        .join(Child, Child.id == SignIn.child_id)
        .outerjoin(SchoolClass, SchoolClass.id == Child.class_id)
        .where(SignIn.room_id == room_id, SignIn.signed_out_at.is_(None))
        .order_by(SchoolClass.grade, SchoolClass.section, Child.name_pinyin, Child.id)
    )
    return [
        Tile(child_id, name, class_name, room_id, None, since)
        for child_id, name, class_name, since in rows
    ]


def counts_now(session: Session) -> dict[int, int]:
    """Room id → how many children are in it now."""
    rows = session.execute(
        select(SignIn.room_id, func.count())
        .where(SignIn.signed_out_at.is_(None))
        .group_by(SignIn.room_id)
    )
    return {key: count for key, count in rows}


def where_now(session: Session, child_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Child id → (room id, room name) of the room each child is in now."""
    if not child_ids:
        return {}
    rows = session.execute(
        select(SignIn.child_id, Room.id, Room.name)
        .join(Room, Room.id == SignIn.room_id)
        .where(SignIn.child_id.in_(child_ids), SignIn.signed_out_at.is_(None))
    )
    return {child_id: (room_id, name) for child_id, room_id, name in rows}


def _tiles(session: Session, children: list[Child]) -> list[Tile]:
    where = where_now(session, [c.id for c in children])
    tiles = []
    for child in children:
        room_id, room_name = where.get(child.id, (None, None))
        class_name = child.school_class.name if child.school_class else None
        tiles.append(Tile(child.id, child.name, class_name, room_id, room_name))
    return tiles


def find_tiles(
    session: Session, user_id: int, roles: frozenset[Role], text: str, today: date
) -> list[Tile]:
    """The children whose name, pinyin or initials hold the text (zxm finds 张小明)."""
    if not text.strip():
        return []
    page = search_children(session, user_id, roles, ChildFilters(text=text[:30]), today)
    return _tiles(session, page.items[:FOUND_SHOWN])


def frequent_tiles(session: Session, room_id: int, today: date) -> list[Tile]:
    """The children who came to this room most in the last two weeks and are not in it now:
    the keeper's usual visitors, one tap away without typing."""
    visits = func.count(SignIn.id)
    here = select(SignIn.child_id).where(SignIn.room_id == room_id, SignIn.signed_out_at.is_(None))
    ids = list(
        session.scalars(
            select(SignIn.child_id)
            .where(
                SignIn.room_id == room_id,
                SignIn.signed_in_on >= today - timedelta(days=FREQUENT_DAYS),
                SignIn.child_id.not_in(here),
            )
            .group_by(SignIn.child_id)
            .order_by(visits.desc(), SignIn.child_id)
            .limit(FREQUENT_SHOWN)
        )
    )
    children = list(
        session.scalars(
            select(Child)
            .options(selectinload(Child.school_class))
            .where(Child.id.in_(ids), Child.status.in_(ON_ROLL))
        )
    )
    children.sort(key=lambda c: ids.index(c.id))
    return _tiles(session, children)


def class_tiles(session: Session, class_id: int) -> list[Tile]:
    """A class's children on the roll, by name: what the self sign-in mode lists."""
    children = list(
        session.scalars(
            select(Child)
            .options(selectinload(Child.school_class))
            .where(Child.class_id == class_id, Child.status.in_(ON_ROLL))
            .order_by(Child.name_pinyin, Child.name, Child.id)
        )
    )
    return _tiles(session, children)


def visitors_on(session: Session, room_id: int, day: date) -> list[Child]:
    """The children who signed in to a room on a day (the participants of an activity)."""
    signed_in = select(SignIn.child_id).where(SignIn.room_id == room_id, SignIn.signed_in_on == day)
    return list(
        session.scalars(
            select(Child)
            .options(selectinload(Child.school_class))
            .outerjoin(SchoolClass, SchoolClass.id == Child.class_id)
            .where(Child.id.in_(signed_in))
            .order_by(SchoolClass.grade, SchoolClass.section, Child.name_pinyin, Child.id)
        )
    )


def visitors_today(session: Session, day: date) -> dict[int, int]:
    """Room id → how many children signed in to it on a day."""
    rows = session.execute(
        select(SignIn.room_id, func.count(func.distinct(SignIn.child_id)))
        .where(SignIn.signed_in_on == day)
        .group_by(SignIn.room_id)
    )
    return {key: count for key, count in rows}


def find_action(session: Session, uid: object) -> RoomAction | None:
    return session.scalar(
        select(RoomAction).options(selectinload(RoomAction.child)).where(RoomAction.uid == uid)
    )


def child_on_roll(session: Session, child_id: int | None) -> Child | None:
    """A child of this school on the roll (another school's child is simply not found)."""
    if child_id is None:
        return None
    child = session.get(Child, child_id)
    return child if child is not None and child.status in ON_ROLL else None


def classes_with_children(session: Session) -> list[SchoolClass]:
    """The classes in use that have a child on the roll: the self sign-in mode's first chips."""
    on_roll = select(Child.class_id).where(Child.status.in_(ON_ROLL))
    return list(
        session.scalars(
            select(SchoolClass)
            .where(SchoolClass.is_active, SchoolClass.id.in_(on_roll))
            .order_by(SchoolClass.grade, SchoolClass.section)
        )
    )
