"""Grants that let one oversight officer see one school's children's names for a few days."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.choices import Choice
from webapp.core.db import Base, enum_column, utcnow
from webapp.core.tenancy import TenantScoped, tenant_keys

MAX_GRANT_DAYS = 7


class GrantStatus(Choice):
    REQUESTED = "requested", _l("Waiting for the principal")
    APPROVED = "approved", _l("Approved")
    REFUSED = "refused", _l("Refused")


class OversightGrant(TenantScoped, Base):
    """A grant to see names (查看姓名授权): asked by an oversight officer with a reason,
    decided by the school's principal, for at most seven days from the approval; it ends by
    itself. The school owns the row, so it sits in the school's records and audit log."""

    __tablename__ = "oversight_grant"
    __table_args__ = tenant_keys(Index(None, "tenant_id", "user_id", "status"))

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    reason: Mapped[str] = mapped_column(Text)
    days: Mapped[int]
    status: Mapped[GrantStatus] = mapped_column(
        enum_column(GrantStatus), default=GrantStatus.REQUESTED
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]

    user = relationship("User", foreign_keys=[user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    org_unit = relationship("OrgUnit")

    def is_active(self, now: datetime) -> bool:
        return (
            self.status == GrantStatus.APPROVED
            and self.ends_at is not None
            and self.decided_at is not None
            and self.decided_at <= now < self.ends_at
        )

    def is_expired(self, now: datetime) -> bool:
        return (
            self.status == GrantStatus.APPROVED and self.ends_at is not None and now >= self.ends_at
        )

    @staticmethod
    def length(days: int) -> timedelta:
        return timedelta(days=min(days, MAX_GRANT_DAYS))
