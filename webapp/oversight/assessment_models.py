"""The yearly assessment (考核) of the schools below a unit: a 100-point scheme of criteria, and
each school's points per criterion with a note and its evidence.

A scheme belongs to a unit (中心校 or 县教育局) and a year. Once a school has been scored
against it, changing it makes the next version rather than rewriting what was scored.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.db import Base, utcnow
from webapp.core.tenancy import TenantScoped, tenant_fk, tenant_keys

TOTAL_POINTS = 100


class AssessmentScheme(Base):
    """One version of a unit's assessment scheme for a year (考核方案)."""

    __tablename__ = "assessment_scheme"
    __table_args__ = (UniqueConstraint("org_unit_id", "year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    year: Mapped[int]
    version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    org_unit = relationship("OrgUnit")
    created_by = relationship("User")
    criteria: Mapped[list[AssessmentCriterion]] = relationship(
        back_populates="scheme", order_by="AssessmentCriterion.position"
    )

    @property
    def total(self) -> int:
        return sum(c.max_points for c in self.criteria)


class AssessmentCriterion(Base):
    """One criterion of a scheme and the most points it gives (考核细则)."""

    __tablename__ = "assessment_criterion"
    __table_args__ = (UniqueConstraint("scheme_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("assessment_scheme.id"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    max_points: Mapped[int]

    scheme: Mapped[AssessmentScheme] = relationship(back_populates="criteria")


class AssessmentScore(TenantScoped, Base):
    """A school's points on one criterion (考核得分), with a note and the evidence for them.

    Written by the unit, kept with the school (tenant-scoped): the school reads its own sheet,
    the unit reads the schools below it by name.
    """

    __tablename__ = "assessment_score"
    __table_args__ = tenant_keys(
        tenant_fk("snapshot_id", "roster_snapshot"),
        UniqueConstraint("tenant_id", "criterion_id"),
        Index(None, "scheme_id", "tenant_id"),
    )

    scheme_id: Mapped[int] = mapped_column(ForeignKey("assessment_scheme.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("assessment_criterion.id"))
    points: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_json: Mapped[str] = mapped_column("evidence", Text, default="[]")
    snapshot_id: Mapped[int | None]  # a submitted roster snapshot given as evidence
    scored_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    scored_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    criterion: Mapped[AssessmentCriterion] = relationship()
    scored_by = relationship("User")

    @property
    def evidence(self) -> list[str]:
        """Links to the school's own pages or reports, one per entry."""
        return json.loads(self.evidence_json or "[]")
