"""Safety (安全): what every safety list starts from — who is away today and why.

Leave (请假) is entered once, often from a grandparent's phone call, and prefills the class roll
call, the dorm headcount and the bus manifest of the days it covers.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.choices import Choice
from webapp.core.crypto import Sensitive
from webapp.core.db import Base, HasUid, Timestamped, enum_column
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys


class LeaveKind(Choice):
    SICK = "sick", _l("Sick leave")
    PERSONAL = "personal", _l("Personal leave")


class DayPart(Choice):
    """Which part of the days a leave covers: the roll call, the dorm and the bus ask."""

    WHOLE_DAY = "whole_day", _l("Whole day")
    MORNING = "morning", _l("Morning")
    AFTERNOON = "afternoon", _l("Afternoon")
    NIGHT = "night", _l("Night (dorm)")


class Leave(HasUid, TenantScoped, Timestamped, Base):
    """A leave (请假): a child away for some days, who asked, why (sealed: often health)."""

    __tablename__ = "leave"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "starts_on", "ends_on"),
        Index(None, "tenant_id", "child_id", "starts_on"),
    )

    child_id: Mapped[int]
    kind: Mapped[LeaveKind] = mapped_column(enum_column(LeaveKind))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    part: Mapped[DayPart] = mapped_column(enum_column(DayPart), default=DayPart.WHOLE_DAY)
    asked_by: Mapped[str | None] = mapped_column(String(50))  # 奶奶 (phone call)
    reason_sealed: Mapped[str | None] = mapped_column("reason", Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    cancelled_at: Mapped[datetime | None]

    reason = Sensitive("reason_sealed")

    child = relationship(
        "Child", primaryjoin=same_tenant_join("Leave", "child_id", "Child"), viewonly=True
    )
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    def covers(self, day: date) -> bool:
        return self.cancelled_at is None and self.starts_on <= day <= self.ends_on
