"""Demo pickups and bus: who may collect the children of the pickup classes, two weeks of
dismissals at 阳光幼儿园's 大班, and 阳光小学's bus home with yesterday's trip closed.

Parents who live at home are their children's guardians and collect them; grandparents caring
for left-behind children already may. 大班's last two weeks of dismissals make "most frequent
first" mean something (the grandmother who comes every day is on top). Every row has a fixed
uid or natural key: a second run adds nothing.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth.service import find_user_by_phone
from webapp.children.access import ON_ROLL
from webapp.children.models import (
    Child,
    Guardian,
    GuardianKind,
    GuardianRelation,
    ParentRelation,
    ParentSituation,
    SchoolClass,
)
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.org import Tenant
from webapp.core.tenancy import tenant_context
from webapp.demo.care import DEMO_TODAY
from webapp.demo.people import VILLAGES
from webapp.transport import queries, service
from webapp.transport.models import (
    BusDirection,
    BusRoute,
    BusTrip,
    Dismissal,
    PassengerState,
    Release,
    ReleaseKind,
    TripEventKind,
)

NAMESPACE = uuid.UUID("0b6f3a52-7d0e-4c36-9a51-3f1c2e8d4b17")
PICKUP_SCHOOLS = ("yangguang", "yangguang-kg")
HISTORY_CLASS = ("yangguang-kg", "大班")
HISTORY_DAYS = 10  # school days before the demo's day
KG_TEACHER_PHONE = "13800000004"
SAFETY_LEAD_PHONE = "13900000190"

BUS_SCHOOL = "yangguang"
ROUTE = {
    "name": "青杠线（放学）",
    "direction": BusDirection.HOME,
    "driver_name": "刘德明",
    "driver_phone": "13983150427",
    "plate": "渝B·X2731",
}
BUS_SIZES = (19, 24, 35, 45)

PARENT_AS_GUARDIAN = {
    ParentRelation.FATHER: GuardianRelation.FATHER,
    ParentRelation.MOTHER: GuardianRelation.MOTHER,
}


class Report(Protocol):
    def add(self, kind: str, count: int = 1) -> None: ...


def uid_for(*key: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(part) for part in key))


def load_transport(session: Session, tenants: dict[str, Tenant], report: Report) -> None:
    """Flushes; never commits."""
    for slug in PICKUP_SCHOOLS:
        with tenant_context(session, tenants[slug].id):
            _parents_collect(session, report)
    slug, class_name = HISTORY_CLASS
    with tenant_context(session, tenants[slug].id):
        _dismissals(session, class_name, report)
    with tenant_context(session, tenants[BUS_SCHOOL].id):
        _bus(session, report)


def _pickup_children(session: Session) -> list[Child]:
    classes = [c for c in session.scalars(select(SchoolClass)) if queries.has_pickups(c)]
    return list(
        session.scalars(
            select(Child)
            .where(Child.class_id.in_([c.id for c in classes]), Child.status.in_(ON_ROLL))
            .order_by(Child.id)
        )
    )


def _parents_collect(session: Session, report: Report) -> None:
    """A parent at home is the child's guardian and may collect the child."""
    for child in _pickup_children(session):
        held = {g.relation for g in child.guardians}
        for parent in child.parents:
            relation = PARENT_AS_GUARDIAN[parent.relation]
            if parent.situation != ParentSituation.AT_HOME or relation in held or not parent.name:
                continue
            session.add(
                Guardian(
                    uid=uid_for("guardian", child.uid, relation.value),
                    child_id=child.id,
                    kind=GuardianKind.GUARDIAN,
                    name=parent.name,
                    relation=relation,
                    may_pick_up=True,
                    phone=parent.phone,
                    started_on=child.enrolled_on,
                )
            )
            report.add("guardians")
        session.flush()
        session.expire(child, ["guardians"])


def school_days_before(day: date, count: int) -> list[date]:
    days: list[date] = []
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return sorted(days)


def _at(day: date, hour: int, minute: int, later: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SCHOOL_TIMEZONE) + timedelta(
        minutes=later
    )


def _dismissals(session: Session, class_name: str, report: Report) -> None:
    """大班's dismissals of the last two weeks: mostly the usual grandparent or parent, now and
    then the other one, after-school care or a day at home; each day closed by 刘芳."""
    school_class = session.scalar(select(SchoolClass).where(SchoolClass.name == class_name))
    teacher = find_user_by_phone(session, KG_TEACHER_PHONE)
    children = [c for c in _pickup_children(session) if c.class_id == school_class.id]
    known = set(session.scalars(select(Release.uid)))
    for day in school_days_before(DEMO_TODAY, HISTORY_DAYS):
        for child in children:
            uid = uid_for("release", child.uid, day)
            if uid in known:
                continue
            rng = random.Random(f"{child.name}/{child.birth_date}/{day}")
            persons = queries.authorised_guardians(child)
            roll = rng.random()
            kind = ReleaseKind.COLLECTED
            if roll > 0.97 or not persons:
                kind = ReleaseKind.ABSENT
            elif roll > 0.92:
                kind = ReleaseKind.AFTER_CARE
            if roll < 0.75 or len(persons) < 2:
                person = persons[0] if persons else None
            else:
                person = rng.choice(persons)
            session.add(
                Release(
                    uid=uid,
                    child_id=child.id,
                    day=day,
                    kind=kind,
                    guardian_id=person.id if kind == ReleaseKind.COLLECTED else None,
                    released_at=_at(day, 16, rng.randint(0, 25)),
                    released_by_id=teacher.id,
                )
            )
            report.add("pickups")
        if not queries.dismissal_of(session, school_class.id, day):
            session.add(
                Dismissal(
                    class_id=school_class.id,
                    day=day,
                    closed_at=_at(day, 16, 40),
                    closed_by_id=teacher.id,
                )
            )
    session.flush()


def _bus(session: Session, report: Report) -> None:
    """The bus home through the villages of 阳光小学's riders, and yesterday's trip."""
    riders = [c for c in session.scalars(select(Child).where(Child.rides_bus)) if c.class_id]
    riders = [c for c in riders if c.status in ON_ROLL]
    village_of = {c.id: next(v for v in VILLAGES if v in (c.address or "")) for c in riders}
    stops = [v for v in VILLAGES if v in village_of.values()]
    lead = find_user_by_phone(session, SAFETY_LEAD_PHONE)
    made = service.save_route(
        session,
        None,
        uid=uid_for("route", ROUTE["name"]),
        seats=next(size for size in BUS_SIZES if size >= len(riders) + 2),
        stop_names=stops,
        actor_id=None,
        **ROUTE,
    )
    route: BusRoute = made.row
    if made.created:
        report.add("bus routes")
    stop_of = {stop.name: stop for stop in route.stops}
    for child in riders:
        assigned = service.assign_rider(
            session, route=route, child=child, stop=stop_of[village_of[child.id]], actor_id=None
        )
        if assigned.created:
            report.add("bus riders")
    _yesterdays_trip(session, route, lead.id if lead else None, report)


def _yesterdays_trip(
    session: Session, route: BusRoute, escort_id: int | None, report: Report
) -> None:
    day = DEMO_TODAY - timedelta(days=1)
    if session.scalar(select(BusTrip.id).where(BusTrip.route_id == route.id, BusTrip.day == day)):
        return
    trip = service.start_trip(
        session,
        uid=uid_for("trip", day),
        route=route,
        day=day,
        actor_id=escort_id,
        now=_at(day, 16, 35),
    ).row
    manifest = queries.manifest(session, trip)
    stayed = manifest.passengers[0] if manifest.passengers else None
    if stayed is not None:  # went home with a classmate's grandmother, as the class teacher said
        service.tap_trip(
            session,
            trip,
            uid=uid_for("trip", day, "absent"),
            kind=TripEventKind.MARK,
            passenger=stayed,
            state=PassengerState.ABSENT,
            actor_id=escort_id,
            now=_at(day, 16, 38),
        )
    service.tap_trip(
        session,
        trip,
        uid=uid_for("trip", day, "aboard"),
        kind=TripEventKind.ALL_ABOARD,
        actor_id=escort_id,
        now=_at(day, 16, 40),
    )
    for minutes, group in enumerate(manifest.groups, start=1):
        service.tap_trip(
            session,
            trip,
            uid=uid_for("trip", day, "stop", group.stop.name),
            kind=TripEventKind.STOP,
            stop=group.stop,
            actor_id=escort_id,
            now=_at(day, 16, 40, later=6 * minutes),
        )
    service.close_trip(
        session,
        trip,
        uid=uid_for("trip", day, "close"),
        checked_empty=True,
        actor_id=escort_id,
        now=_at(day, 17, 45),
    )
    report.add("bus trips")
