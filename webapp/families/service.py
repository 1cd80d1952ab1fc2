"""Writes of the work with families: a meeting, once; its attendance, set per class (sending
the same ticks again changes nothing); its photos. Audited; never commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.files import store_photo
from webapp.families.models import GuardianMeeting, MeetingAttendance, MeetingKind, MeetingPhoto
from webapp.families.queries import Family


@dataclass(frozen=True)
class SavedMeeting:
    meeting: GuardianMeeting
    created: bool


def find_meeting(session: Session, uid: uuid.UUID) -> GuardianMeeting | None:
    return session.scalar(select(GuardianMeeting).where(GuardianMeeting.uid == uid))


def record_meeting(
    session: Session,
    *,
    uid: uuid.UUID,
    title: str,
    kind: MeetingKind,
    held_on: date,
    place: str | None,
    summary: str | None,
    organiser_id: int | None,
) -> SavedMeeting:
    """A meeting, once: the same form sent again finds the meeting it made."""
    existing = find_meeting(session, uid)
    if existing is not None:
        return SavedMeeting(existing, created=False)
    meeting = GuardianMeeting(
        uid=uid,
        title=title,
        kind=kind,
        held_on=held_on,
        place=place,
        summary=summary,
        organiser_id=organiser_id,
    )
    try:
        with session.begin_nested():  # two at once meet at the unique key, as record_care
            session.add(meeting)
            session.flush()
    except IntegrityError:
        existing = find_meeting(session, uid)
        if existing is None:
            raise
        return SavedMeeting(existing, created=False)
    audit.record(
        session,
        AuditAction.CREATE,
        actor_id=organiser_id,
        subject="guardian_meeting",
        subject_id=meeting.id,
    )
    return SavedMeeting(meeting, created=True)


def set_attendance(
    session: Session,
    meeting: GuardianMeeting,
    *,
    offered: Iterable[Family],
    came: Iterable[int],
    actor_id: int | None,
) -> tuple[int, int]:
    """The families of the children offered (a class) who came: added if ticked, taken off if
    not. Families of other classes are left as they are. (added, removed)."""
    offered = {family.child_id: family for family in offered}
    came = set(came) & set(offered)
    rows = {
        row.child_id: row
        for row in session.scalars(
            select(MeetingAttendance).where(
                MeetingAttendance.meeting_id == meeting.id,
                MeetingAttendance.child_id.in_(list(offered)),
            )
        )
    }
    added = removed = 0
    for child_id in sorted(came - set(rows)):
        family = offered[child_id]
        session.add(
            MeetingAttendance(
                meeting_id=meeting.id,
                child_id=child_id,
                parent_id=family.parent_id,
                guardian_id=family.guardian_id,
                recorded_by_id=actor_id,
            )
        )
        _log(session, meeting, child_id, actor_id, AuditAction.CREATE)
        added += 1
    for child_id in sorted(set(rows) - came):
        session.delete(rows[child_id])  # a tick taken back: the family did not come
        _log(session, meeting, child_id, actor_id, AuditAction.UPDATE)
        removed += 1
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        pass  # the same ticks sent twice at once: the other request wrote them
    return added, removed


def _log(
    session: Session,
    meeting: GuardianMeeting,
    child_id: int,
    actor_id: int | None,
    action: AuditAction,
) -> None:
    """The family's attendance written (created), or taken back (changed)."""
    audit.record(
        session,
        action,
        actor_id=actor_id,
        subject="guardian_meeting",
        subject_id=meeting.id,
        child_id=child_id,
        fields=["attended" if action == AuditAction.CREATE else "not_attended"],
    )


def add_meeting_photo(
    session: Session, meeting: GuardianMeeting, data: bytes, *, actor_id: int
) -> MeetingPhoto:
    """A photo of a meeting: shrunk, stripped of EXIF and GPS, sealed (core.files)."""
    photo = MeetingPhoto(
        meeting_id=meeting.id, photo_uid=store_photo(meeting.tenant_id, data), added_by_id=actor_id
    )
    session.add(photo)
    session.flush()
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="guardian_meeting",
        subject_id=meeting.id,
        fields=["photo"],
    )
    return photo
