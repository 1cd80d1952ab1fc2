"""The visit plan: the children a teacher means to visit at home on a day (家访计划). The
home-visit pack takes the day's plan; a plan holds no more than who and when."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.db import Base, Timestamped
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys


class PlannedVisit(TenantScoped, Timestamped, Base):
    """One child marked "to visit" by one person for one day."""

    __tablename__ = "planned_visit"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        UniqueConstraint("tenant_id", "user_id", "day", "child_id"),
        Index(None, "tenant_id", "child_id", "day"),
    )

    child_id: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    day: Mapped[date]

    child = relationship(
        "Child", primaryjoin=same_tenant_join("PlannedVisit", "child_id", "Child"), viewonly=True
    )
