"""Writing grants to see names: the request, the principal's decision, and the audit row of each
view under a grant. The school owns its grants and its audit log, so every write here works for
that one school, bound explicitly; each takes plain values, flushes, writes its audit row and
returns, and the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.tenancy import tenant_context
from webapp.oversight.models import MAX_GRANT_DAYS, GrantStatus, OversightGrant

SUBJECT = "oversight_grant"


class GrantNotWaiting(Exception):
    """The grant was decided already (by someone else, or by a double tap)."""


def request_grant(
    session: Session,
    *,
    tenant_id: int,
    unit_id: int,
    user_id: int,
    reason: str,
    days: int,
    now: datetime,
) -> OversightGrant:
    """Ask the school for its names. A second request while one waits is the same request."""
    if not 1 <= days <= MAX_GRANT_DAYS:
        raise ValueError("a grant lasts one to seven days")
    with tenant_context(session, tenant_id):
        waiting = session.scalar(
            select(OversightGrant).where(
                OversightGrant.user_id == user_id,
                OversightGrant.status == GrantStatus.REQUESTED,
            )
        )
        if waiting is not None:
            return waiting
        grant = OversightGrant(
            user_id=user_id,
            org_unit_id=unit_id,
            reason=reason,
            days=days,
            requested_at=now,
        )
        session.add(grant)
        session.flush()
        audit.record(
            session,
            AuditAction.CREATE,
            actor_id=user_id,
            subject=SUBJECT,
            subject_id=grant.id,
            fields=["reason", "days"],
            reason=reason,
        )
    return grant


def decide_grant(
    session: Session, grant: OversightGrant, *, approve: bool, decided_by_id: int, now: datetime
) -> OversightGrant:
    """The principal's answer, in the school's own session. Approved, the grant runs from now
    for the days asked, at most seven, and then ends by itself."""
    if grant.status != GrantStatus.REQUESTED:
        raise GrantNotWaiting
    grant.status = GrantStatus.APPROVED if approve else GrantStatus.REFUSED
    grant.decided_by_id = decided_by_id
    grant.decided_at = now
    grant.ends_at = now + OversightGrant.length(grant.days) if approve else None
    session.flush()
    audit.record(
        session,
        AuditAction.STATUS,
        actor_id=decided_by_id,
        subject=SUBJECT,
        subject_id=grant.id,
        fields=["status"],
        reason=grant.reason,
    )
    return grant


def record_names_view(session: Session, grant: OversightGrant, *, viewer_id: int) -> None:
    """Every page of names seen under a grant is written to the school's audit log."""
    with tenant_context(session, grant.tenant_id):
        audit.record(
            session,
            AuditAction.VIEW,
            actor_id=viewer_id,
            subject=SUBJECT,
            subject_id=grant.id,
            reason=grant.reason,
        )
