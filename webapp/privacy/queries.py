"""Reads: the officer, the grants in force, alerts, consents, today's counts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session, selectinload

from webapp.auth.models import User
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.db import utcnow
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.org import Membership
from webapp.core.permissions import Role
from webapp.core.tenancy import current_tenant_id
from webapp.privacy.models import (
    AccessGrant,
    Consent,
    ConsentKind,
    FieldCategory,
    GrantKind,
    GrantStatus,
    PrivacyAlert,
    ProtectionOfficer,
)

# Which sensitive fields (children.disclosure names them subject.attribute) each category holds.
CATEGORY_FIELDS: dict[FieldCategory, frozenset[str]] = {
    FieldCategory.IDENTITY: frozenset({"child.id_number", "child.student_no", "child.hukou_place"}),
    FieldCategory.CONTACT: frozenset(
        {
            "child.address",
            "parent.phone",
            "parent.employer",
            "parent.employer_address",
            "parent.employer_phone",
            "guardian.phone",
            "guardian.address",
        }
    ),
    FieldCategory.HEALTH: frozenset(
        {"child.allergies", "child.chronic_illness", "child.disability", "guardian.health"}
    ),
    FieldCategory.CIRCUMSTANCES: frozenset(
        {"child.difficulty_types", "child.three_special", "child.family_types"}
    ),
}


def category_of(subject: str, attribute: str) -> FieldCategory | None:
    name = f"{subject}.{attribute}"
    return next((c for c, names in CATEGORY_FIELDS.items() if name in names), None)


NO_OFFICER_MESSAGE = _l(
    "No child can be entered until the school has named its children's-data protection "
    "officer (儿童个人信息保护负责人). The principal names them on the Data protection page."
)


class NoProtectionOfficer(Exception):
    """A child was about to be entered in a school that has named no protection officer."""

    message = NO_OFFICER_MESSAGE


def require_officer(session: Session) -> None:
    """The wall every way of entering a child passes (form, import, transfer in)."""
    if officer(session) is None:
        raise NoProtectionOfficer


def officer(session: Session) -> ProtectionOfficer | None:
    return session.scalar(
        select(ProtectionOfficer).options(selectinload(ProtectionOfficer.user)).limit(1)
    )


def officer_user_id(session: Session) -> int | None:
    return session.scalar(select(ProtectionOfficer.user_id).limit(1))


def is_officer(session: Session, user_id: int) -> bool:
    return officer_user_id(session) == user_id


def members(session: Session) -> list[User]:
    """Everyone who holds a role in the current school, by name."""
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == current_tenant_id(session), User.is_active)
            .distinct()
            .order_by(User.name)
        )
    )


def is_member(session: Session, user_id: int) -> bool:
    return (
        session.scalar(
            select(Membership.id)
            .where(
                Membership.tenant_id == current_tenant_id(session), Membership.user_id == user_id
            )
            .limit(1)
        )
        is not None
    )


def _in_force(user_id: int, now: datetime) -> Select:
    return select(AccessGrant).where(
        AccessGrant.user_id == user_id,
        AccessGrant.status == GrantStatus.APPROVED,
        AccessGrant.decided_at <= now,
        AccessGrant.ends_at > now,
    )


def granted_class_ids(user_id: int, now: datetime) -> Select:
    """The classes a grant in force opens to this person (a subquery)."""
    return (
        _in_force(user_id, now)
        .where(AccessGrant.kind == GrantKind.CLASS)
        .with_only_columns(AccessGrant.class_id)
    )


def class_grant(
    session: Session, user_id: int, class_id: int | None, now: datetime
) -> AccessGrant | None:
    if class_id is None:
        return None
    return session.scalar(
        _in_force(user_id, now)
        .where(AccessGrant.kind == GrantKind.CLASS, AccessGrant.class_id == class_id)
        .limit(1)
    )


def field_grant(
    session: Session, user_id: int, category: FieldCategory | None, now: datetime
) -> AccessGrant | None:
    if category is None:
        return None
    return session.scalar(
        _in_force(user_id, now)
        .where(AccessGrant.kind == GrantKind.FIELDS, AccessGrant.category == category)
        .limit(1)
    )


def grants_of(session: Session, user_id: int) -> list[AccessGrant]:
    return list(
        session.scalars(
            select(AccessGrant)
            .where(AccessGrant.user_id == user_id)
            .options(selectinload(AccessGrant.school_class))
            .order_by(AccessGrant.requested_at.desc())
            .limit(30)
        )
    )


def waiting_grants(session: Session) -> list[AccessGrant]:
    return list(
        session.scalars(
            select(AccessGrant)
            .where(AccessGrant.status == GrantStatus.PENDING)
            .options(selectinload(AccessGrant.user), selectinload(AccessGrant.school_class))
            .order_by(AccessGrant.requested_at)
        )
    )


def grants_in_force(session: Session, now: datetime) -> list[AccessGrant]:
    return list(
        session.scalars(
            select(AccessGrant)
            .where(
                AccessGrant.status == GrantStatus.APPROVED,
                AccessGrant.decided_at <= now,
                AccessGrant.ends_at > now,
            )
            .options(selectinload(AccessGrant.user), selectinload(AccessGrant.school_class))
            .order_by(AccessGrant.ends_at)
        )
    )


def unseen_alerts(session: Session, limit: int = 50) -> list[PrivacyAlert]:
    return list(
        session.scalars(
            select(PrivacyAlert)
            .where(PrivacyAlert.seen_at.is_(None))
            .options(selectinload(PrivacyAlert.user))
            .order_by(PrivacyAlert.at.desc())
            .limit(limit)
        )
    )


def local_day_start(day: date) -> datetime:
    """The instant a school day begins (midnight in China), as an aware datetime."""
    return datetime.combine(day, time(), SCHOOL_TIMEZONE)


def reveals_on(session: Session, user_id: int, day: date) -> int:
    start = local_day_start(day)
    return session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.actor_id == user_id,
            AuditEvent.action == AuditAction.REVEAL,
            AuditEvent.at >= start,
            AuditEvent.at < start + timedelta(days=1),
        )
    )


def cards_opened_per_day(session: Session, user_id: int, first: date, last: date) -> dict:
    """Distinct children whose card this person opened, per school day from first to last."""
    start, end = local_day_start(first), local_day_start(last) + timedelta(days=1)
    rows = session.execute(
        select(AuditEvent.at, AuditEvent.child_id).where(
            AuditEvent.actor_id == user_id,
            AuditEvent.action == AuditAction.VIEW,
            AuditEvent.at >= start,
            AuditEvent.at < end,
        )
    ).all()
    seen: dict[date, set[int]] = {}
    for at, child_id in rows:
        seen.setdefault(at.astimezone(SCHOOL_TIMEZONE).date(), set()).add(child_id)
    return {day: len(children) for day, children in seen.items()}


def cards_opened_on(session: Session, user_id: int, day: date) -> int:
    start = local_day_start(day)
    return session.scalar(
        select(func.count(distinct(AuditEvent.child_id))).where(
            AuditEvent.actor_id == user_id,
            AuditEvent.action == AuditAction.VIEW,
            AuditEvent.at >= start,
            AuditEvent.at < start + timedelta(days=1),
        )
    )


def consents_of(session: Session, child_id: int) -> list[Consent]:
    """Every consent recorded for the child, in force first, newest first."""
    return list(
        session.scalars(
            select(Consent)
            .where(Consent.child_id == child_id)
            .order_by(Consent.withdrawn_on.is_not(None), Consent.given_on.desc(), Consent.id.desc())
        )
    )


def has_consent(session: Session, child_id: int, kind: ConsentKind) -> bool:
    return (
        session.scalar(
            select(Consent.id)
            .where(
                Consent.child_id == child_id, Consent.kind == kind, Consent.withdrawn_on.is_(None)
            )
            .limit(1)
        )
        is not None
    )


def without_consent(session: Session, child_ids: list[int], kind: ConsentKind) -> set[int]:
    """Those of these children with no consent of this kind in force."""
    if not child_ids:
        return set()
    given = set(
        session.scalars(
            select(Consent.child_id).where(
                Consent.child_id.in_(child_ids),
                Consent.kind == kind,
                Consent.withdrawn_on.is_(None),
            )
        )
    )
    return set(child_ids) - given


def consents_in_force(session: Session, child_id: int) -> list[Consent]:
    return [c for c in consents_of(session, child_id) if c.is_active]


def family_withheld(
    session: Session, child_id: int, *, full_card: bool, roles: frozenset[Role]
) -> bool:
    """A volunteer sees the child's family only with the guardian's consent to share it."""
    volunteer_only = Role.VOLUNTEER in roles and not (roles - {Role.VOLUNTEER})
    if not volunteer_only or full_card:
        return False
    return not has_consent(session, child_id, ConsentKind.VOLUNTEERS)


def granted_field_names(session: Session, user_id: int) -> frozenset[str]:
    """The sensitive fields (subject.attribute) a field grant in force opens to this person."""
    now = utcnow()
    categories = session.scalars(
        _in_force(user_id, now)
        .where(AccessGrant.kind == GrantKind.FIELDS)
        .with_only_columns(AccessGrant.category)
    ).all()
    return frozenset(name for c in categories for name in CATEGORY_FIELDS.get(c, ()))
