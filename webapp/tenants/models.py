"""A school's calendar: school years and terms (most duties count per term)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.db import Base, Timestamped
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys


class SchoolYear(TenantScoped, Timestamped, Base):
    """A school year (学年), e.g. 2026—2027学年."""

    __tablename__ = "school_year"
    __table_args__ = tenant_keys(UniqueConstraint("tenant_id", "name"))

    name: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    terms: Mapped[list[Term]] = relationship(
        primaryjoin=same_tenant_join("Term", "school_year_id", "SchoolYear"),
        back_populates="school_year",
        order_by="Term.number",
    )


class Term(TenantScoped, Timestamped, Base):
    """A term (学期) of a school year."""

    __tablename__ = "term"
    __table_args__ = tenant_keys(
        tenant_fk("school_year_id", "school_year"),
        UniqueConstraint("tenant_id", "school_year_id", "number"),
    )

    school_year_id: Mapped[int]
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    school_year: Mapped[SchoolYear] = relationship(
        primaryjoin=same_tenant_join("Term", "school_year_id", "SchoolYear"),
        back_populates="terms",
    )

    @property
    def full_name(self) -> str:
        return f"{self.school_year.name}{self.name}"
