"""Pairings: who looks after which child (代理家长, 爱心妈妈, 学习帮手)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.choices import Choice
from webapp.core.db import Base, Timestamped, enum_column
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys


class PairingKind(Choice):
    PROXY_PARENT = "proxy_parent", _l("Proxy parent")
    VOLUNTEER = "volunteer", _l("Community volunteer")
    STUDENT_HELPER = "student_helper", _l("Study buddy")


class Pairing(TenantScoped, Timestamped, Base):
    """A pairing (结对): a staff member, volunteer or fellow pupil looking after one child."""

    __tablename__ = "pairing"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        tenant_fk("helper_child_id", "child"),
        Index(None, "tenant_id", "user_id", "ended_on"),
        Index(None, "tenant_id", "child_id", "ended_on"),
    )

    child_id: Mapped[int]
    kind: Mapped[PairingKind] = mapped_column(enum_column(PairingKind))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    helper_child_id: Mapped[int | None]
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    child = relationship(
        "Child", primaryjoin=same_tenant_join("Pairing", "child_id", "Child"), viewonly=True
    )
    user = relationship("User", foreign_keys=[user_id])

    @property
    def is_active(self) -> bool:
        return self.ended_on is None
