"""Reads of pickups and the school bus: the dismissal board, who may collect a child, the
routes, their riders and a trip's manifest."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from webapp.children.access import ON_ROLL
from webapp.children.models import Child, Guardian, SchoolClass, Stage
from webapp.core.crypto import mask_phone
from webapp.core.permissions import Role, can
from webapp.safety.models import DayPart, Leave
from webapp.safety.queries import leaves_covering, on_leave
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
    TodayCollector,
    TripEvent,
    TripPassenger,
)

# Kindergarten classes and the first two grades are collected at the classroom door.
PICKUP_GRADES = 2
# "Most frequent first" counts the collections of this many past days.
FREQUENCY_WINDOW = timedelta(days=90)


def leave_covering(day: date, part: DayPart) -> Select:
    """The children with a leave covering this part of the day (a subquery)."""
    return leaves_covering(day, part).with_only_columns(Leave.child_id)


# Pickups --------------------------------------------------------------------------------------


def has_pickups(school_class: SchoolClass) -> bool:
    return school_class.stage == Stage.KINDERGARTEN or (
        school_class.stage == Stage.PRIMARY and school_class.grade <= PICKUP_GRADES
    )


def sees_every_pickup(roles: frozenset[Role]) -> bool:
    return can("transport.pickup_all", roles)


def may_handle(school_class: SchoolClass, user_id: int, roles: frozenset[Role]) -> bool:
    """Its own teacher hands the class over; the principal and safety lead may at any door."""
    return has_pickups(school_class) and (
        school_class.teacher_id == user_id or sees_every_pickup(roles)
    )


def pickup_classes(session: Session, user_id: int, roles: frozenset[Role]) -> list[SchoolClass]:
    statement = select(SchoolClass).where(SchoolClass.is_active)
    if not sees_every_pickup(roles):
        statement = statement.where(SchoolClass.teacher_id == user_id)
    classes = session.scalars(
        statement.options(selectinload(SchoolClass.teacher)).order_by(
            SchoolClass.grade, SchoolClass.section
        )
    )
    return [c for c in classes if has_pickups(c)]


def children_of(session: Session, class_id: int) -> list[Child]:
    return list(
        session.scalars(
            select(Child)
            .where(Child.class_id == class_id, Child.status.in_(ON_ROLL))
            .order_by(Child.name_pinyin, Child.id)
        )
    )


def standing_releases(session: Session, child_ids: list[int], day: date) -> dict[int, Release]:
    releases = session.scalars(
        select(Release)
        .options(selectinload(Release.guardian), selectinload(Release.collector))
        .where(Release.child_id.in_(child_ids), Release.day == day, Release.undone_at.is_(None))
    )
    return {release.child_id: release for release in releases}


def dismissal_of(session: Session, class_id: int, day: date) -> Dismissal | None:
    return session.scalar(
        select(Dismissal).where(Dismissal.class_id == class_id, Dismissal.day == day)
    )


@dataclass
class BoardEntry:
    child: Child
    release: Release | None
    on_leave: bool

    @property
    def accounted(self) -> bool:
        return self.release is not None or self.on_leave


@dataclass
class Board:
    """A class at dismissal: who still waits, who is accounted for and how."""

    school_class: SchoolClass
    day: date
    dismissal: Dismissal | None
    entries: list[BoardEntry]
    refusals: list[PickupRefusal] = field(default_factory=list)

    @property
    def waiting(self) -> list[Child]:
        return [entry.child for entry in self.entries if not entry.accounted]

    @property
    def accounted(self) -> list[BoardEntry]:
        return [entry for entry in self.entries if entry.accounted]

    @property
    def total(self) -> int:
        return len(self.entries)

    @property
    def is_closed(self) -> bool:
        return self.dismissal is not None and self.dismissal.is_closed


def board(session: Session, school_class: SchoolClass, day: date) -> Board:
    children = children_of(session, school_class.id)
    ids = [child.id for child in children]
    releases = standing_releases(session, ids, day)
    away = on_leave(session, day, DayPart.AFTERNOON) & set(ids)
    refusals = list(
        session.scalars(
            select(PickupRefusal)
            .where(PickupRefusal.child_id.in_(ids), PickupRefusal.day == day)
            .order_by(PickupRefusal.at.desc())
        )
    )
    return Board(
        school_class=school_class,
        day=day,
        dismissal=dismissal_of(session, school_class.id, day),
        entries=[BoardEntry(c, releases.get(c.id), c.id in away) for c in children],
        refusals=refusals,
    )


def waiting_counts(session: Session, classes: list[SchoolClass], day: date) -> dict[int, int]:
    """Per class, how many children are not yet accounted for (for the today page)."""
    if not classes:
        return {}
    class_ids = [c.id for c in classes]
    released = select(Release.child_id).where(Release.day == day, Release.undone_at.is_(None))
    away = leave_covering(day, DayPart.AFTERNOON)
    rows = session.execute(
        select(Child.class_id, func.count())
        .where(
            Child.class_id.in_(class_ids),
            Child.status.in_(ON_ROLL),
            Child.id.not_in(released),
            Child.id.not_in(away),
        )
        .group_by(Child.class_id)
    )
    return {class_id: count for class_id, count in rows}


@dataclass(frozen=True)
class Person:
    """Someone who may collect a child today: a guardian of the card, or today's collector."""

    key: str  # guardian.7 or collector.3
    name: str
    relation: str
    phone_masked: str
    guardian_id: int | None
    has_photo: bool
    today_only: bool


def authorised_guardians(child: Child) -> list[Guardian]:
    return [g for g in child.guardians if g.ended_on is None and g.may_pick_up]


def today_collectors(session: Session, child_id: int, day: date) -> list[TodayCollector]:
    return list(
        session.scalars(
            select(TodayCollector)
            .where(TodayCollector.child_id == child_id, TodayCollector.day == day)
            .order_by(TodayCollector.id)
        )
    )


def authorised_persons(session: Session, child: Child, day: date) -> list[Person]:
    """Today's collectors first (someone was expected today), then the guardians who may
    collect the child, the one who comes most often first."""
    guardians = authorised_guardians(child)
    times = Counter(
        session.scalars(
            select(Release.guardian_id).where(
                Release.child_id == child.id,
                Release.guardian_id.in_([g.id for g in guardians]),
                Release.undone_at.is_(None),
                Release.day >= day - FREQUENCY_WINDOW,
            )
        )
    )
    persons = [
        Person(
            f"collector.{c.id}", c.name, c.relation.label, mask_phone(c.phone), None, False, True
        )
        for c in today_collectors(session, child.id, day)
    ]
    ranked = sorted(guardians, key=lambda g: (-times[g.id], g.id))
    persons += [
        Person(
            f"guardian.{g.id}",
            g.name,
            g.relation.label,
            mask_phone(g.phone),
            g.id,
            g.photo_uid is not None,
            False,
        )
        for g in ranked
    ]
    return persons


def person_for(
    session: Session, child: Child, day: date, key: str
) -> Guardian | TodayCollector | None:
    """The authorised person a key names, or None: a guardian of this child who may collect
    and has not ended, or a collector allowed for this child on this very day. Anyone else
    (another child's guardian, another school's, an ended one, yesterday's collector) is
    nobody."""
    subject, _, raw_id = key.partition(".")
    if not raw_id.isdigit():
        return None
    if subject == "guardian":
        return next((g for g in authorised_guardians(child) if g.id == int(raw_id)), None)
    if subject == "collector":
        collector = session.get(TodayCollector, int(raw_id))
        if collector is not None and collector.child_id == child.id and collector.day == day:
            return collector
    return None


def refusals_of(session: Session, child_id: int, day: date) -> list[PickupRefusal]:
    return list(
        session.scalars(
            select(PickupRefusal)
            .where(PickupRefusal.child_id == child_id, PickupRefusal.day == day)
            .order_by(PickupRefusal.at.desc())
        )
    )


def open_refusals_for(session: Session, user_id: int) -> list[PickupRefusal]:
    """Refusals that reached this class teacher and wait for her: the today page's alert."""
    return list(
        session.scalars(
            select(PickupRefusal)
            .options(selectinload(PickupRefusal.child))
            .where(
                PickupRefusal.teacher_id == user_id,
                PickupRefusal.acknowledged_at.is_(None),
                PickupRefusal.collector_id.is_(None),
            )
            .order_by(PickupRefusal.at.desc())
        )
    )


# The school bus -------------------------------------------------------------------------------


def leave_part(direction: BusDirection) -> DayPart:
    return DayPart.MORNING if direction == BusDirection.TO_SCHOOL else DayPart.AFTERNOON


def active_routes(session: Session) -> list[BusRoute]:
    return list(
        session.scalars(
            select(BusRoute)
            .options(selectinload(BusRoute.stops))
            .where(BusRoute.is_active)
            .order_by(BusRoute.name)
        )
    )


def trips_on(session: Session, route_ids: list[int], day: date) -> dict[int, BusTrip]:
    trips = session.scalars(
        select(BusTrip).where(BusTrip.route_id.in_(route_ids), BusTrip.day == day)
    )
    return {trip.route_id: trip for trip in trips}


def riders_of(session: Session, route_id: int) -> list[BusRider]:
    """The route's riders, stop by stop in the bus's order, by name within a stop."""
    return list(
        session.scalars(
            select(BusRider)
            .join(BusStop, BusStop.id == BusRider.stop_id)
            .join(Child, Child.id == BusRider.child_id)
            .options(selectinload(BusRider.child), selectinload(BusRider.stop))
            .where(
                BusRider.route_id == route_id,
                BusRider.ended_on.is_(None),
                Child.status.in_(ON_ROLL),
            )
            .order_by(BusStop.position, Child.name_pinyin, Child.id)
        )
    )


def rider_count(session: Session, route_id: int) -> int:
    return rider_counts(session, [route_id]).get(route_id, 0)


def rider_counts(session: Session, route_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(BusRider.route_id, func.count())
        .join(Child, Child.id == BusRider.child_id)
        .where(
            BusRider.route_id.in_(route_ids),
            BusRider.ended_on.is_(None),
            Child.status.in_(ON_ROLL),
        )
        .group_by(BusRider.route_id)
    )
    return {route_id: count for route_id, count in rows}


def rider_candidates(session: Session, route_id: int, text: str = "") -> list[Child]:
    """Children who could be added to a route: those whose card says they ride the bus, or,
    when searched, any child of the school; never one already riding it."""
    riding = select(BusRider.child_id).where(
        BusRider.route_id == route_id, BusRider.ended_on.is_(None)
    )
    statement = (
        select(Child)
        .options(selectinload(Child.school_class))
        .where(Child.status.in_(ON_ROLL), Child.id.not_in(riding))
    )
    if text:
        pattern = f"%{text.lower()}%"
        statement = statement.where(
            or_(
                Child.name.contains(text),
                Child.name_pinyin.like(pattern),
                Child.name_initials.like(pattern),
            )
        )
    else:
        statement = statement.where(Child.rides_bus)
    return list(session.scalars(statement.order_by(Child.name_pinyin, Child.id).limit(60)))


@dataclass
class StopGroup:
    stop: BusStop
    passengers: list[TripPassenger]

    def count(self, state: PassengerState) -> int:
        return sum(p.state == state for p in self.passengers)


@dataclass
class Manifest:
    """A trip's passengers, stop by stop, with the counts the escort watches."""

    trip: BusTrip
    groups: list[StopGroup]
    last: TripEvent | None

    @property
    def passengers(self) -> list[TripPassenger]:
        return [p for group in self.groups for p in group.passengers]

    def count(self, state: PassengerState) -> int:
        return sum(p.state == state for p in self.passengers)

    @property
    def aboard(self) -> int:
        return self.count(PassengerState.ABOARD)

    @property
    def unaccounted(self) -> list[TripPassenger]:
        """Still on the bus, or never boarded and not marked absent: the trip cannot close."""
        return [
            p
            for p in self.passengers
            if p.state in (PassengerState.ABOARD, PassengerState.EXPECTED)
        ]


def manifest(session: Session, trip: BusTrip) -> Manifest:
    passengers = session.scalars(
        select(TripPassenger)
        .join(Child, Child.id == TripPassenger.child_id)
        .options(selectinload(TripPassenger.child))
        .where(TripPassenger.trip_id == trip.id)
        .order_by(Child.name_pinyin, Child.id)
    ).all()
    stops = {
        stop.id: stop
        for stop in session.scalars(select(BusStop).where(BusStop.route_id == trip.route_id))
    }
    groups: dict[int, StopGroup] = {}
    for passenger in passengers:
        stop = stops[passenger.stop_id]
        groups.setdefault(stop.id, StopGroup(stop, [])).passengers.append(passenger)
    for stop in trip.route.stops:  # a stop nobody rides to today is still on the way
        groups.setdefault(stop.id, StopGroup(stop, []))
    last = session.scalar(
        select(TripEvent)
        .options(selectinload(TripEvent.by))
        .where(TripEvent.trip_id == trip.id)
        .order_by(TripEvent.at.desc(), TripEvent.id.desc())
        .limit(1)
    )
    ordered = sorted(groups.values(), key=lambda g: (g.stop.position, g.stop.id))
    return Manifest(trip, ordered, last)


def open_trips(session: Session, today: date) -> list[BusTrip]:
    """Trips started and not closed: the bus may not have been checked empty."""
    return list(
        session.scalars(
            select(BusTrip)
            .options(selectinload(BusTrip.route))
            .where(BusTrip.closed_at.is_(None), BusTrip.day <= today)
            .order_by(BusTrip.day, BusTrip.id)
        )
    )


def standing_release(session: Session, child_id: int, day: date) -> Release | None:
    return standing_releases(session, [child_id], day).get(child_id)
