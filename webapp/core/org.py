"""The organisation tree and who belongs where: the kernel tenancy stands on.

Oversight units (中心校, 县教育局) form a tree; tenants (schools, village schools, kindergartens)
hang from it. A person holds roles per tenant through memberships, and oversight roles per unit.
These tables are read across tenants by design (a login lists a person's schools), so they are
not TenantScoped; everything a school records about children is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Select, String, UniqueConstraint, and_, join, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from webapp.core.choices import Choice
from webapp.core.db import Base, enum_column, utcnow
from webapp.core.permissions import Role

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


class TenantKind(Choice):
    SCHOOL = "school", _l("School")
    VILLAGE_SCHOOL = "village_school", _l("Village school")
    KINDERGARTEN = "kindergarten", _l("Kindergarten")


class UnitKind(Choice):
    TOWNSHIP = "township", _l("Township central school")
    COUNTY = "county", _l("County education bureau")
    CITY = "city", _l("City education bureau")


class OrgUnit(Base):
    """An oversight unit (中心校 / 县教育局) that sees rollups of the tenants below it."""

    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent")
    tenants: Mapped[list[Tenant]] = relationship(back_populates="org_unit")


class Tenant(Base):
    """A school, village school (村小/教学点) or kindergarten: owns its children's data."""

    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[TenantKind] = mapped_column(enum_column(TenantKind))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    org_unit: Mapped[OrgUnit | None] = relationship(back_populates="tenants")


class Membership(Base):
    """One role a person holds in one tenant; a person may hold several."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tenant: Mapped[Tenant] = relationship()


class UnitMembership(Base):
    """An oversight role a person holds in one unit."""

    __tablename__ = "unit_membership"
    __table_args__ = (UniqueConstraint("org_unit_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    org_unit: Mapped[OrgUnit] = relationship()


def roles_in_tenant(
    session: Session, user_id: int, tenant_slug: str
) -> tuple[Tenant | None, set[Role]]:
    """The tenant of that slug and the user's roles in it (no roles: not a member)."""
    rows = session.execute(
        select(Tenant, Membership.role)
        .join(Membership, Membership.tenant_id == Tenant.id)
        .where(Tenant.slug == tenant_slug, Membership.user_id == user_id, Tenant.is_active)
    ).all()
    if not rows:
        return None, set()
    return rows[0][0], {Role(role) for _, role in rows}


def with_roles_in_tenant(statement: Select, user_id: Any, tenant_slug: str) -> Select:
    """``statement`` with two more columns: the tenant of that slug and one of the user's roles
    in it, a row per role (None, None when not a member). The login of a request and its
    school then come in one query."""
    member = join(Membership, Tenant, Membership.tenant_id == Tenant.id)
    return statement.add_columns(Tenant, Membership.role).outerjoin(
        member, and_(Membership.user_id == user_id, Tenant.slug == tenant_slug, Tenant.is_active)
    )


def roles_of(rows: Iterable[Any]) -> tuple[Tenant | None, set[Role]]:
    """(tenant, roles) from rows ending in the two columns with_roles_in_tenant adds."""
    roles = {Role(row[-1]) for row in rows if row[-1] is not None}
    tenant = next((row[-2] for row in rows if row[-2] is not None), None)
    return (tenant, roles) if roles else (None, set())


def roles_in_unit(
    session: Session, user_id: int, unit_slug: str
) -> tuple[OrgUnit | None, set[Role]]:
    rows = session.execute(
        select(OrgUnit, UnitMembership.role)
        .join(UnitMembership, UnitMembership.org_unit_id == OrgUnit.id)
        .where(OrgUnit.slug == unit_slug, UnitMembership.user_id == user_id)
    ).all()
    if not rows:
        return None, set()
    return rows[0][0], {Role(role) for _, role in rows}


def places_of(session: Session, user_id: int) -> tuple[list[Tenant], list[OrgUnit]]:
    """Every tenant and unit a person belongs to, for the switcher."""
    tenants = session.scalars(
        select(Tenant)
        .join(Membership, Membership.tenant_id == Tenant.id)
        .where(Membership.user_id == user_id, Tenant.is_active)
        .distinct()
        .order_by(Tenant.name)
    ).all()
    units = session.scalars(
        select(OrgUnit)
        .join(UnitMembership, UnitMembership.org_unit_id == OrgUnit.id)
        .where(UnitMembership.user_id == user_id)
        .distinct()
        .order_by(OrgUnit.name)
    ).all()
    return list(tenants), list(units)


def tenants_below(session: Session, unit: OrgUnit) -> list[Tenant]:
    """The tenants under a unit, however deep: what its oversight pages may read."""
    parent_of = dict(session.execute(select(OrgUnit.id, OrgUnit.parent_id)).all())
    below = {unit.id}
    changed = True
    while changed:
        grown = {uid for uid, parent in parent_of.items() if parent in below} | below
        changed = grown != below
        below = grown
    return list(
        session.scalars(
            select(Tenant)
            .where(Tenant.org_unit_id.in_(below), Tenant.is_active)
            .order_by(Tenant.name)
        )
    )
