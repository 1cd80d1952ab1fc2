"""Writes of safety work. Each takes plain values, flushes, writes its audit row, never commits.

A roll call and a dorm headcount are sheets: one mark per child, sent from one page. Sending a
sheet is idempotent by the page's UUID (a submission row with a unique uid: a double tap, a retry
or a replay finds it and changes nothing, also under concurrent requests). Marks the page did not
change are never overwritten: a child the page left unmarked keeps the mark already saved (or,
the first time, gets the leave's preset or "here"), and a mark the page sends back exactly as it
showed it is the page's old news, not a change. So two phones taking the same roll call merge
their exceptions, and reopening a saved roll call never resets it to "all present".

Follow-ups and alarms, decided here and documented for the school:
- An unexplained absence (缺勤未说明) of a left-behind child opens a follow-up for the class
  teacher (a safety alert of kind ABSENCE_FOLLOW_UP): call the guardian and record the reason on
  the absence itself; recording it closes the follow-up (and the other unexplained absences of
  the child that day). A mark corrected away from "absent" closes its follow-up too.
- Dropout risk (控辍): a child the roll calls found absent without word on DROPOUT_DAYS
  different days within DROPOUT_WINDOW raises an alarm for every principal, once per window.
  A reason found afterwards does not erase the absence: the count is what the roll call saw.
- A boarder not accounted for at the nightly headcount alerts, at once, every dorm supervisor,
  the child's class teacher and every safety lead: one alert row each.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.children.access import ON_ROLL
from webapp.children.models import Child, SchoolClass
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.db import utcnow
from webapp.core.permissions import Role
from webapp.safety import queries
from webapp.safety.models import (
    ATTENDANCE_ON_LEAVE,
    AbsenceReason,
    Attendance,
    BedAssignment,
    DayPart,
    DormCheck,
    DormMark,
    DormRoom,
    DormStatus,
    Leave,
    LeaveKind,
    RollCall,
    RollCallMark,
    SafetyAlert,
    SafetyAlertKind,
    SafetySettings,
    SheetKind,
    SheetSubmission,
)

DROPOUT_DAYS = 3
DROPOUT_WINDOW = timedelta(days=30)


class UidTaken(ValueError):
    """The page's uid already belongs to another sheet or record (a page reused by mistake)."""


# Leave ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedLeave:
    leave: Leave
    created: bool  # False: the same form was sent again and found its leave


def last_day_of_leave(starts_on: date, days: int) -> date:
    """Leave is asked for in school days: two days from a Friday are Friday and Monday."""
    day, left = starts_on, days - 1
    while left > 0:
        day += timedelta(days=1)
        left -= day.weekday() < 5
    return day


def record_leave(
    session: Session,
    *,
    uid: uuid.UUID,
    child: Child,
    kind: LeaveKind,
    starts_on: date,
    days: int,
    part: DayPart,
    asked_by: str | None,
    reason: str | None,
    actor_id: int | None,
) -> SavedLeave:
    """A leave, once: a second call with the same uid returns the first leave."""
    existing = queries.find_leave(session, uid)
    if existing is not None:
        if existing.child_id != child.id:
            raise UidTaken()
        return SavedLeave(existing, created=False)
    leave = Leave(
        uid=uid,
        child_id=child.id,
        kind=kind,
        starts_on=starts_on,
        ends_on=last_day_of_leave(starts_on, days),
        part=part,
        asked_by=asked_by,
        reason=reason,
        recorded_by_id=actor_id,
    )
    try:  # two sendings at once meet at the unique key: the loser returns the winner's leave
        with session.begin_nested():
            session.add(leave)
            session.flush()
    except IntegrityError:
        existing = queries.find_leave(session, uid)
        if existing is None:
            raise
        return SavedLeave(existing, created=False)
    audit.record(
        session,
        AuditAction.CREATE,
        actor_id=actor_id,
        subject="leave",
        subject_id=leave.id,
        child_id=child.id,
        fields=[kind.value],
    )
    session.flush()
    return SavedLeave(leave, created=True)


def cancel_leave(
    session: Session, leave: Leave, *, actor_id: int | None, now: datetime | None = None
) -> None:
    """The child came back sooner, or the leave was entered by mistake: kept, but cancelled."""
    if leave.cancelled_at is not None:
        return
    leave.cancelled_at = now or utcnow()
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="leave",
        subject_id=leave.id,
        child_id=leave.child_id,
        fields=["cancelled_at"],
    )
    session.flush()


# Sheets: what changes when a page is sent ---------------------------------------------------


@dataclass(frozen=True)
class Change:
    child: Child
    before: StrEnum | None
    after: StrEnum


def sheet_changes(
    children: Iterable[Child],
    saved: dict[int, StrEnum],
    sent: dict[int, StrEnum],
    shown: dict[int, StrEnum],
    default: Callable[[Child], StrEnum],
) -> list[Change]:
    """The marks a sending sets. A child without a saved mark gets what the page sent, else the
    default (the leave's preset, or here). A saved mark changes only when the page sent another
    status than the one it showed: what it did not touch, it does not overwrite."""
    changes = []
    for child in children:
        before, asked = saved.get(child.id), sent.get(child.id)
        if before is None:
            changes.append(Change(child, None, asked or default(child)))
        elif asked is not None and asked != before and asked != shown.get(child.id):
            changes.append(Change(child, before, asked))
    return changes


@dataclass(frozen=True)
class SavedSheet:
    sheet: RollCall | DormCheck
    created: bool  # False: this page was sent already and nothing changed
    changes: tuple[Change, ...] = ()


def _find_submission(session: Session, uid: uuid.UUID) -> SheetSubmission | None:
    return session.scalar(select(SheetSubmission).where(SheetSubmission.uid == uid))


def _submit(session: Session, submission: SheetSubmission) -> SheetSubmission | None:
    """The submission added, or None when the same uid got there first (a replay)."""
    try:
        with session.begin_nested():
            session.add(submission)
            session.flush()
    except IntegrityError:
        if _find_submission(session, submission.uid) is None:
            raise
        return None
    return submission


def _get_or_create(session: Session, find: Callable[[], object], make: Callable[[], object]):
    """A sheet by its natural key (class, day, part / room, night); two first sendings at once
    meet at the unique key and the loser works on the winner's sheet."""
    found = find()
    if found is not None:
        return found, False
    made = make()
    try:
        with session.begin_nested():
            session.add(made)
            session.flush()
    except IntegrityError:
        found = find()
        if found is None:
            raise
        return found, False
    return made, True


def _lock(session: Session, model: type, row_id: int) -> None:
    """Two sendings of one sheet wait for each other here (PostgreSQL; SQLite writers queue
    anyway), so the second reads the first one's marks."""
    session.execute(select(model.id).where(model.id == row_id).with_for_update())


# Roll call -----------------------------------------------------------------------------------


def take_roll_call(
    session: Session,
    *,
    uid: uuid.UUID,
    school_class: SchoolClass,
    day: date,
    part: DayPart,
    sent: dict[int, Attendance],
    shown: dict[int, Attendance] | None = None,
    actor_id: int | None,
    now: datetime | None = None,
) -> SavedSheet:
    """Send a class's roll call: the exceptions tapped, "the rest are here"."""
    now = now or utcnow()
    replay = _find_submission(session, uid)
    if replay is not None:
        return SavedSheet(_same_roll_call(session, replay, school_class, day, part), False)
    roll_call, created = _get_or_create(
        session,
        lambda: queries.find_roll_call(session, school_class.id, day, part),
        lambda: RollCall(
            class_id=school_class.id, day=day, part=part, taken_by_id=actor_id, taken_at=now
        ),
    )
    _lock(session, RollCall, roll_call.id)
    submission = _submit(
        session,
        SheetSubmission(
            uid=uid,
            kind=SheetKind.ROLL_CALL,
            roll_call_id=roll_call.id,
            submitted_by_id=actor_id,
            submitted_at=now,
        ),
    )
    if submission is None:
        return SavedSheet(roll_call, False)
    children = queries.class_children(session, school_class)
    marks = {
        m.child_id: m
        for m in session.scalars(
            select(RollCallMark).where(RollCallMark.roll_call_id == roll_call.id)
        )
    }
    leaves = queries.leaves_on(session, day, part, [c.id for c in children])

    def default(child: Child) -> Attendance:
        leave = leaves.get(child.id)
        return ATTENDANCE_ON_LEAVE[leave.kind] if leave is not None else Attendance.PRESENT

    changes = sheet_changes(
        children, {i: m.status for i, m in marks.items()}, sent, shown or {}, default
    )
    for change in changes:
        leave = leaves.get(change.child.id)
        leave_id = leave.id if leave is not None and change.after == default(change.child) else None
        mark = marks.get(change.child.id)
        if mark is None:
            mark = RollCallMark(
                roll_call_id=roll_call.id,
                child_id=change.child.id,
                status=change.after,
                leave_id=leave_id,
                marked_by_id=actor_id,
                marked_at=now,
            )
            session.add(mark)
            marks[change.child.id] = mark
        else:
            mark.status, mark.leave_id = change.after, leave_id
            mark.marked_by_id, mark.marked_at = actor_id, now
    submission.changed = len(changes)
    if not created and changes:
        roll_call.changed_by_id, roll_call.changed_at = actor_id, now
    session.flush()
    _audit_sheet(session, "roll_call", roll_call.id, "roll_call_mark", marks, changes, actor_id)
    _follow_absences(session, roll_call, school_class, marks, changes, now)
    session.flush()
    return SavedSheet(roll_call, True, tuple(changes))


def _same_roll_call(
    session: Session,
    submission: SheetSubmission,
    school_class: SchoolClass,
    day: date,
    part: DayPart,
) -> RollCall:
    roll_call = session.get(RollCall, submission.roll_call_id) if submission.roll_call_id else None
    if roll_call is None or (roll_call.class_id, roll_call.day, roll_call.part) != (
        school_class.id,
        day,
        part,
    ):
        raise UidTaken()
    return roll_call


def _audit_sheet(
    session: Session,
    subject: str,
    subject_id: int,
    mark_subject: str,
    marks: dict,
    changes: list[Change],
    actor_id: int | None,
) -> None:
    """One row for the sheet, and one per child whose mark is an exception or changed: a whole
    class found present is one entry, not forty."""
    if not changes:
        return
    audit.record(
        session,
        AuditAction.UPDATE if any(c.before is not None for c in changes) else AuditAction.CREATE,
        actor_id=actor_id,
        subject=subject,
        subject_id=subject_id,
        fields=["marks"],
    )
    for change in changes:
        if change.before is None and not queries.is_there(change.after):
            action = AuditAction.CREATE
        elif change.before is not None:
            action = AuditAction.UPDATE
        else:
            continue
        audit.record(
            session,
            action,
            actor_id=actor_id,
            subject=mark_subject,
            subject_id=marks[change.child.id].id,
            child_id=change.child.id,
            fields=[str(change.after)],
        )


def _follow_absences(
    session: Session,
    roll_call: RollCall,
    school_class: SchoolClass,
    marks: dict[int, RollCallMark],
    changes: list[Change],
    now: datetime,
) -> None:
    for change in changes:
        mark = marks[change.child.id]
        if change.before == Attendance.ABSENT:  # corrected: late after all, or on leave
            _close_alerts(session, SafetyAlertKind.ABSENCE_FOLLOW_UP, [mark.id], now)
        if change.after != Attendance.ABSENT:
            continue
        teacher_id = school_class.teacher_id
        if change.child.is_left_behind and teacher_id is not None:
            _open_follow_up(session, roll_call, mark, change.child, teacher_id)
        _check_dropout_risk(session, roll_call, mark, change.child, now)


def _open_follow_up(
    session: Session, roll_call: RollCall, mark: RollCallMark, child: Child, teacher_id: int
) -> None:
    """One follow-up per child and day: a morning and an afternoon absence are one phone call."""
    same_day = select(RollCallMark.id).join(RollCall, RollCall.id == RollCallMark.roll_call_id)
    already = session.scalar(
        select(SafetyAlert.id).where(
            SafetyAlert.kind == SafetyAlertKind.ABSENCE_FOLLOW_UP,
            SafetyAlert.child_id == child.id,
            SafetyAlert.closed_at.is_(None),
            SafetyAlert.roll_call_mark_id.in_(same_day.where(RollCall.day == roll_call.day)),
        )
    )
    if already is None:
        session.add(
            SafetyAlert(
                kind=SafetyAlertKind.ABSENCE_FOLLOW_UP,
                child_id=child.id,
                recipient_id=teacher_id,
                roll_call_mark_id=mark.id,
            )
        )


def _check_dropout_risk(
    session: Session, roll_call: RollCall, mark: RollCallMark, child: Child, now: datetime
) -> None:
    session.flush()  # the mark just set counts
    days = queries.absence_days(session, child.id, roll_call.day, DROPOUT_WINDOW)
    if days < DROPOUT_DAYS:
        return
    raised = session.scalar(
        select(SafetyAlert.id).where(
            SafetyAlert.kind == SafetyAlertKind.DROPOUT_RISK,
            SafetyAlert.child_id == child.id,
            SafetyAlert.created_at >= now - DROPOUT_WINDOW,
        )
    )
    if raised is not None:
        return
    for principal_id in queries.members_with(session, roll_call.tenant_id, Role.PRINCIPAL):
        session.add(
            SafetyAlert(
                kind=SafetyAlertKind.DROPOUT_RISK,
                child_id=child.id,
                recipient_id=principal_id,
                roll_call_mark_id=mark.id,
                created_at=now,
            )
        )
    session.flush()


def _close_alerts(
    session: Session, kind: SafetyAlertKind, mark_ids: list[int], now: datetime
) -> None:
    column = (
        SafetyAlert.dorm_mark_id
        if kind == SafetyAlertKind.MISSING_AT_NIGHT
        else SafetyAlert.roll_call_mark_id
    )
    for alert in session.scalars(
        select(SafetyAlert).where(
            SafetyAlert.kind == kind, column.in_(mark_ids), SafetyAlert.closed_at.is_(None)
        )
    ):
        alert.closed_at = now


def explain_absence(
    session: Session,
    mark: RollCallMark,
    *,
    reason: AbsenceReason,
    notes: str | None,
    actor_id: int | None,
    now: datetime | None = None,
) -> bool:
    """The reason of an unexplained absence, as the family gave it: closes the follow-up, and
    explains the child's other unexplained absences of that day with it. False if it was
    explained already (a second sending changes nothing)."""
    if mark.status != Attendance.ABSENT or mark.explained_at is not None:
        return False
    now = now or utcnow()
    roll_call = queries.roll_call_of(session, mark)
    same_day = list(
        session.scalars(
            select(RollCallMark)
            .join(RollCall, RollCall.id == RollCallMark.roll_call_id)
            .where(
                RollCallMark.child_id == mark.child_id,
                RollCall.day == roll_call.day,
                RollCallMark.status == Attendance.ABSENT,
                RollCallMark.explained_at.is_(None),
            )
        )
    )
    for absence in same_day:
        absence.reason, absence.reason_notes = reason, notes
        absence.explained_by_id, absence.explained_at = actor_id, now
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=actor_id,
            subject="roll_call_mark",
            subject_id=absence.id,
            child_id=absence.child_id,
            fields=["reason", "reason_notes"] if notes else ["reason"],
        )
    _close_alerts(
        session, SafetyAlertKind.ABSENCE_FOLLOW_UP, [absence.id for absence in same_day], now
    )
    session.flush()
    return True


def acknowledge_alert(session: Session, alert: SafetyAlert, now: datetime | None = None) -> None:
    """已知悉: the alert leaves this person's today page, and only theirs."""
    if alert.closed_at is None:
        alert.closed_at = now or utcnow()
        session.flush()


# Dorm headcount ------------------------------------------------------------------------------


def take_headcount(
    session: Session,
    *,
    uid: uuid.UUID,
    room: DormRoom,
    day: date,
    sent: dict[int, DormStatus],
    shown: dict[int, DormStatus] | None = None,
    actor_id: int | None,
    now: datetime | None = None,
) -> SavedSheet:
    """Send a room's nightly headcount: the exceptions tapped, "the rest are in the room". A
    boarder not accounted for alerts the dorm supervisors, the class teacher and the safety
    leads at once."""
    now = now or utcnow()
    replay = _find_submission(session, uid)
    if replay is not None:
        check = session.get(DormCheck, replay.dorm_check_id) if replay.dorm_check_id else None
        if check is None or (check.room_id, check.day) != (room.id, day):
            raise UidTaken()
        return SavedSheet(check, False)
    check, created = _get_or_create(
        session,
        lambda: queries.find_dorm_check(session, room.id, day),
        lambda: DormCheck(room_id=room.id, day=day, taken_by_id=actor_id, taken_at=now),
    )
    _lock(session, DormCheck, check.id)
    submission = _submit(
        session,
        SheetSubmission(
            uid=uid,
            kind=SheetKind.DORM_CHECK,
            dorm_check_id=check.id,
            submitted_by_id=actor_id,
            submitted_at=now,
        ),
    )
    if submission is None:
        return SavedSheet(check, False)
    children = [
        child for _bed, child in queries.room_beds(session, room, day) if child.status in ON_ROLL
    ]
    marks = {
        m.child_id: m
        for m in session.scalars(select(DormMark).where(DormMark.check_id == check.id))
    }
    leaves = queries.leaves_on(session, day, DayPart.NIGHT, [c.id for c in children])

    def default(child: Child) -> DormStatus:
        return DormStatus.ON_LEAVE if child.id in leaves else DormStatus.IN_ROOM

    changes = sheet_changes(
        children, {i: m.status for i, m in marks.items()}, sent, shown or {}, default
    )
    for change in changes:
        leave = leaves.get(change.child.id)
        leave_id = leave.id if leave is not None and change.after == DormStatus.ON_LEAVE else None
        mark = marks.get(change.child.id)
        if mark is None:
            mark = DormMark(
                check_id=check.id,
                child_id=change.child.id,
                status=change.after,
                leave_id=leave_id,
                marked_by_id=actor_id,
                marked_at=now,
            )
            session.add(mark)
            marks[change.child.id] = mark
        else:
            mark.status, mark.leave_id = change.after, leave_id
            mark.marked_by_id, mark.marked_at = actor_id, now
    submission.changed = len(changes)
    if not created and changes:
        check.changed_by_id, check.changed_at = actor_id, now
    session.flush()
    _audit_sheet(session, "dorm_check", check.id, "dorm_mark", marks, changes, actor_id)
    _alert_missing(session, check, marks, changes, now)
    session.flush()
    return SavedSheet(check, True, tuple(changes))


def _alert_missing(
    session: Session,
    check: DormCheck,
    marks: dict[int, DormMark],
    changes: list[Change],
    now: datetime,
) -> None:
    missing = [c for c in changes if c.after == DormStatus.MISSING]
    if not missing:
        return
    on_duty = {
        *queries.members_with(session, check.tenant_id, Role.DORM_SUPERVISOR),
        *queries.members_with(session, check.tenant_id, Role.SAFETY_LEAD),
    }
    for change in missing:
        teacher_id = _class_teacher_id(session, change.child)
        for recipient_id in sorted(on_duty | ({teacher_id} if teacher_id else set())):
            session.add(
                SafetyAlert(
                    kind=SafetyAlertKind.MISSING_AT_NIGHT,
                    child_id=change.child.id,
                    recipient_id=recipient_id,
                    dorm_mark_id=marks[change.child.id].id,
                    created_at=now,
                )
            )


def _class_teacher_id(session: Session, child: Child) -> int | None:
    if child.class_id is None:
        return None
    return session.scalar(select(SchoolClass.teacher_id).where(SchoolClass.id == child.class_id))


# Dorm rooms and beds -------------------------------------------------------------------------


class BedTaken(ValueError):
    """Another boarder sleeps in that bed."""


class RoomFull(ValueError):
    """Every bed of the room is taken."""


class RoomNameTaken(ValueError):
    """The school has a room of that name already."""


def find_room(session: Session, uid: uuid.UUID) -> DormRoom | None:
    return session.scalar(select(DormRoom).where(DormRoom.uid == uid))


def add_room(
    session: Session,
    *,
    uid: uuid.UUID,
    name: str,
    building: str | None,
    beds: int,
    actor_id: int | None,
) -> tuple[DormRoom, bool]:
    """A dorm room, once (the page's uid); (room, created)."""
    existing = find_room(session, uid)
    if existing is not None:
        return existing, False
    if session.scalar(select(DormRoom.id).where(DormRoom.name == name)) is not None:
        raise RoomNameTaken()
    room = DormRoom(uid=uid, name=name, building=building, beds=beds)
    try:
        with session.begin_nested():
            session.add(room)
            session.flush()
    except IntegrityError:
        existing = find_room(session, uid)
        if existing is None:
            raise
        return existing, False
    audit.record(
        session, AuditAction.CREATE, actor_id=actor_id, subject="dorm_room", subject_id=room.id
    )
    session.flush()
    return room, True


def find_bed(session: Session, uid: uuid.UUID) -> BedAssignment | None:
    return session.scalar(select(BedAssignment).where(BedAssignment.uid == uid))


def assign_bed(
    session: Session,
    *,
    uid: uuid.UUID,
    room: DormRoom,
    child: Child,
    bed: str,
    on: date,
    actor_id: int | None,
) -> tuple[BedAssignment, bool]:
    """A boarder's bed from a day on; a bed elsewhere ends that day (a move). Once per uid."""
    existing = find_bed(session, uid)
    if existing is not None:
        if existing.child_id != child.id:
            raise UidTaken()
        return existing, False
    _lock(session, DormRoom, room.id)
    held = [a for a, _child in queries.room_beds(session, room, on)]
    if any(a.bed == bed and a.child_id != child.id for a in held):
        raise BedTaken()
    if len({a.child_id for a in held} - {child.id}) >= room.beds:
        raise RoomFull()
    for current in session.scalars(
        select(BedAssignment).where(
            BedAssignment.child_id == child.id, BedAssignment.ends_on.is_(None)
        )
    ):
        end_bed(session, current, on=on, actor_id=actor_id)
    assignment = BedAssignment(
        uid=uid, room_id=room.id, child_id=child.id, bed=bed, starts_on=on, assigned_by_id=actor_id
    )
    session.add(assignment)
    session.flush()
    audit.record(
        session,
        AuditAction.CREATE,
        actor_id=actor_id,
        subject="bed_assignment",
        subject_id=assignment.id,
        child_id=child.id,
        fields=["bed"],
    )
    session.flush()
    return assignment, True


def end_bed(session: Session, assignment: BedAssignment, *, on: date, actor_id: int | None) -> None:
    """The boarder leaves the bed from this day (moved, no longer boarding); history is kept."""
    if assignment.ends_on is not None:
        return
    assignment.ends_on = max(on, assignment.starts_on)
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="bed_assignment",
        subject_id=assignment.id,
        child_id=assignment.child_id,
        fields=["ends_on"],
    )
    session.flush()


# Settings ------------------------------------------------------------------------------------


def save_settings(
    session: Session,
    *,
    morning_deadline: time,
    afternoon_roll_call: bool,
    afternoon_deadline: time,
    actor_id: int | None,
) -> SafetySettings:
    found = session.scalar(select(SafetySettings))
    if found is None:
        found = SafetySettings()
        session.add(found)
    found.morning_deadline = morning_deadline
    found.afternoon_roll_call = afternoon_roll_call
    found.afternoon_deadline = afternoon_deadline
    changed = audit.changed_fields(found)
    session.flush()
    if changed:
        audit.record(
            session,
            AuditAction.UPDATE,
            actor_id=actor_id,
            subject="safety_settings",
            subject_id=found.id,
            fields=changed,
        )
    return found
