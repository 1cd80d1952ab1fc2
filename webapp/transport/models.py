"""Getting children home safely: pickups at the classroom door (接送) and the school bus (校车).

Pickups: at dismissal (放学) the class teacher hands each child of a kindergarten or lower-grade
class to a person the card authorises (a guardian with ``may_pick_up``) or to a person she
allowed for that day only. A person not on the list is written down and refused (the red path):
no release is ever recorded for them. The dismissal closes only when every child is accounted
for: collected, handed to after-school care, not in school today, or on leave.

Bus: a route has a direction, its stops in order, a driver and a number of seats; riders are
assigned to a stop. Each day's trip has a manifest made from the riders (children on leave
preset as absent), is boarded "all aboard" in one tap, emptied stop by stop, and closes only
after "车厢已检查无遗留" is confirmed. Every tap on a trip is an event with the client's UUID,
so a replayed tap never undoes a later one.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.children.models import GuardianRelation
from webapp.core.choices import Choice
from webapp.core.crypto import Sensitive
from webapp.core.db import Base, HasUid, Timestamped, enum_column, utcnow
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys

# Pickups ------------------------------------------------------------------------------------


class Dismissal(TenantScoped, Timestamped, Base):
    """A class's dismissal (放学) on one day, closed by a teacher once no child is unaccounted
    for."""

    __tablename__ = "dismissal"
    __table_args__ = tenant_keys(
        tenant_fk("class_id", "school_class"),
        UniqueConstraint("tenant_id", "class_id", "day"),
    )

    class_id: Mapped[int]
    day: Mapped[date]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    closed_by = relationship("User", foreign_keys=[closed_by_id])

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class TodayCollector(HasUid, TenantScoped, Base):
    """A person the class teacher allows to collect one child on one day only (今日代接人),
    usually after the parents or guardian asked by phone."""

    __tablename__ = "today_collector"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "child_id", "day"),
    )

    child_id: Mapped[int]
    day: Mapped[date]
    name: Mapped[str] = mapped_column(String(50))
    relation: Mapped[GuardianRelation] = mapped_column(enum_column(GuardianRelation))
    phone_sealed: Mapped[str | None] = mapped_column("phone", Text)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    phone = Sensitive("phone_sealed")

    added_by = relationship("User", foreign_keys=[added_by_id])


class ReleaseKind(Choice):
    COLLECTED = "collected", _l("Collected")
    AFTER_CARE = "after_care", _l("To after-school care")
    ABSENT = "absent", _l("Not in school today")


class Release(HasUid, TenantScoped, Base):
    """How a child left the class at dismissal (放学交接): collected by an authorised person,
    handed to after-school care (课后托管), or not in school today. At most one standing release
    per child and day; a mistaken tap is undone, never deleted."""

    __tablename__ = "pickup_release"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        tenant_fk("guardian_id", "guardian"),
        tenant_fk("collector_id", "today_collector"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "day"),
        Index(None, "tenant_id", "guardian_id"),
    )

    child_id: Mapped[int]
    day: Mapped[date]
    kind: Mapped[ReleaseKind] = mapped_column(enum_column(ReleaseKind))
    guardian_id: Mapped[int | None]
    collector_id: Mapped[int | None]
    released_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    child = relationship(
        "Child", primaryjoin=same_tenant_join("Release", "child_id", "Child"), viewonly=True
    )
    guardian = relationship(
        "Guardian",
        primaryjoin=same_tenant_join("Release", "guardian_id", "Guardian"),
        viewonly=True,
    )
    collector = relationship(
        "TodayCollector",
        primaryjoin=same_tenant_join("Release", "collector_id", "TodayCollector"),
        viewonly=True,
    )
    released_by = relationship("User", foreign_keys=[released_by_id])

    @property
    def collected_by(self) -> str:
        """Who took the child: 张秀英（奶奶）."""
        person = self.guardian or self.collector
        return f"{person.name}（{person.relation.label}）" if person else ""


# Two teachers tapping the same child at once: the database keeps one standing release.
Index(
    None,
    Release.tenant_id,
    Release.child_id,
    Release.day,
    unique=True,
    sqlite_where=Release.undone_at.is_(None),
    postgresql_where=Release.undone_at.is_(None),
)


class PickupRefusal(HasUid, TenantScoped, Base):
    """Someone not on the list came to collect a child (非授权接送): written down, refused, and
    the class teacher told on her today page. Never a release."""

    __tablename__ = "pickup_refusal"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        tenant_fk("collector_id", "today_collector"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "teacher_id", "acknowledged_at"),
        Index(None, "tenant_id", "child_id", "day"),
    )

    child_id: Mapped[int]
    day: Mapped[date]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    name: Mapped[str] = mapped_column(String(50))
    relation: Mapped[GuardianRelation] = mapped_column(enum_column(GuardianRelation))  # as told
    phone_sealed: Mapped[str | None] = mapped_column("phone", Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # told at once
    acknowledged_at: Mapped[datetime | None]
    collector_id: Mapped[int | None]  # allowed for the day after the guardian confirmed

    phone = Sensitive("phone_sealed")

    child = relationship(
        "Child", primaryjoin=same_tenant_join("PickupRefusal", "child_id", "Child"), viewonly=True
    )
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None and self.collector_id is None


# The school bus -------------------------------------------------------------------------------


class BusDirection(Choice):
    TO_SCHOOL = "to_school", _l("To school")
    HOME = "home", _l("Home from school")


class BusRoute(HasUid, TenantScoped, Timestamped, Base):
    """A school bus route (校车线路): one direction, its stops, driver, plate and seats."""

    __tablename__ = "bus_route"
    __table_args__ = tenant_keys(
        UniqueConstraint("tenant_id", "uid"),
        UniqueConstraint("tenant_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(40))
    direction: Mapped[BusDirection] = mapped_column(enum_column(BusDirection))
    driver_name: Mapped[str] = mapped_column(String(50))
    driver_phone_sealed: Mapped[str | None] = mapped_column("driver_phone", Text)
    plate: Mapped[str] = mapped_column(String(20))
    seats: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True)

    driver_phone = Sensitive("driver_phone_sealed")

    stops: Mapped[list[BusStop]] = relationship(
        primaryjoin="and_(BusStop.tenant_id == BusRoute.tenant_id, "
        "foreign(BusStop.route_id) == BusRoute.id, BusStop.is_active)",
        order_by="BusStop.position",
        viewonly=True,
    )


class BusStop(TenantScoped, Base):
    """A stop of a route (站点), in the order the bus reaches it. A stop taken off the route is
    kept for the trips that used it."""

    __tablename__ = "bus_stop"
    __table_args__ = tenant_keys(
        tenant_fk("route_id", "bus_route"),
        Index(None, "tenant_id", "route_id", "position"),
    )

    route_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(40))
    position: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True)


class BusRider(TenantScoped, Timestamped, Base):
    """A child who rides a route, and the stop where they get on or off (乘车学生)."""

    __tablename__ = "bus_rider"
    __table_args__ = tenant_keys(
        tenant_fk("route_id", "bus_route"),
        tenant_fk("child_id", "child"),
        tenant_fk("stop_id", "bus_stop"),
        UniqueConstraint("tenant_id", "route_id", "child_id"),
        Index(None, "tenant_id", "child_id"),
    )

    route_id: Mapped[int]
    child_id: Mapped[int]
    stop_id: Mapped[int]
    ended_on: Mapped[date | None]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    child = relationship(
        "Child", primaryjoin=same_tenant_join("BusRider", "child_id", "Child"), viewonly=True
    )
    stop = relationship(
        "BusStop", primaryjoin=same_tenant_join("BusRider", "stop_id", "BusStop"), viewonly=True
    )

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class BusTrip(TenantScoped, Timestamped, Base):
    """One run of a route on one day (趟次), with its manifest. Closed only after the bus was
    checked empty (车厢已检查无遗留)."""

    __tablename__ = "bus_trip"
    __table_args__ = tenant_keys(
        tenant_fk("route_id", "bus_route"),
        UniqueConstraint("tenant_id", "route_id", "day"),
        Index(None, "tenant_id", "closed_at"),
    )

    route_id: Mapped[int]
    day: Mapped[date]
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    checked_empty_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    route: Mapped[BusRoute] = relationship(
        primaryjoin=same_tenant_join("BusTrip", "route_id", "BusRoute"), viewonly=True
    )
    closed_by = relationship("User", foreign_keys=[closed_by_id])

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class PassengerState(Choice):
    EXPECTED = "expected", _l("Not yet aboard")
    ABOARD = "aboard", _l("On the bus")
    OFF = "off", _l("Got off")
    ABSENT = "absent", _l("Not riding today")


class TripPassenger(TenantScoped, Base):
    """A child on one trip's manifest (乘车名单) and where they are now."""

    __tablename__ = "trip_passenger"
    __table_args__ = tenant_keys(
        tenant_fk("trip_id", "bus_trip"),
        tenant_fk("child_id", "child"),
        tenant_fk("stop_id", "bus_stop"),
        UniqueConstraint("tenant_id", "trip_id", "child_id"),
    )

    trip_id: Mapped[int]
    child_id: Mapped[int]
    stop_id: Mapped[int]
    state: Mapped[PassengerState] = mapped_column(
        enum_column(PassengerState), default=PassengerState.EXPECTED
    )
    on_leave: Mapped[bool] = mapped_column(default=False)
    boarded_at: Mapped[datetime | None]
    off_at: Mapped[datetime | None]

    child = relationship(
        "Child", primaryjoin=same_tenant_join("TripPassenger", "child_id", "Child"), viewonly=True
    )


class TripEventKind(Choice):
    START = "start", _l("Trip started")
    ALL_ABOARD = "all_aboard", _l("All aboard")
    STOP = "stop", _l("At a stop")
    ALL_OFF = "all_off", _l("Everyone off")
    MARK = "mark", _l("One child marked")
    CLOSE = "close", _l("Bus checked empty, trip closed")


class TripEvent(HasUid, TenantScoped, Base):
    """One tap on a trip, with the client's UUID: a retried or replayed tap finds its event and
    changes nothing, so it never undoes what was tapped after it."""

    __tablename__ = "trip_event"
    __table_args__ = tenant_keys(
        tenant_fk("trip_id", "bus_trip"),
        tenant_fk("stop_id", "bus_stop"),
        tenant_fk("child_id", "child"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "trip_id", "at"),
    )

    trip_id: Mapped[int]
    kind: Mapped[TripEventKind] = mapped_column(enum_column(TripEventKind))
    stop_id: Mapped[int | None]
    child_id: Mapped[int | None]
    state: Mapped[PassengerState | None] = mapped_column(enum_column(PassengerState))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    by = relationship("User", foreign_keys=[by_id])
