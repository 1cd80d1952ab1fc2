"""Reading grants to see names. An officer's grants live in the schools that granted them, so
reading them leaves the tenant filter and names the schools read: those below the officer's
unit, or the one school asked about. A school reads its own through the filter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from webapp.core.org import OrgUnit, Tenant, tenants_below
from webapp.core.tenancy import ALL_TENANTS
from webapp.oversight.models import GrantStatus, OversightGrant

NAMED_TENANTS = {ALL_TENANTS: True}
WAITING = GrantStatus.REQUESTED


def school_below(session: Session, unit: OrgUnit, slug: str) -> Tenant | None:
    """The school of that slug if it is below the unit; else None, as if it did not exist."""
    return next((t for t in tenants_below(session, unit) if t.slug == slug), None)


def of_user_for_school(session: Session, user_id: int, tenant_id: int) -> list[OversightGrant]:
    return list(
        session.scalars(
            select(OversightGrant)
            .where(OversightGrant.tenant_id == tenant_id, OversightGrant.user_id == user_id)
            .order_by(OversightGrant.requested_at.desc(), OversightGrant.id.desc())
            .execution_options(**NAMED_TENANTS)
        )
    )


def active_for(
    session: Session, user_id: int, tenant_id: int, now: datetime
) -> OversightGrant | None:
    return next(
        (g for g in of_user_for_school(session, user_id, tenant_id) if g.is_active(now)), None
    )


def of_user(session: Session, user_id: int, unit: OrgUnit) -> list[tuple[Tenant, OversightGrant]]:
    tenants = {t.id: t for t in tenants_below(session, unit)}
    if not tenants:
        return []
    found = session.scalars(
        select(OversightGrant)
        .where(OversightGrant.tenant_id.in_(list(tenants)), OversightGrant.user_id == user_id)
        .order_by(OversightGrant.requested_at.desc(), OversightGrant.id.desc())
        .execution_options(**NAMED_TENANTS)
    )
    return [(tenants[grant.tenant_id], grant) for grant in found]


def of_school(session: Session) -> list[OversightGrant]:
    """The grants asked of the school in scope, waiting ones first (through the tenant filter)."""
    return list(
        session.scalars(
            select(OversightGrant)
            .options(selectinload(OversightGrant.user), selectinload(OversightGrant.org_unit))
            .order_by(
                (OversightGrant.status != GrantStatus.REQUESTED),
                OversightGrant.requested_at.desc(),
                OversightGrant.id.desc(),
            )
            .limit(100)
        )
    )


def waiting_count(session: Session) -> int:
    return session.scalar(
        select(func.count(OversightGrant.id)).where(OversightGrant.status == GrantStatus.REQUESTED)
    )
