"""Writes of care work. Each takes plain values, flushes, writes its audit row, never commits.

Creating is idempotent: the form's UUID becomes the record's uid, so a double tap, a retry or
an offline replay returns the record made the first time instead of a second one. A record can
be edited by its author during the grace period; after that it is read-only and a correction is
an amendment, a record of its own that points at the original.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.care.models import (
    ActivityParticipant,
    ActivityTheme,
    AlertKind,
    CareActivity,
    CareAlert,
    CareKind,
    CarePhoto,
    CareRecord,
    DutyCadence,
    DutyKey,
    Mood,
    Pairing,
    PairingKind,
    Period,
)
from webapp.children.models import Child, SchoolClass
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.db import utcnow
from webapp.core.files import store_photo
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.org import Membership
from webapp.core.permissions import Role

EDIT_GRACE = timedelta(hours=24)
# Low moods or concerns this often within the window reach the counsellor.
REPEAT_COUNT = 2
REPEAT_WINDOW = timedelta(days=30)
LOW_MOOD = frozenset({Mood.VERY_LOW, Mood.LOW})

# The columns a care form may set; everything else (who, which child, when recorded) is the
# service's business.
RECORD_FIELDS = frozenset(
    {
        "channel",
        "direction",
        "parent_id",
        "guardian_id",
        "minutes",
        "topics",
        "mood",
        "concern",
        "notes",
        "details",
        "follow_up",
        "follow_up_due",
    }
)


class UidTaken(ValueError):
    """The form's uid already belongs to a record of another child or kind."""


class ReadOnlyRecord(ValueError):
    """The grace period is over, or the editor is not the author: amend instead."""


class NotAnOriginal(ValueError):
    """An amendment is amended through its original, so the corrections stay in one list."""


def happened_at_for(day: date, now: datetime | None = None) -> datetime:
    """When something happened on a day the user picked: now, if it is today; else noon."""
    now = now or utcnow()
    local_now = now.astimezone(SCHOOL_TIMEZONE)
    if day == local_now.date():
        return now
    return datetime.combine(day, time(12, 0), tzinfo=SCHOOL_TIMEZONE)


def find_by_uid(session: Session, uid: uuid.UUID) -> CareRecord | None:
    return session.scalar(select(CareRecord).where(CareRecord.uid == uid))


@dataclass(frozen=True)
class Saved:
    record: CareRecord
    created: bool  # False: the same form was sent again and found its record


def record_care(
    session: Session,
    *,
    uid: uuid.UUID,
    child: Child,
    kind: CareKind,
    author_id: int | None,
    happened_on: date,
    group_uid: uuid.UUID | None = None,
    amends: CareRecord | None = None,
    now: datetime | None = None,
    **values: Any,
) -> Saved:
    """One care record, once. A second call with the same uid returns the first record."""
    existing = find_by_uid(session, uid)
    if existing is not None:
        return Saved(_same_entry(existing, child, kind), created=False)
    unknown = set(values) - RECORD_FIELDS
    if unknown:
        raise TypeError(f"not a care record field: {sorted(unknown)}")
    record = CareRecord(
        uid=uid,
        child_id=child.id,
        kind=kind,
        author_id=author_id,
        happened_on=happened_on,
        happened_at=happened_at_for(happened_on, now),
        group_uid=group_uid,
        amends_id=amends.id if amends is not None else None,
    )
    for name, value in values.items():
        setattr(record, name, value)
    try:
        # Two requests with the same uid at once meet at the unique key: the loser returns
        # the winner's record instead of an error.
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        existing = find_by_uid(session, uid)
        if existing is None:
            raise
        return Saved(_same_entry(existing, child, kind), created=False)
    audit.record(
        session,
        AuditAction.CREATE if amends is None else AuditAction.UPDATE,
        actor_id=author_id,
        subject="care_record",
        subject_id=record.id,
        child_id=child.id,
        fields=[kind.value] if amends is None else ["amendment"],
    )
    if kind == CareKind.TALK and amends is None:
        _raise_alerts(session, record, child)
    session.flush()
    return Saved(record, created=True)


def _same_entry(existing: CareRecord, child: Child, kind: CareKind) -> CareRecord:
    """A uid sent again names the record it made; sent with another child or kind it is a form
    reused by mistake (or a guess), and finds nothing."""
    if existing.child_id != child.id or existing.kind != kind:
        raise UidTaken()
    return existing


def group_member_uid(group_uid: uuid.UUID, child_id: int) -> uuid.UUID:
    """Each child's record of a group entry has its own uid, the same on every replay."""
    return uuid.uuid5(group_uid, str(child_id))


def record_group(
    session: Session,
    *,
    group_uid: uuid.UUID,
    children: Iterable[Child],
    kind: CareKind,
    author_id: int | None,
    happened_on: date,
    **values: Any,
) -> list[Saved]:
    """One entry for several children writes one record each (a group talk)."""
    return [
        record_care(
            session,
            uid=group_member_uid(group_uid, child.id),
            child=child,
            kind=kind,
            author_id=author_id,
            happened_on=happened_on,
            group_uid=group_uid,
            **values,
        )
        for child in children
    ]


def editable_until(record: CareRecord) -> datetime:
    return record.created_at + EDIT_GRACE


def may_edit(record: CareRecord, user_id: int, now: datetime | None = None) -> bool:
    return record.author_id == user_id and (now or utcnow()) < editable_until(record)


def edit_record(
    session: Session,
    record: CareRecord,
    *,
    actor_id: int,
    happened_on: date | None = None,
    now: datetime | None = None,
    **values: Any,
) -> list[str]:
    """Change a record in its grace period, by its author; the changed fields are logged."""
    if not may_edit(record, actor_id, now):
        raise ReadOnlyRecord()
    unknown = set(values) - RECORD_FIELDS
    if unknown:
        raise TypeError(f"not a care record field: {sorted(unknown)}")
    if happened_on is not None and happened_on != record.happened_on:
        record.happened_on = happened_on
        record.happened_at = happened_at_for(happened_on, now)
    for name, value in values.items():
        setattr(record, name, value)
    changed = audit.changed_fields(record)
    if changed:
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=actor_id,
            subject="care_record",
            subject_id=record.id,
            child_id=record.child_id,
            fields=changed,
        )
    session.flush()
    return changed


def amend_record(
    session: Session,
    original: CareRecord,
    *,
    uid: uuid.UUID,
    actor_id: int,
    child: Child,
    reason: str,
    **values: Any,
) -> Saved:
    """A correction after the grace period: a new record beside the original, with its own
    time. It holds the record as it should read, and why it was corrected."""
    if original.amends_id is not None:
        raise NotAnOriginal()
    saved = record_care(
        session,
        uid=uid,
        child=child,
        kind=original.kind,
        author_id=actor_id,
        happened_on=values.pop("happened_on", original.happened_on),
        amends=original,
        **values,
    )
    if saved.created:
        saved.record.amend_reason = reason
        session.flush()
    return saved


def amendments_of(session: Session, record_ids: list[int]) -> dict[int, list[CareRecord]]:
    if not record_ids:
        return {}
    rows = session.scalars(
        select(CareRecord)
        .where(CareRecord.amends_id.in_(record_ids))
        .order_by(CareRecord.created_at, CareRecord.id)
    )
    found: dict[int, list[CareRecord]] = {}
    for row in rows:
        found.setdefault(row.amends_id, []).append(row)
    return found


def close_follow_up(session: Session, record: CareRecord, *, actor_id: int, on: date) -> None:
    """A follow-up done (or a wish fulfilled): not an edit of the record, so always allowed."""
    if record.follow_up_done_on is not None:
        return
    record.follow_up_done_on = on
    record.follow_up_done_by_id = actor_id
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="care_record",
        subject_id=record.id,
        child_id=record.child_id,
        fields=["follow_up_done_on"],
    )
    session.flush()


def add_photo(session: Session, record: CareRecord, data: bytes, *, actor_id: int) -> CarePhoto:
    """A photo of a home visit: shrunk, stripped of EXIF and GPS, sealed (core.files)."""
    photo = CarePhoto(
        record_id=record.id,
        photo_uid=store_photo(record.tenant_id, data),
        added_by_id=actor_id,
    )
    session.add(photo)
    session.flush()
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="care_record",
        subject_id=record.id,
        child_id=record.child_id,
        fields=["photo"],
    )
    return photo


# Care activities -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedActivity:
    activity: CareActivity
    created: bool  # False: the same form was sent again and found its activity


def find_activity_by_uid(session: Session, uid: uuid.UUID) -> CareActivity | None:
    return session.scalar(select(CareActivity).where(CareActivity.uid == uid))


def record_activity(
    session: Session,
    *,
    uid: uuid.UUID,
    title: str,
    theme: ActivityTheme,
    happened_on: date,
    place: str | None,
    summary: str | None,
    class_id: int | None,
    organiser_id: int | None,
    child_ids: Iterable[int],
) -> SavedActivity:
    """A care activity and the children who took part, once: a replay finds the first."""
    existing = find_activity_by_uid(session, uid)
    if existing is not None:
        return SavedActivity(existing, created=False)
    activity = CareActivity(
        uid=uid,
        title=title,
        theme=theme,
        happened_on=happened_on,
        place=place,
        summary=summary,
        class_id=class_id,
        organiser_id=organiser_id,
    )
    try:
        with session.begin_nested():  # as record_care: two at once meet at the unique key
            session.add(activity)
            session.flush()
    except IntegrityError:
        existing = find_activity_by_uid(session, uid)
        if existing is None:
            raise
        return SavedActivity(existing, created=False)
    for child_id in sorted(set(child_ids)):
        session.add(ActivityParticipant(activity_id=activity.id, child_id=child_id))
        audit.record(
            session,
            AuditAction.CREATE,
            actor_id=organiser_id,
            subject="care_activity",
            subject_id=activity.id,
            child_id=child_id,
            fields=["activity"],
        )
    session.flush()
    return SavedActivity(activity, created=True)


def add_activity_photo(
    session: Session, activity: CareActivity, data: bytes, *, actor_id: int
) -> CarePhoto:
    """A photo of an activity: shrunk, stripped of EXIF and GPS, sealed (core.files)."""
    photo = CarePhoto(
        activity_id=activity.id,
        photo_uid=store_photo(activity.tenant_id, data),
        added_by_id=actor_id,
    )
    session.add(photo)
    session.flush()
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="care_activity",
        subject_id=activity.id,
        fields=["photo"],
    )
    return photo


def _class_teacher_id(session: Session, child: Child) -> int | None:
    if child.class_id is None:
        return None
    return session.scalar(select(SchoolClass.teacher_id).where(SchoolClass.id == child.class_id))


def _counsellor_ids(session: Session, tenant_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Membership.user_id).where(
                Membership.tenant_id == tenant_id, Membership.role == Role.COUNSELLOR
            )
        )
    )


def _raise_alerts(session: Session, talk: CareRecord, child: Child) -> None:
    """A concern reaches the class teacher and the counsellors; low moods or concerns that
    repeat within a month reach the counsellors."""
    counsellors = _counsellor_ids(session, talk.tenant_id)
    recipients: dict[AlertKind, set[int]] = {}
    if talk.concern:
        teacher_id = _class_teacher_id(session, child)
        recipients[AlertKind.CONCERN] = {*counsellors, *([teacher_id] if teacher_id else [])}
    if talk.concern or talk.mood in LOW_MOOD:
        since = talk.happened_on - REPEAT_WINDOW
        worrying = session.scalar(
            select(func.count())
            .select_from(CareRecord)
            .where(
                CareRecord.child_id == child.id,
                CareRecord.kind == CareKind.TALK,
                CareRecord.amends_id.is_(None),
                CareRecord.happened_on >= since,
                CareRecord.concern | CareRecord.mood.in_(LOW_MOOD),
            )
        )
        if (worrying or 0) >= REPEAT_COUNT:
            recipients[AlertKind.LOW_MOOD] = set(counsellors)
    for kind, people in recipients.items():
        for recipient_id in people - {talk.author_id}:  # nobody is alerted to their own talk
            session.add(
                CareAlert(
                    child_id=child.id, record_id=talk.id, kind=kind, recipient_id=recipient_id
                )
            )


def record_opened(
    session: Session, *, child_id: int, subject: str, subject_id: int, actor_id: int
) -> None:
    """Opening a restricted record (counselling, an individual plan) is a disclosure: logged."""
    audit.record(
        session,
        AuditAction.VIEW,
        actor_id=actor_id,
        subject=subject,
        subject_id=subject_id,
        child_id=child_id,
    )
    session.flush()


def acknowledge_alert(session: Session, alert: CareAlert) -> None:
    if alert.acknowledged_at is None:
        alert.acknowledged_at = utcnow()
        session.flush()


# Pairings ------------------------------------------------------------------------------------


class AlreadyPaired(ValueError):
    """This person already looks after this child in this way."""


def _lock_pairings_of(session: Session, child: Child) -> None:
    """Two taps at once wait for each other here (PostgreSQL; SQLite writers queue anyway), so
    the second one sees the first one's pairing."""
    session.execute(select(Child.id).where(Child.id == child.id).with_for_update())


def pair(
    session: Session,
    child: Child,
    *,
    kind: PairingKind,
    user_id: int | None = None,
    helper_child_id: int | None = None,
    started_on: date,
    actor_id: int | None,
) -> Pairing:
    """A proxy parent, volunteer or study buddy for a child; history is kept by ending."""
    active = select(Pairing.id).where(
        Pairing.child_id == child.id,
        Pairing.kind == kind,
        Pairing.ended_on.is_(None),
        Pairing.user_id == user_id
        if user_id is not None
        else Pairing.helper_child_id == helper_child_id,
    )
    _lock_pairings_of(session, child)
    if session.scalar(active) is not None:
        raise AlreadyPaired()
    pairing = Pairing(
        child_id=child.id,
        kind=kind,
        user_id=user_id,
        helper_child_id=helper_child_id,
        started_on=started_on,
        created_by_id=actor_id,
    )
    session.add(pairing)
    session.flush()
    audit.record(
        session,
        AuditAction.CREATE,
        actor_id=actor_id,
        subject="pairing",
        subject_id=pairing.id,
        child_id=child.id,
        fields=[kind.value],
    )
    return pairing


def end_pairing(
    session: Session, pairing: Pairing, *, on: date, reason: str | None, actor_id: int | None
) -> None:
    if pairing.ended_on is not None:
        return
    pairing.ended_on = on
    pairing.end_reason = reason
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="pairing",
        subject_id=pairing.id,
        child_id=pairing.child_id,
        fields=["ended_on"],
        reason=reason,
    )
    session.flush()


@dataclass(frozen=True)
class PairedChildren:
    made: list[Pairing]
    already: list[Child]  # this person looked after them already: a repeat, nothing made
    taken: list[Child]  # another proxy parent looks after them: end that pairing first


def pair_children(
    session: Session,
    children: Iterable[Child],
    *,
    kind: PairingKind,
    user_id: int,
    started_on: date,
    actor_id: int | None,
) -> PairedChildren:
    """One person for several children at once. Sending the same choice again makes nothing
    new; a child has one proxy parent, so a child who already has another one is left alone."""
    made: list[Pairing] = []
    already: list[Child] = []
    taken: list[Child] = []
    for child in children:
        _lock_pairings_of(session, child)
        if kind == PairingKind.PROXY_PARENT and session.scalar(
            select(Pairing.id).where(
                Pairing.child_id == child.id,
                Pairing.kind == PairingKind.PROXY_PARENT,
                Pairing.ended_on.is_(None),
                Pairing.user_id != user_id,
            )
        ):
            taken.append(child)
            continue
        try:
            made.append(
                pair(
                    session,
                    child,
                    kind=kind,
                    user_id=user_id,
                    started_on=started_on,
                    actor_id=actor_id,
                )
            )
        except AlreadyPaired:
            already.append(child)
    return PairedChildren(made, already, taken)


# Cadences ------------------------------------------------------------------------------------


def set_cadence(
    session: Session, duty: DutyKey, *, period: Period, enabled: bool, actor_id: int | None
) -> DutyCadence:
    """A school's own period for a duty, or the duty switched off; the change is logged."""
    cadence = session.scalar(select(DutyCadence).where(DutyCadence.duty == duty))
    if cadence is None:
        cadence = DutyCadence(duty=duty, period=period, enabled=enabled)
        session.add(cadence)
        changed = ["period", "enabled"]
    else:
        cadence.period, cadence.enabled = period, enabled
        changed = audit.changed_fields(cadence)
    session.flush()
    if changed:
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=actor_id,
            subject="duty_cadence",
            subject_id=cadence.id,
            fields=[duty.value, *changed],
        )
    return cadence
