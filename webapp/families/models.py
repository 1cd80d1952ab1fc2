"""Work with the families: guardian meetings and training (家长会 / 监护人培训 / 家长学校) and
which families came.

A school holds them at least twice a term; the term's count goes into the reports. Attendance
is kept per child's family: the child, and the parent or guardian who came for them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.choices import Choice
from webapp.core.db import Base, HasUid, Timestamped, enum_column, utcnow
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys

# How often a school must hold them (每学期不少于2次).
MEETINGS_PER_TERM = 2


class MeetingKind(Choice):
    PARENT_MEETING = "parent_meeting", _l("Parents' meeting")
    GUARDIAN_TRAINING = "guardian_training", _l("Guardian training")
    PARENT_SCHOOL = "parent_school", _l("Parent school lesson")


class GuardianMeeting(HasUid, TenantScoped, Timestamped, Base):
    """A parents' meeting, guardian training or parent-school lesson (家长会 / 监护人培训)."""

    __tablename__ = "guardian_meeting"
    __table_args__ = tenant_keys(
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "held_on"),
    )

    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind))
    held_on: Mapped[date]
    place: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str | None] = mapped_column(Text)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    organiser = relationship("User", foreign_keys=[organiser_id])
    attendance: Mapped[list[MeetingAttendance]] = relationship(
        primaryjoin=same_tenant_join("MeetingAttendance", "meeting_id", "GuardianMeeting"),
        viewonly=True,
    )


class MeetingAttendance(TenantScoped, Base):
    """A child's family at a meeting: who came for the child (a parent or a guardian)."""

    __tablename__ = "meeting_attendance"
    __table_args__ = tenant_keys(
        tenant_fk("meeting_id", "guardian_meeting"),
        tenant_fk("child_id", "child"),
        tenant_fk("parent_id", "parent"),
        tenant_fk("guardian_id", "guardian"),
        UniqueConstraint("tenant_id", "meeting_id", "child_id"),
        Index(None, "tenant_id", "child_id"),
    )

    meeting_id: Mapped[int]
    child_id: Mapped[int]
    parent_id: Mapped[int | None]
    guardian_id: Mapped[int | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class MeetingPhoto(TenantScoped, Base):
    """A photo of a meeting: shrunk, stripped, sealed, outside static/ (core.files)."""

    __tablename__ = "meeting_photo"
    __table_args__ = tenant_keys(
        tenant_fk("meeting_id", "guardian_meeting"),
        Index(None, "tenant_id", "meeting_id"),
    )

    meeting_id: Mapped[int]
    photo_uid: Mapped[uuid.UUID] = mapped_column(Uuid)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
