"""Writes of pickups and the school bus. Each takes plain values, flushes, writes its audit row,
never commits.

Everything a tap creates carries the client's UUID: a double tap, a retry or a replay finds what
the first one made. A release is only ever recorded for a person the card authorises (or one
the class teacher allowed for the day): the service resolves the person itself, so no request,
however crafted, releases a child to anyone else.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.children.models import Child, Guardian, GuardianRelation, SchoolClass
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.db import utcnow
from webapp.transport import queries
from webapp.transport.models import (
    BusDirection,
    BusRider,
    BusRoute,
    BusStop,
    BusTrip,
    Dismissal,
    PassengerState,
    PickupRefusal,
    Release,
    ReleaseKind,
    TodayCollector,
    TripEvent,
    TripEventKind,
    TripPassenger,
)

Row = TypeVar("Row")


class UidTaken(ValueError):
    """The form's uid already made something for another child, trip or kind."""


class NotAuthorised(ValueError):
    """The person named is not on the child's list today: no release."""


class AlreadyReleased(ValueError):
    def __init__(self, release: Release) -> None:
        super().__init__("the child is already accounted for")
        self.release = release


class DismissalClosed(ValueError):
    """The class's dismissal is closed for the day."""


class Unaccounted(ValueError):
    def __init__(self, children: list[Child]) -> None:
        super().__init__("children are not accounted for")
        self.children = children


class SeatsExceeded(ValueError):
    def __init__(self, seats: int, wanted: int) -> None:
        super().__init__("more children than seats")
        self.seats = seats
        self.wanted = wanted


class StopInUse(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__("a stop with riders cannot be removed")
        self.name = name


class TripClosed(ValueError):
    """The trip is closed: its manifest is kept as it was."""


class NotCheckedEmpty(ValueError):
    """The escort has not confirmed the bus was checked empty."""


class StillAboard(ValueError):
    def __init__(self, passengers: list[TripPassenger]) -> None:
        super().__init__("children are still on the bus or not accounted for")
        self.passengers = passengers


@dataclass(frozen=True)
class Made:
    row: Any
    created: bool  # False: the same tap came again and found what it made


def _by_uid(session: Session, model: type[Row], uid: uuid.UUID) -> Row | None:
    return session.scalar(select(model).where(model.uid == uid))  # type: ignore[attr-defined]


def _add_once(session: Session, row: Any, again: Callable[[], Any]) -> Any:
    """Add a row; if a unique key says another request got there first, return what
    ``again()`` finds instead (None: the collision was something else, raised)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        found = again()
        if found is None:
            raise
        return found
    return row


# Pickups --------------------------------------------------------------------------------------


def _refuse_when_closed(session: Session, class_id: int | None, day: date) -> None:
    dismissal = queries.dismissal_of(session, class_id, day) if class_id else None
    if dismissal is not None and dismissal.is_closed:
        raise DismissalClosed()


def release_child(
    session: Session,
    *,
    uid: uuid.UUID,
    child: Child,
    day: date,
    kind: ReleaseKind,
    person_key: str | None = None,
    actor_id: int | None,
    now: datetime | None = None,
) -> Made:
    """Account for a child at dismissal, once. COLLECTED needs a person on the child's list
    today; anyone else raises NotAuthorised and nothing is written."""
    existing = _by_uid(session, Release, uid)
    if existing is not None:
        if existing.child_id != child.id:
            raise UidTaken()
        return Made(existing, created=False)
    person = None
    if kind == ReleaseKind.COLLECTED:
        person = queries.person_for(session, child, day, person_key or "")
        if person is None:
            raise NotAuthorised()
    _refuse_when_closed(session, child.class_id, day)
    standing = queries.standing_release(session, child.id, day)
    if standing is not None:
        raise AlreadyReleased(standing)
    release = Release(
        uid=uid,
        child_id=child.id,
        day=day,
        kind=kind,
        guardian_id=person.id if isinstance(person, Guardian) else None,
        collector_id=person.id if isinstance(person, TodayCollector) else None,
        released_at=now or utcnow(),
        released_by_id=actor_id,
    )

    def again() -> Release | None:
        return _by_uid(session, Release, uid) or queries.standing_release(session, child.id, day)

    saved = _add_once(session, release, again)
    if saved is not release:
        if saved.uid == uid:
            return Made(saved, created=False)
        raise AlreadyReleased(saved)
    audit.record(
        session,
        AuditAction.CREATE,
        actor_id=actor_id,
        subject="pickup_release",
        subject_id=release.id,
        child_id=child.id,
        fields=[kind.value],
    )
    session.flush()
    return Made(release, created=True)


def undo_release(
    session: Session, release: Release, *, actor_id: int | None, now: datetime | None = None
) -> None:
    """A mistaken tap taken back (the release is kept, marked undone). Done twice, once."""
    if release.undone_at is not None:
        return
    child = session.get(Child, release.child_id)
    _refuse_when_closed(session, child.class_id if child else None, release.day)
    release.undone_at = now or utcnow()
    release.undone_by_id = actor_id
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="pickup_release",
        subject_id=release.id,
        child_id=release.child_id,
        fields=["undone"],
    )
    session.flush()


def add_today_collector(
    session: Session,
    *,
    uid: uuid.UUID,
    child: Child,
    day: date,
    name: str,
    relation: GuardianRelation,
    phone: str | None,
    actor_id: int | None,
) -> Made:
    """Someone the class teacher allows to collect the child today, and only today."""
    existing = _by_uid(session, TodayCollector, uid)
    if existing is not None:
        if existing.child_id != child.id:
            raise UidTaken()
        return Made(existing, created=False)
    collector = TodayCollector(
        uid=uid,
        child_id=child.id,
        day=day,
        name=name,
        relation=relation,
        phone=phone,
        added_by_id=actor_id,
    )
    saved = _add_once(session, collector, lambda: _by_uid(session, TodayCollector, uid))
    if saved is not collector:
        return Made(saved, created=False)
    audit.record(
        session,
        AuditAction.CREATE,
        actor_id=actor_id,
        subject="today_collector",
        subject_id=collector.id,
        child_id=child.id,
        fields=["name", "relation", "phone"] if phone else ["name", "relation"],
    )
    session.flush()
    return Made(collector, created=True)


def record_refusal(
    session: Session,
    *,
    uid: uuid.UUID,
    child: Child,
    day: date,
    name: str,
    relation: GuardianRelation,
    phone: str | None,
    actor_id: int | None,
    now: datetime | None = None,
) -> Made:
    """The red path: a person not on the list is written down, nothing is released, and the
    class teacher finds it on her today page."""
    existing = _by_uid(session, PickupRefusal, uid)
    if existing is not None:
        if existing.child_id != child.id:
            raise UidTaken()
        return Made(existing, created=False)
    teacher_id = session.scalar(
        select(SchoolClass.teacher_id).where(SchoolClass.id == child.class_id)
    )
    refusal = PickupRefusal(
        uid=uid,
        child_id=child.id,
        day=day,
        at=now or utcnow(),
        name=name,
        relation=relation,
        phone=phone,
        recorded_by_id=actor_id,
        teacher_id=teacher_id,
    )
    saved = _add_once(session, refusal, lambda: _by_uid(session, PickupRefusal, uid))
    if saved is not refusal:
        return Made(saved, created=False)
    audit.record(
        session,
        AuditAction.CREATE,
        actor_id=actor_id,
        subject="pickup_refusal",
        subject_id=refusal.id,
        child_id=child.id,
        fields=["name", "relation", "phone"] if phone else ["name", "relation"],
    )
    session.flush()
    return Made(refusal, created=True)


def acknowledge_refusal(
    session: Session, refusal: PickupRefusal, *, now: datetime | None = None
) -> None:
    """已知悉: the class teacher has seen it; it leaves her today page."""
    if refusal.acknowledged_at is None:
        refusal.acknowledged_at = now or utcnow()
        session.flush()


def allow_refused_for_today(
    session: Session, refusal: PickupRefusal, *, actor_id: int | None, now: datetime | None = None
) -> TodayCollector:
    """The guardian confirmed on the phone: the person refused becomes today's collector (on
    the day of the refusal only). Asked twice, the same collector."""
    if refusal.collector_id is not None:
        return session.get(TodayCollector, refusal.collector_id)
    child = session.get(Child, refusal.child_id)
    made = add_today_collector(
        session,
        uid=uuid.uuid5(refusal.uid, "today-collector"),
        child=child,
        day=refusal.day,
        name=refusal.name,
        relation=refusal.relation,
        phone=refusal.phone,
        actor_id=actor_id,
    )
    refusal.collector_id = made.row.id
    refusal.acknowledged_at = refusal.acknowledged_at or now or utcnow()
    session.flush()
    return made.row


def close_dismissal(
    session: Session,
    *,
    school_class: SchoolClass,
    day: date,
    actor_id: int | None,
    now: datetime | None = None,
) -> Dismissal:
    """Dismissal is over: refused while any child is not accounted for. Closed twice, once."""
    current = queries.board(session, school_class, day)
    if current.is_closed:
        return current.dismissal
    if current.waiting:
        raise Unaccounted(current.waiting)
    dismissal = current.dismissal or _add_once(
        session,
        Dismissal(class_id=school_class.id, day=day),
        lambda: queries.dismissal_of(session, school_class.id, day),
    )
    if dismissal.is_closed:
        return dismissal
    dismissal.closed_at = now or utcnow()
    dismissal.closed_by_id = actor_id
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="dismissal",
        subject_id=dismissal.id,
        fields=["closed"],
    )
    session.flush()
    return dismissal


# The school bus -------------------------------------------------------------------------------


def save_route(
    session: Session,
    route: BusRoute | None,
    *,
    uid: uuid.UUID,
    name: str,
    direction: BusDirection,
    driver_name: str,
    driver_phone: str | None,
    plate: str,
    seats: int,
    stop_names: list[str],
    actor_id: int | None,
) -> Made:
    """A new route, or a route changed. Its stops follow the list given: a stop keeps its
    riders when its name stays, a stop with riders cannot go, and the seats never fall below
    the riders already assigned."""
    if route is None:
        existing = _by_uid(session, BusRoute, uid)
        if existing is not None:
            return Made(existing, created=False)
    else:
        riders = queries.rider_count(session, route.id)
        if seats < riders:
            raise SeatsExceeded(seats, riders)
    created = route is None
    if created:
        route = BusRoute(uid=uid)
    route.name = name
    route.direction = direction
    route.driver_name = driver_name
    if driver_phone:
        route.driver_phone = driver_phone
    route.plate = plate
    route.seats = seats
    changed = [] if created else audit.changed_fields(route)
    if created:
        saved = _add_once(session, route, lambda: _by_uid(session, BusRoute, uid))
        if saved is not route:
            return Made(saved, created=False)
    if _set_stops(session, route, stop_names):
        changed.append("stops")
    audit.record(
        session,
        AuditAction.CREATE if created else AuditAction.UPDATE,
        actor_id=actor_id,
        subject="bus_route",
        subject_id=route.id,
        fields=changed,
    )
    session.flush()
    return Made(route, created=created)


def _set_stops(session: Session, route: BusRoute, names: list[str]) -> bool:
    """The route's stops become the names given, in order; whether anything changed."""
    stops = list(session.scalars(select(BusStop).where(BusStop.route_id == route.id)))
    before = [stop.name for stop in sorted(stops, key=lambda s: s.position) if stop.is_active]
    if before == names:
        return False
    wanted = set(names)
    riding = set(
        session.scalars(
            select(BusRider.stop_id).where(
                BusRider.route_id == route.id, BusRider.ended_on.is_(None)
            )
        )
    )
    for stop in stops:
        if stop.is_active and stop.name not in wanted and stop.id in riding:
            raise StopInUse(stop.name)
    by_name = {stop.name: stop for stop in stops}
    for stop in stops:
        stop.is_active = stop.name in wanted
    for position, name in enumerate(names, start=1):
        stop = by_name.get(name)
        if stop is None:
            session.add(BusStop(route_id=route.id, name=name, position=position))
        else:
            stop.position = position
    session.flush()
    session.expire(route, ["stops"])
    return True


def assign_rider(
    session: Session,
    *,
    route: BusRoute,
    child: Child,
    stop: BusStop,
    actor_id: int | None,
) -> Made:
    """A child rides the route from (or to) a stop. Again for the same child: the stop is
    updated. Refused when every seat is taken."""
    rider = session.scalar(
        select(BusRider).where(BusRider.route_id == route.id, BusRider.child_id == child.id)
    )
    if rider is not None and rider.is_active:
        if rider.stop_id != stop.id:
            rider.stop_id = stop.id
            _audit_rider(session, rider, AuditAction.UPDATE, actor_id, ["stop"])
        return Made(rider, created=False)
    riders = queries.rider_count(session, route.id)
    if riders + 1 > route.seats:
        raise SeatsExceeded(route.seats, riders + 1)
    if rider is None:
        rider = BusRider(
            route_id=route.id, child_id=child.id, stop_id=stop.id, added_by_id=actor_id
        )
        session.add(rider)
    else:
        rider.ended_on = None
        rider.stop_id = stop.id
    session.flush()
    _audit_rider(session, rider, AuditAction.CREATE, actor_id, ["route", "stop"])
    if not child.rides_bus:
        child.rides_bus = True
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=actor_id,
            subject="child",
            subject_id=child.id,
            child_id=child.id,
            fields=["rides_bus"],
        )
    session.flush()
    return Made(rider, created=True)


def end_rider(session: Session, rider: BusRider, *, on: date, actor_id: int | None) -> None:
    if rider.ended_on is not None:
        return
    rider.ended_on = on
    _audit_rider(session, rider, AuditAction.UPDATE, actor_id, ["ended_on"])
    session.flush()


def _audit_rider(
    session: Session, rider: BusRider, action: AuditAction, actor_id: int | None, fields: list[str]
) -> None:
    audit.record(
        session,
        action,
        actor_id=actor_id,
        subject="bus_rider",
        subject_id=rider.id,
        child_id=rider.child_id,
        fields=fields,
    )


def record_driver_call(session: Session, route: BusRoute, *, actor_id: int | None) -> None:
    """Calling the driver discloses the number: logged before it is handed to the dialler."""
    audit.record(
        session,
        AuditAction.CALL,
        actor_id=actor_id,
        subject="bus_route",
        subject_id=route.id,
        fields=["driver_phone"],
    )
    session.flush()


def start_trip(
    session: Session,
    *,
    uid: uuid.UUID,
    route: BusRoute,
    day: date,
    actor_id: int | None,
    now: datetime | None = None,
) -> Made:
    """Today's trip of a route with its manifest: the riders, those on leave already marked as
    not riding. Started twice (two escorts, a retry), one trip."""
    replayed = _by_uid(session, TripEvent, uid)
    if replayed is not None:
        if replayed.kind != TripEventKind.START:
            raise UidTaken()
        return Made(session.get(BusTrip, replayed.trip_id), created=False)
    trip = session.scalar(select(BusTrip).where(BusTrip.route_id == route.id, BusTrip.day == day))
    if trip is not None:
        return Made(trip, created=False)
    trip = BusTrip(route_id=route.id, day=day, started_by_id=actor_id)
    saved = _add_once(
        session,
        trip,
        lambda: session.scalar(
            select(BusTrip).where(BusTrip.route_id == route.id, BusTrip.day == day)
        ),
    )
    if saved is not trip:
        return Made(saved, created=False)
    away = queries.on_leave(session, day, queries.leave_part(route.direction))
    for rider in queries.riders_of(session, route.id):
        absent = rider.child_id in away
        session.add(
            TripPassenger(
                trip_id=trip.id,
                child_id=rider.child_id,
                stop_id=rider.stop_id,
                state=PassengerState.ABSENT if absent else PassengerState.EXPECTED,
                on_leave=absent,
            )
        )
    session.add(
        TripEvent(
            uid=uid, trip_id=trip.id, kind=TripEventKind.START, at=now or utcnow(), by_id=actor_id
        )
    )
    audit.record(
        session, AuditAction.CREATE, actor_id=actor_id, subject="bus_trip", subject_id=trip.id
    )
    session.flush()
    return Made(trip, created=True)


def _passengers(session: Session, trip: BusTrip) -> list[TripPassenger]:
    return list(session.scalars(select(TripPassenger).where(TripPassenger.trip_id == trip.id)))


def _move(
    passengers: list[TripPassenger], to: PassengerState, when: datetime
) -> list[TripPassenger]:
    for passenger in passengers:
        passenger.state = to
        if to == PassengerState.ABOARD:
            passenger.boarded_at = when
            passenger.off_at = None
        elif to == PassengerState.OFF:
            passenger.off_at = when
    return passengers


def tap_trip(
    session: Session,
    trip: BusTrip,
    *,
    uid: uuid.UUID,
    kind: TripEventKind,
    stop: BusStop | None = None,
    passenger: TripPassenger | None = None,
    state: PassengerState | None = None,
    actor_id: int | None,
    now: datetime | None = None,
) -> Made:
    """One tap on a trip: all aboard; a stop (on a trip home everyone for that stop gets off,
    on a trip to school everyone waiting there gets on); everyone off at school; or one child
    marked. A tap that came before finds its event and changes nothing; the seats are never
    exceeded."""
    existing = _by_uid(session, TripEvent, uid)
    if existing is not None:
        if existing.trip_id != trip.id:
            raise UidTaken()
        return Made(existing, created=False)
    if trip.is_closed:
        raise TripClosed()
    moves = _moves(trip, _passengers(session, trip), kind, stop, passenger, state)
    when = now or utcnow()
    event = TripEvent(
        uid=uid,
        trip_id=trip.id,
        kind=kind,
        stop_id=stop.id if stop is not None else None,
        child_id=passenger.child_id if passenger is not None else None,
        state=state,
        at=when,
        by_id=actor_id,
    )
    # The event claims the uid before anything moves: the same tap arriving twice at once
    # moves the children once.
    saved = _add_once(session, event, lambda: _by_uid(session, TripEvent, uid))
    if saved is not event:
        return Made(saved, created=False)
    for to, moved in moves:
        _move(moved, to, when)
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="bus_trip",
        subject_id=trip.id,
        child_id=passenger.child_id if passenger is not None else None,
        fields=[kind.value],
    )
    session.flush()
    return Made(event, created=True)


def _moves(
    trip: BusTrip,
    passengers: list[TripPassenger],
    kind: TripEventKind,
    stop: BusStop | None,
    passenger: TripPassenger | None,
    state: PassengerState | None,
) -> list[tuple[PassengerState, list[TripPassenger]]]:
    """Who a tap moves where, checked against the seats before anything changes."""
    aboard = [p for p in passengers if p.state == PassengerState.ABOARD]
    if kind == TripEventKind.ALL_ABOARD:
        boarding = [p for p in passengers if p.state == PassengerState.EXPECTED]
    elif kind == TripEventKind.STOP and trip.route.direction == BusDirection.HOME:
        return [(PassengerState.OFF, [p for p in aboard if p.stop_id == stop.id])]
    elif kind == TripEventKind.STOP:
        boarding = [
            p for p in passengers if p.stop_id == stop.id and p.state == PassengerState.EXPECTED
        ]
    elif kind == TripEventKind.ALL_OFF:
        return [(PassengerState.OFF, aboard)]
    elif kind == TripEventKind.MARK and state != PassengerState.ABOARD:
        return [(state, [passenger] if passenger.state != state else [])]
    elif kind == TripEventKind.MARK:
        boarding = [passenger] if passenger.state != PassengerState.ABOARD else []
    else:
        raise ValueError(f"not a tap: {kind}")
    if len(aboard) + len(boarding) > trip.route.seats:
        raise SeatsExceeded(trip.route.seats, len(aboard) + len(boarding))
    return [(PassengerState.ABOARD, boarding)]


def close_trip(
    session: Session,
    trip: BusTrip,
    *,
    uid: uuid.UUID,
    checked_empty: bool,
    actor_id: int | None,
    now: datetime | None = None,
) -> BusTrip:
    """The trip ends once every child is off or marked absent and the escort confirms the bus
    was checked empty (车厢已检查无遗留). Closed twice, once."""
    if trip.is_closed:
        return trip
    still = queries.manifest(session, trip).unaccounted
    if still:
        raise StillAboard(still)
    if not checked_empty:
        raise NotCheckedEmpty()
    when = now or utcnow()
    trip.checked_empty_at = when
    trip.closed_at = when
    trip.closed_by_id = actor_id
    session.add(
        TripEvent(uid=uid, trip_id=trip.id, kind=TripEventKind.CLOSE, at=when, by_id=actor_id)
    )
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="bus_trip",
        subject_id=trip.id,
        fields=["checked_empty", "closed"],
    )
    session.flush()
    return trip
