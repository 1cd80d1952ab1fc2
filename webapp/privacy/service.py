"""Writes: naming the officer, grants and their decisions, alerts, consents. Never commits."""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from webapp.children.models import Child
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.db import utcnow
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.org import Membership
from webapp.core.tenancy import tenant_context
from webapp.privacy import queries
from webapp.privacy.models import (
    GRANT_MAX_DAYS,
    REVEALS_PER_DAY,
    AccessGrant,
    AlertKind,
    Consent,
    ConsentKind,
    ConsentMethod,
    FieldCategory,
    GrantKind,
    GrantStatus,
    PrivacyAlert,
    ProbeHit,
    ProtectionOfficer,
)

# Alerts: five "not found" answers on record addresses in ten minutes; more than forty cards in
# a day, or three times the person's own median of the last fourteen days (and at least ten);
# three failed logins in the throttle's window.
PROBE_HITS = 5
PROBE_WINDOW = timedelta(minutes=10)
CARDS_PER_DAY = 40
CARDS_MEDIAN_FACTOR = 3
CARDS_FLOOR = 10
FAILED_LOGINS = 3


class RevealLimitReached(Exception):
    """The person has revealed as many fields today as a day allows."""


# --- The officer -----------------------------------------------------------------------------


def name_officer(session: Session, user_id: int, *, actor_id: int) -> ProtectionOfficer:
    """Name (or change) the school's protection officer: one of the school's members."""
    if not queries.is_member(session, user_id):
        raise ValueError("the officer must be a member of the school")
    named = queries.officer(session)
    if named is None:
        named = ProtectionOfficer(user_id=user_id, named_by_id=actor_id)
        session.add(named)
        action = AuditAction.CREATE
    else:
        named.user_id, named.named_by_id, named.named_at = user_id, actor_id, _now()
        action = AuditAction.UPDATE
    session.flush()
    audit.record(
        session, action, actor_id=actor_id, subject="protection_officer", subject_id=named.id
    )
    return named


# --- Grants ----------------------------------------------------------------------------------


def request_grant(
    session: Session,
    *,
    user_id: int,
    kind: GrantKind,
    reason: str,
    days: int,
    class_id: int | None = None,
    category: FieldCategory | None = None,
) -> AccessGrant:
    if not 1 <= days <= GRANT_MAX_DAYS:
        raise ValueError("a grant lasts one to seven days")
    grant = AccessGrant(
        user_id=user_id,
        kind=kind,
        class_id=class_id if kind == GrantKind.CLASS else None,
        category=category if kind == GrantKind.FIELDS else None,
        reason=reason,
        days=days,
    )
    session.add(grant)
    session.flush()
    audit.record(
        session,
        AuditAction.CREATE,
        actor_id=user_id,
        subject="access_grant",
        subject_id=grant.id,
        reason=reason,
    )
    return grant


def decide_grant(
    session: Session,
    grant: AccessGrant,
    *,
    approve: bool,
    actor_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> AccessGrant:
    """The officer's answer; an approved grant runs from now for the days asked (seven at most)."""
    if grant.status != GrantStatus.PENDING:
        return grant  # a second tap changes nothing
    now = now or _now()
    grant.status = GrantStatus.APPROVED if approve else GrantStatus.REFUSED
    grant.decided_by_id, grant.decided_at, grant.decision_note = actor_id, now, note or None
    if approve:
        grant.ends_at = now + timedelta(days=min(grant.days, GRANT_MAX_DAYS))
    session.flush()
    audit.record(
        session,
        AuditAction.DECIDE,
        actor_id=actor_id,
        subject="access_grant",
        subject_id=grant.id,
        fields=[grant.status.value],
        reason=note or None,
    )
    return grant


def record_grant_uses(
    session: Session, uses: set[tuple[int, int | None]], *, actor_id: int
) -> None:
    """Every look a grant let through, one row per grant and child."""
    for grant_id, child_id in sorted(uses, key=lambda use: (use[0], use[1] or 0)):
        audit.record(
            session,
            AuditAction.GRANT_USE,
            actor_id=actor_id,
            subject="access_grant",
            subject_id=grant_id,
            child_id=child_id,
        )
    session.flush()


# --- Reveals ---------------------------------------------------------------------------------


def check_reveal_allowed(session: Session, user_id: int, now: datetime | None = None) -> None:
    """Refuse the 31st reveal of a day, and tell the officer (once a day)."""
    now = now or _now()
    day = now.astimezone(SCHOOL_TIMEZONE).date()
    done = queries.reveals_on(session, user_id, day)
    if done >= REVEALS_PER_DAY:
        raise_alert(session, AlertKind.REVEAL_CAP, user_id, day, count=done + 1, now=now)
        raise RevealLimitReached


# --- Alerts ----------------------------------------------------------------------------------


def raise_alert(
    session: Session,
    kind: AlertKind,
    user_id: int,
    day: date,
    *,
    count: int,
    now: datetime | None = None,
) -> PrivacyAlert:
    """One alert per person, kind and day; a later trigger updates its count."""
    found = session.scalar(
        select(PrivacyAlert).where(
            PrivacyAlert.kind == kind, PrivacyAlert.user_id == user_id, PrivacyAlert.day == day
        )
    )
    if found is None:
        found = PrivacyAlert(kind=kind, user_id=user_id, day=day, count=count, at=now or _now())
        session.add(found)
    elif count > found.count:
        found.count, found.at = count, now or _now()
    session.flush()
    return found


def note_card_view(session: Session, user_id: int, now: datetime | None = None) -> None:
    """After a card is opened: an alert if this person opens an unusual number today."""
    now = now or _now()
    day = now.astimezone(SCHOOL_TIMEZONE).date()
    opened = queries.cards_opened_on(session, user_id, day)
    if opened < CARDS_FLOOR:
        return
    unusual = opened > CARDS_PER_DAY
    if not unusual:
        per_day = queries.cards_opened_per_day(
            session, user_id, day - timedelta(days=14), day - timedelta(days=1)
        )
        days = [per_day.get(day - timedelta(days=n), 0) for n in range(1, 15)]
        median = statistics.median(days)
        unusual = median > 0 and opened > CARDS_MEDIAN_FACTOR * median
    if unusual:
        raise_alert(session, AlertKind.MANY_CARDS, user_id, day, count=opened, now=now)


def note_not_found(
    session: Session, user_id: int, tenant_ids: list[int], now: datetime | None = None
) -> bool:
    """A "not found" on a record address; five in ten minutes alert these schools' officers."""
    now = now or _now()
    session.add(ProbeHit(user_id=user_id, at=now))
    session.execute(
        delete(ProbeHit).where(ProbeHit.user_id == user_id, ProbeHit.at < now - PROBE_WINDOW)
    )
    session.flush()
    hits = session.scalar(
        select(func.count(ProbeHit.id)).where(
            ProbeHit.user_id == user_id, ProbeHit.at >= now - PROBE_WINDOW
        )
    )
    if hits < PROBE_HITS:
        return False
    day = now.astimezone(SCHOOL_TIMEZONE).date()
    for tenant_id in tenant_ids:
        with tenant_context(session, tenant_id):
            raise_alert(session, AlertKind.PROBING, user_id, day, count=hits, now=now)
    return True


def tenants_of(session: Session, user_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Membership.tenant_id).where(Membership.user_id == user_id).distinct()
        )
    )


def mark_alert_seen(session: Session, alert: PrivacyAlert, *, actor_id: int) -> None:
    if alert.seen_at is None:
        alert.seen_at, alert.seen_by_id = _now(), actor_id
        session.flush()


# --- Consents --------------------------------------------------------------------------------


def record_consent(
    session: Session,
    child_id: int,
    *,
    kind: ConsentKind,
    given_by: str,
    given_on: date,
    method: ConsentMethod,
    form_reference: str | None,
    actor_id: int | None,
) -> Consent:
    """A guardian's consent; one already in force for the same use is kept, not doubled."""
    current = session.scalar(
        select(Consent).where(
            Consent.child_id == child_id, Consent.kind == kind, Consent.withdrawn_on.is_(None)
        )
    )
    if current is not None:
        return current
    consent = Consent(
        child_id=child_id,
        kind=kind,
        given_by=given_by,
        given_on=given_on,
        method=method,
        form_reference=form_reference or None,
        recorded_by_id=actor_id,
    )
    session.add(consent)
    session.flush()
    audit.record(
        session,
        AuditAction.CREATE,
        actor_id=actor_id,
        subject="consent",
        subject_id=consent.id,
        child_id=child_id,
        fields=[kind.value],
    )
    return consent


def withdraw_consent(
    session: Session, consent: Consent, *, withdrawn_by: str, on: date, actor_id: int | None
) -> Consent:
    if consent.withdrawn_on is not None:
        return consent
    consent.withdrawn_on, consent.withdrawn_by = on, withdrawn_by
    consent.withdrawn_recorded_by_id = actor_id
    session.flush()
    audit.record(
        session,
        AuditAction.WITHDRAW,
        actor_id=actor_id,
        subject="consent",
        subject_id=consent.id,
        child_id=consent.child_id,
        fields=[consent.kind.value],
    )
    return consent


def _now() -> datetime:
    return utcnow()


def record_guardian_export(
    session: Session,
    child: Child,
    *,
    actor_id: int,
    reference: str,
    requester: str,
    note: str | None,
    tables: list[str],
) -> None:
    """A copy of the child's records handed to a guardian: a disclosure, logged as one."""
    reason = f"guardian request {reference}: {requester}" + (f" ({note})" if note else "")
    audit.record(
        session,
        AuditAction.EXPORT,
        actor_id=actor_id,
        subject="guardian_request",
        subject_id=child.id,
        child_id=child.id,
        fields=tables,
        reason=reason,
    )
    session.flush()
