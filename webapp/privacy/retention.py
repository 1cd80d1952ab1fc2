"""Retention: the card of a child who left more than three years ago is anonymised (保存期限),
unless a hold keeps it (a dispute, a case still open). Run by ``flask retention-anonymise``.

Anonymising keeps what the school's figures need (class, sex, year of birth, care status,
the records' dates) and removes who the child and the family are: names, numbers, addresses,
health, photos. The audit row names the fields, never their values.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from webapp.children.models import Child, ChildStatusChange, StatusKind
from webapp.children.queries import LEFT_SCHOOL
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.db import utcnow
from webapp.privacy.models import ChildRetention

RETENTION_YEARS = 3
ANONYMOUS = "已匿名"
CHILD_FIELDS = (
    "id_number",
    "student_no",
    "address",
    "hukou_place",
    "chronic_illness",
    "allergies",
    "disability",
    "character",
    "interests",
    "bus_note",
)
PARENT_FIELDS = ("name", "phone", "employer", "employer_address", "employer_phone")
GUARDIAN_FIELDS = ("phone", "address", "health", "occupation")


def cutoff(today: date) -> date:
    try:
        return today.replace(year=today.year - RETENTION_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - RETENTION_YEARS, day=28)


def _retention(session: Session, child_id: int) -> ChildRetention:
    found = session.scalar(select(ChildRetention).where(ChildRetention.child_id == child_id))
    if found is None:
        found = ChildRetention(child_id=child_id)
        session.add(found)
    return found


def place_hold(session: Session, child_id: int, *, reason: str, actor_id: int | None) -> None:
    held = _retention(session, child_id)
    held.hold_reason, held.hold_by_id, held.hold_at = reason, actor_id, utcnow()
    session.flush()
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="child_retention",
        subject_id=held.id,
        child_id=child_id,
        fields=["hold"],
        reason=reason,
    )


def due(session: Session, today: date) -> list[Child]:
    """Cards of children who left before the cutoff, not on hold, not yet anonymised."""
    left_on = (
        select(ChildStatusChange.child_id, func.max(ChildStatusChange.effective_on).label("on"))
        .where(
            ChildStatusChange.kind == StatusKind.ENROLMENT,
            ChildStatusChange.to_value.in_([status.value for status in LEFT_SCHOOL]),
        )
        .group_by(ChildStatusChange.child_id)
        .subquery()
    )
    kept = select(ChildRetention.child_id).where(
        (ChildRetention.hold_reason.is_not(None)) | (ChildRetention.anonymised_at.is_not(None))
    )
    return list(
        session.scalars(
            select(Child)
            .join(left_on, left_on.c.child_id == Child.id)
            .where(
                Child.status.in_(LEFT_SCHOOL),
                left_on.c.on < cutoff(today),
                Child.id.not_in(kept),
            )
            .options(selectinload(Child.parents), selectinload(Child.guardians))
            .order_by(Child.id)
        )
    )


def anonymise(session: Session, child: Child, *, now: datetime | None = None) -> list[uuid.UUID]:
    """Remove who the child and family are; returns the photos to delete after the commit."""
    photos = [uid for uid in [child.photo_uid] if uid]
    child.name, child.name_pinyin, child.name_initials = ANONYMOUS, "", ""
    child.birth_date = child.birth_date.replace(month=1, day=1)
    for name in CHILD_FIELDS:
        setattr(child, name, None)
    for name in ("difficulty_types", "three_special", "family_types"):
        setattr(child, name, frozenset())
    child.photo_uid = None
    for parent in child.parents:
        for name in PARENT_FIELDS:
            setattr(parent, name, None)
    for guardian in child.guardians:
        photos += [guardian.photo_uid] if guardian.photo_uid else []
        guardian.name, guardian.photo_uid = ANONYMOUS, None
        for name in GUARDIAN_FIELDS:
            setattr(guardian, name, None)
    _retention(session, child.id).anonymised_at = now or utcnow()
    session.flush()
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=None,
        subject="child",
        subject_id=child.id,
        child_id=child.id,
        fields=["anonymised"],
        reason=f"retention: left more than {RETENTION_YEARS} years ago",
    )
    return photos
