"""Figures across the tenants below an oversight unit. The only reads that leave the tenant
filter, and each names the tenants it reads."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.children.models import Child, ChildStatus
from webapp.core.tenancy import ALL_TENANTS

SMALL_CELL = 5


def children_per_tenant(session: Session, tenant_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Child.tenant_id, func.count())
        .where(Child.tenant_id.in_(tenant_ids), Child.status == ChildStatus.ACTIVE)
        .group_by(Child.tenant_id)
        .execution_options(**{ALL_TENANTS: True})
    )
    return dict(rows.all())


def suppress_small(count: int) -> str:
    """A count small enough to point at a child is shown as "<5"."""
    return f"<{SMALL_CELL}" if count < SMALL_CELL else str(count)
