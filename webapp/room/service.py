"""Writes of the children's home: rooms and their hours, and the taps of the sign-in board.

Every tap is a RoomAction with the board's UUID (derived per child, see ``tap_uid``): a double
tap, a retry or a replay finds the action it made, and Undo reverses exactly that action. The
actions are the board's own log (who tapped, when, who undid it): a visit is not a change to
the child's card, so the taps add nothing to the card's audit log. A
child is in one room at a time: signing in elsewhere moves the child, closing the first visit
(the database holds one open visit per child, even when two taps race).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import Enum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.children.models import Child
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.db import utcnow
from webapp.room.models import ActionKind, Room, RoomAction, RoomHours, RoomKind, SignIn
from webapp.room.queries import find_action, local_day

# How long after a tap its Undo still works: the toast's life, and then some.
UNDO_WINDOW = timedelta(minutes=30)


class DuplicateName(ValueError):
    """The school already has a room of that name."""


class UidTaken(ValueError):
    """The uid already names another act (another room, child or kind): a form reused."""


class CannotUndo(ValueError):
    """The action's effect has changed since (the child left, or it is too late)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def tap_uid(board_uid: uuid.UUID, tap: str) -> uuid.UUID:
    """One board serves many taps: each child's tap has its own uid, the same on a replay."""
    return uuid.uuid5(board_uid, tap)


# Rooms --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedRoom:
    room: Room
    created: bool


def create_room(
    session: Session,
    *,
    uid: uuid.UUID,
    name: str,
    kind: RoomKind,
    keeper_id: int | None,
    actor_id: int | None,
) -> SavedRoom:
    """A room, once: the same form sent again finds the room it made."""
    existing = session.scalar(select(Room).where(Room.uid == uid))
    if existing is not None:
        return SavedRoom(existing, created=False)
    if session.scalar(select(Room.id).where(Room.name == name)) is not None:
        raise DuplicateName()
    room = Room(uid=uid, name=name, kind=kind, keeper_id=keeper_id)
    try:
        with session.begin_nested():
            session.add(room)
            session.flush()
    except IntegrityError:
        existing = session.scalar(select(Room).where(Room.uid == uid))
        if existing is None:
            raise DuplicateName() from None
        return SavedRoom(existing, created=False)
    audit.record(session, AuditAction.CREATE, actor_id=actor_id, subject="room", subject_id=room.id)
    return SavedRoom(room, created=True)


def update_room(
    session: Session,
    room: Room,
    *,
    name: str,
    kind: RoomKind,
    keeper_id: int | None,
    is_active: bool,
    actor_id: int | None,
) -> list[str]:
    if session.scalar(select(Room.id).where(Room.name == name, Room.id != room.id)) is not None:
        raise DuplicateName()
    room.name, room.kind, room.keeper_id, room.is_active = name, kind, keeper_id, is_active
    changed = audit.changed_fields(room)
    if changed:
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=actor_id,
            subject="room",
            subject_id=room.id,
            fields=changed,
        )
    session.flush()
    return changed


def add_hours(
    session: Session,
    room: Room,
    *,
    weekdays: Iterable[int],
    opens: time,
    closes: time,
    in_holidays: bool,
    actor_id: int | None,
) -> list[RoomHours]:
    """The same opening on several weekdays; an opening the room already has is not added
    again (sending the form twice adds it once)."""
    have = {(h.weekday, h.opens, h.closes, h.in_holidays) for h in room.hours}
    added = []
    for weekday in sorted(set(weekdays)):
        if (weekday, opens, closes, in_holidays) in have:
            continue
        hours = RoomHours(
            room_id=room.id, weekday=weekday, opens=opens, closes=closes, in_holidays=in_holidays
        )
        session.add(hours)
        added.append(hours)
    session.flush()
    if added:
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=actor_id,
            subject="room",
            subject_id=room.id,
            fields=["hours"],
        )
        session.expire(room, ["hours"])
    return added


def remove_hours(session: Session, hours: RoomHours, *, actor_id: int | None) -> None:
    """An opening taken off the timetable (hours are a timetable, not a record: they go)."""
    session.delete(hours)
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="room",
        subject_id=hours.room_id,
        fields=["hours"],
    )
    session.flush()


# Taps on the board ---------------------------------------------------------------------------


class Outcome(Enum):
    SIGNED_IN = "signed_in"
    MOVED = "moved"
    SIGNED_OUT = "signed_out"
    CLOSED = "closed"
    ALREADY_IN = "already_in"  # nothing to do: the child is in this room
    NOT_HERE = "not_here"  # nothing to do: the child is not in this room
    EMPTY = "empty"  # nothing to do: nobody to sign out


@dataclass(frozen=True)
class Tapped:
    """What a tap did: its action (None when there was nothing to do) and to whom."""

    outcome: Outcome
    action: RoomAction | None = None
    child: Child | None = None
    from_room: Room | None = None  # the room a moved child came from
    count: int = 0  # children signed out by "sign everyone out"
    replayed: bool = False


OUTCOME_OF = {
    ActionKind.SIGN_IN: Outcome.SIGNED_IN,
    ActionKind.MOVE: Outcome.MOVED,
    ActionKind.SIGN_OUT: Outcome.SIGNED_OUT,
    ActionKind.CLOSE_ALL: Outcome.CLOSED,
}


def _replay(
    session: Session, action: RoomAction, room: Room, child: Child | None, kinds: set[ActionKind]
) -> Tapped:
    if action.room_id != room.id or action.kind not in kinds:
        raise UidTaken()
    if child is not None and action.child_id != child.id:
        raise UidTaken()
    closed = closed_by(session, action)
    from_room = closed[0].room if action.kind == ActionKind.MOVE and closed else None
    return Tapped(
        OUTCOME_OF[action.kind],
        action,
        action.child,
        from_room=from_room,
        count=len(closed),
        replayed=True,
    )


def describe(session: Session, action: RoomAction) -> Tapped:
    """What an earlier tap did, as its answer said it (the toast after a redirect)."""
    return _replay(session, action, action.room, action.child, set(ActionKind))


def undoable(action: RoomAction, now: datetime | None = None) -> bool:
    return action.undone_at is None and (now or utcnow()) - action.at <= UNDO_WINDOW


def open_visit(session: Session, child_id: int, *, lock: bool = False) -> SignIn | None:
    statement = select(SignIn).where(SignIn.child_id == child_id, SignIn.signed_out_at.is_(None))
    if lock:
        statement = statement.with_for_update()
    return session.scalar(statement)


def closed_by(session: Session, action: RoomAction) -> list[SignIn]:
    return list(
        session.scalars(
            select(SignIn).where(SignIn.closed_by_action_id == action.id).order_by(SignIn.id)
        )
    )


def opened_by(session: Session, action: RoomAction) -> list[SignIn]:
    return list(session.scalars(select(SignIn).where(SignIn.action_id == action.id)))


def _close(visit: SignIn, action: RoomAction, now: datetime) -> None:
    visit.signed_out_at = now
    visit.signed_out_by_id = action.actor_id
    visit.closed_by_action_id = action.id


def _new_action(
    session: Session,
    *,
    uid: uuid.UUID,
    room: Room,
    kind: ActionKind,
    child: Child | None,
    actor_id: int | None,
    self_service: bool,
    now: datetime,
) -> RoomAction:
    action = RoomAction(
        uid=uid,
        room_id=room.id,
        kind=kind,
        child_id=child.id if child is not None else None,
        actor_id=actor_id,
        self_service=self_service,
        at=now,
    )
    session.add(action)
    session.flush()
    return action


def sign_in(
    session: Session,
    *,
    uid: uuid.UUID,
    room: Room,
    child: Child,
    actor_id: int | None,
    self_service: bool = False,
    now: datetime | None = None,
) -> Tapped:
    """The child into the room; from another room, a move that closes the first visit."""
    now = now or utcnow()
    existing = find_action(session, uid)
    if existing is not None:
        return _replay(session, existing, room, child, {ActionKind.SIGN_IN, ActionKind.MOVE})
    current = open_visit(session, child.id, lock=True)
    if current is not None and current.room_id == room.id:
        return Tapped(Outcome.ALREADY_IN, child=child)
    try:
        # Two taps at once meet at the unique keys (the uid, one open visit per child): the
        # loser answers with what the winner did instead of an error.
        with session.begin_nested():
            action = _new_action(
                session,
                uid=uid,
                room=room,
                kind=ActionKind.MOVE if current is not None else ActionKind.SIGN_IN,
                child=child,
                actor_id=actor_id,
                self_service=self_service,
                now=now,
            )
            if current is not None:
                _close(current, action, now)
                session.flush()
            session.add(
                SignIn(
                    uid=uid,
                    room_id=room.id,
                    child_id=child.id,
                    signed_in_at=now,
                    signed_in_on=local_day(now),
                    signed_in_by_id=actor_id,
                    self_service=self_service,
                    action_id=action.id,
                )
            )
            session.flush()
    except IntegrityError:
        existing = find_action(session, uid)
        if existing is not None:
            return _replay(session, existing, room, child, {ActionKind.SIGN_IN, ActionKind.MOVE})
        session.expire_all()
        current = open_visit(session, child.id)
        if current is not None and current.room_id == room.id:
            return Tapped(Outcome.ALREADY_IN, child=child)
        raise
    from_room = current.room if current is not None else None
    return Tapped(OUTCOME_OF[action.kind], action, child, from_room=from_room)


def sign_out(
    session: Session,
    *,
    uid: uuid.UUID,
    room: Room,
    child: Child,
    actor_id: int | None,
    self_service: bool = False,
    now: datetime | None = None,
) -> Tapped:
    now = now or utcnow()
    existing = find_action(session, uid)
    if existing is not None:
        return _replay(session, existing, room, child, {ActionKind.SIGN_OUT})
    current = open_visit(session, child.id, lock=True)
    if current is None or current.room_id != room.id:
        return Tapped(Outcome.NOT_HERE, child=child)
    try:
        with session.begin_nested():
            action = _new_action(
                session,
                uid=uid,
                room=room,
                kind=ActionKind.SIGN_OUT,
                child=child,
                actor_id=actor_id,
                self_service=self_service,
                now=now,
            )
            _close(current, action, now)
            session.flush()
    except IntegrityError:
        existing = find_action(session, uid)
        if existing is None:
            raise
        return _replay(session, existing, room, child, {ActionKind.SIGN_OUT})
    return Tapped(Outcome.SIGNED_OUT, action, child)


def sign_everyone_out(
    session: Session,
    *,
    uid: uuid.UUID,
    room: Room,
    actor_id: int | None,
    now: datetime | None = None,
) -> Tapped:
    """Closing time: every child still in the room signed out in one tap."""
    now = now or utcnow()
    existing = find_action(session, uid)
    if existing is not None:
        return _replay(session, existing, room, None, {ActionKind.CLOSE_ALL})
    visits = list(
        session.scalars(
            select(SignIn)
            .where(SignIn.room_id == room.id, SignIn.signed_out_at.is_(None))
            .with_for_update()
        )
    )
    if not visits:
        return Tapped(Outcome.EMPTY)
    try:
        with session.begin_nested():
            action = _new_action(
                session,
                uid=uid,
                room=room,
                kind=ActionKind.CLOSE_ALL,
                child=None,
                actor_id=actor_id,
                self_service=False,
                now=now,
            )
            for visit in visits:
                _close(visit, action, now)
            session.flush()
    except IntegrityError:
        existing = find_action(session, uid)
        if existing is None:
            raise
        return _replay(session, existing, room, None, {ActionKind.CLOSE_ALL})
    return Tapped(Outcome.CLOSED, action, count=len(visits))


@dataclass
class Undone:
    action: RoomAction
    reopened: int = 0
    left_alone: list[int] = field(default_factory=list)  # children in another room by now
    already: bool = False


def undo(
    session: Session, action: RoomAction, *, actor_id: int | None, now: datetime | None = None
) -> Undone:
    """Reverse one tap: a sign-in is taken back, a sign-out or "everyone out" reopens the
    visits it closed, a move goes back to the first room. Undoing twice changes nothing."""
    now = now or utcnow()
    if action.undone_at is not None:
        return Undone(action, already=True)
    if now - action.at > UNDO_WINDOW:
        raise CannotUndo("too_late")
    opened = opened_by(session, action)
    if any(visit.signed_out_at is not None for visit in opened):
        raise CannotUndo("left")  # signed out since: undo that first
    for visit in opened:
        session.delete(visit)  # a tap by mistake: the visit never happened
    session.flush()
    result = Undone(action)
    for visit in closed_by(session, action):
        if open_visit(session, visit.child_id, lock=True) is not None:
            result.left_alone.append(visit.child_id)
            continue
        visit.signed_out_at = visit.signed_out_by_id = visit.closed_by_action_id = None
        result.reopened += 1
    action.undone_at = now
    action.undone_by_id = actor_id
    session.flush()
    return result
