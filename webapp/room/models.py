"""The children's home (留守儿童之家): its rooms, their opening hours, and who is in them.

A sign-in is a visit: the child arrives (one tap on the name), leaves (another tap, or the
keeper's "closing: sign everyone out"). Visits count toward the weekly activity duty; the
children in a room now are the first choice when the keeper lends something.
"""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.choices import Choice
from webapp.core.db import Base, HasUid, Timestamped, enum_column, utcnow
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys


class RoomKind(Choice):
    MUSIC = "music", _l("Music room")
    SPORTS = "sports", _l("Sports room")
    ART = "art", _l("Art room")
    READING = "reading", _l("Reading room")
    TALK = "talk", _l("Talk room")
    FAMILY_PHONE = "family_phone", _l("Family phone and video")
    OTHER = "other", _l("Other room")


class Room(HasUid, TenantScoped, Timestamped, Base):
    """A room of the children's home (活动室), with its keeper."""

    __tablename__ = "room"
    __table_args__ = tenant_keys(
        UniqueConstraint("tenant_id", "name"), UniqueConstraint("tenant_id", "uid")
    )

    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[RoomKind] = mapped_column(enum_column(RoomKind))
    keeper_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    is_active: Mapped[bool] = mapped_column(default=True)

    keeper = relationship("User", foreign_keys=[keeper_id])
    hours: Mapped[list[RoomHours]] = relationship(
        primaryjoin=same_tenant_join("RoomHours", "room_id", "Room"),
        order_by="(RoomHours.weekday, RoomHours.opens)",
        viewonly=True,
    )


class RoomHours(TenantScoped, Base):
    """One opening of a room on a weekday (0 Monday … 6 Sunday), e.g. Saturday 8:00–11:00;
    ``in_holidays`` marks the longer hours of the school holidays."""

    __tablename__ = "room_hours"
    __table_args__ = tenant_keys(
        tenant_fk("room_id", "room"),
        Index(None, "tenant_id", "room_id"),
    )

    room_id: Mapped[int]
    weekday: Mapped[int]
    opens: Mapped[time]
    closes: Mapped[time]
    in_holidays: Mapped[bool] = mapped_column(default=False)


class SignIn(HasUid, TenantScoped, Base):
    """A child's visit to a room: in at one tap, out at another (签到 / 签退)."""

    __tablename__ = "sign_in"
    __table_args__ = tenant_keys(
        tenant_fk("room_id", "room"),
        tenant_fk("child_id", "child"),
        tenant_fk("action_id", "room_action"),
        tenant_fk("closed_by_action_id", "room_action"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "room_id", "signed_out_at"),
        Index(None, "tenant_id", "child_id", "signed_in_at"),
        Index(None, "tenant_id", "signed_in_on"),
        # One open visit per child: a child is in one room at a time, even when two taps race.
        Index(
            "uq_sign_in_open_visit",
            "tenant_id",
            "child_id",
            unique=True,
            sqlite_where=text("signed_out_at IS NULL"),
            postgresql_where=text("signed_out_at IS NULL"),
        ),
    )

    room_id: Mapped[int]
    child_id: Mapped[int]
    signed_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_in_on: Mapped[date]  # the local (Beijing) day of signed_in_at, for the duty engine
    signed_out_at: Mapped[datetime | None]
    signed_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    signed_out_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    self_service: Mapped[bool] = mapped_column(default=False)  # the child tapped their own name
    action_id: Mapped[int | None]  # the tap that opened the visit
    closed_by_action_id: Mapped[int | None]  # the tap that closed it

    room = relationship(
        "Room", primaryjoin=same_tenant_join("SignIn", "room_id", "Room"), viewonly=True
    )
    child = relationship(
        "Child", primaryjoin=same_tenant_join("SignIn", "child_id", "Child"), viewonly=True
    )

    @property
    def is_open(self) -> bool:
        return self.signed_out_at is None


class ActionKind(Choice):
    SIGN_IN = "sign_in", _l("Signed in")
    SIGN_OUT = "sign_out", _l("Signed out")
    MOVE = "move", _l("Moved")
    CLOSE_ALL = "close_all", _l("Signed everyone out")


class RoomAction(HasUid, TenantScoped, Base):
    """One tap on the sign-in board, kept so that a replay finds it and Undo reverses it.

    ``uid`` comes from the board the tap was made on: a double tap or a retry finds the action
    it already made. The visits it opened point at it (``SignIn.action_id``), the ones it
    closed too (``SignIn.closed_by_action_id``).
    """

    __tablename__ = "room_action"
    __table_args__ = tenant_keys(
        tenant_fk("room_id", "room"),
        tenant_fk("child_id", "child"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "room_id", "at"),
    )

    room_id: Mapped[int]
    kind: Mapped[ActionKind] = mapped_column(enum_column(ActionKind))
    child_id: Mapped[int | None]  # none for "sign everyone out"
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    self_service: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    room = relationship(
        "Room", primaryjoin=same_tenant_join("RoomAction", "room_id", "Room"), viewonly=True
    )
    child = relationship(
        "Child", primaryjoin=same_tenant_join("RoomAction", "child_id", "Child"), viewonly=True
    )
