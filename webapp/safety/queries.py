"""Reading safety work: who is on leave, a roll call or a headcount as its page shows it, the
board of the day's roll calls, the dorm rooms and their boarders.

``on_leave(session, day, part)`` is the one question the roll call, the dorm headcount and the
bus manifest all ask: keep its name and signature.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from webapp.auth.models import User
from webapp.children.access import ON_ROLL, visible_children
from webapp.children.models import Child, SchoolClass
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.org import Membership
from webapp.core.permissions import Role
from webapp.safety.models import (
    ATTENDANCE_ON_LEAVE,
    DEFAULT_AFTERNOON_DEADLINE,
    DEFAULT_MORNING_DEADLINE,
    Attendance,
    BedAssignment,
    DayPart,
    DormCheck,
    DormMark,
    DormRoom,
    DormStatus,
    Leave,
    RollCall,
    RollCallMark,
    SafetySettings,
    SheetSubmission,
    parts_covering,
)

# How far back a roll call or headcount may still be taken or corrected.
SHEET_DAYS_BACK = 30


# Leave ---------------------------------------------------------------------------------------


def leaves_covering(day: date, part: DayPart):
    return select(Leave).where(
        Leave.cancelled_at.is_(None),
        Leave.starts_on <= day,
        Leave.ends_on >= day,
        Leave.part.in_(parts_covering(part)),
    )


def on_leave(session: Session, day: date, part: DayPart) -> set[int]:
    """The ids of the children whose leave keeps them away from this part of the day (a
    whole-day leave covers the morning, the afternoon and the night)."""
    return set(session.scalars(leaves_covering(day, part).with_only_columns(Leave.child_id)))


def leaves_on(
    session: Session, day: date, part: DayPart, child_ids: Iterable[int] | None = None
) -> dict[int, Leave]:
    """Child id → the leave that covers this part of the day, the latest entered if several."""
    statement = leaves_covering(day, part).order_by(Leave.id)
    if child_ids is not None:
        statement = statement.where(Leave.child_id.in_(list(child_ids)))
    return {leave.child_id: leave for leave in session.scalars(statement)}


def leaves_for_day(
    session: Session, day: date, user_id: int, roles: frozenset[Role]
) -> list[tuple[Leave, Child]]:
    """The leaves that cover any part of a day, of the children this person may see, by class."""
    seen = visible_children(user_id, roles).subquery()
    rows = session.execute(
        select(Leave, Child)
        .options(selectinload(Leave.recorded_by), selectinload(Child.school_class))
        .join(seen, seen.c.id == Leave.child_id)
        .join(Child, Child.id == Leave.child_id)
        .outerjoin(SchoolClass, SchoolClass.id == Child.class_id)
        .where(Leave.cancelled_at.is_(None), Leave.starts_on <= day, Leave.ends_on >= day)
        .order_by(SchoolClass.grade, SchoolClass.section, Child.name_pinyin, Leave.id)
    ).all()
    return [(leave, child) for leave, child in rows]


def find_leave(session: Session, uid) -> Leave | None:
    return session.scalar(select(Leave).where(Leave.uid == uid))


# Settings ------------------------------------------------------------------------------------


def settings(session: Session) -> SafetySettings:
    """The school's settings, or the defaults (not added to the session) when it has none."""
    return session.scalar(select(SafetySettings)) or default_settings()


def default_settings() -> SafetySettings:
    """Due at 08:30, no afternoon roll call (not added to any session)."""
    return SafetySettings(
        morning_deadline=DEFAULT_MORNING_DEADLINE,
        afternoon_roll_call=False,
        afternoon_deadline=DEFAULT_AFTERNOON_DEADLINE,
    )


def due_at(day: date, settings_: SafetySettings, part: DayPart) -> datetime:
    return datetime.combine(day, settings_.deadline(part), tzinfo=SCHOOL_TIMEZONE)


def is_school_day(day: date) -> bool:
    return day.weekday() < 5


# Sheets: a roll call or a headcount as its page shows it ------------------------------------


@dataclass
class SheetRow:
    """A child on a sheet: the saved mark, else what the leave presets, else nothing yet (the
    rest are here)."""

    child: Child
    status: StrEnum | None
    saved: bool
    leave: Leave | None = None
    bed: str | None = None
    mark_id: int | None = None

    @property
    def leave_note(self) -> bool:
        """A leave the saved mark does not show (entered after the roll was taken)."""
        if self.leave is None or self.status is None:
            return False
        if isinstance(self.status, Attendance):
            return self.status != ATTENDANCE_ON_LEAVE[self.leave.kind]
        return self.status != DormStatus.ON_LEAVE


@dataclass
class Tally:
    """The counts above a sheet: 应到, 实到 and each exception."""

    expected: int
    counts: dict[StrEnum, int]
    away: int  # not there: on leave, absent, missing

    @property
    def here(self) -> int:
        return self.expected - self.away


@dataclass
class Sheet:
    rows: list[SheetRow]
    default: StrEnum
    taken_by: str | None = None
    taken_at: datetime | None = None
    changed_by: str | None = None
    changed_at: datetime | None = None
    exists: bool = False
    submissions: int = 0

    @property
    def tally(self) -> Tally:
        counts: dict[StrEnum, int] = {}
        away = 0
        for row in self.rows:
            status = row.status or self.default
            counts[status] = counts.get(status, 0) + 1
            away += not is_there(status)
        return Tally(len(self.rows), counts, away)

    @property
    def exceptions(self) -> list[SheetRow]:
        return [row for row in self.rows if row.status not in (None, self.default)]

    def shown(self) -> str:
        """What the page shows marked, for the form to send back (see forms.SheetForm)."""
        return ",".join(f"{row.child.id}:{row.status}" for row in self.rows if row.status)


def is_there(status: StrEnum) -> bool:
    if isinstance(status, Attendance):
        return status.at_school
    return status in (DormStatus.IN_ROOM,)


def class_children(session: Session, school_class: SchoolClass) -> list[Child]:
    """The children on a class's roll, by name as the class calls them."""
    return list(
        session.scalars(
            select(Child)
            .where(Child.class_id == school_class.id, Child.status.in_(ON_ROLL))
            .order_by(Child.name_pinyin, Child.name, Child.id)
        )
    )


def find_roll_call(session: Session, class_id: int, day: date, part: DayPart) -> RollCall | None:
    return session.scalar(
        select(RollCall)
        # The sheet names who took it and who changed it.
        .options(joinedload(RollCall.taken_by), joinedload(RollCall.changed_by))
        .where(RollCall.class_id == class_id, RollCall.day == day, RollCall.part == part)
    )


def roll_call_sheet(
    session: Session,
    school_class: SchoolClass,
    day: date,
    part: DayPart,
    children: list[Child] | None = None,
) -> Sheet:
    children = class_children(session, school_class) if children is None else children
    roll_call = find_roll_call(session, school_class.id, day, part)
    marks: dict[int, RollCallMark] = {}
    if roll_call is not None:
        marks = {
            m.child_id: m
            for m in session.scalars(
                select(RollCallMark).where(RollCallMark.roll_call_id == roll_call.id)
            )
        }
    leaves = leaves_on(session, day, part, [c.id for c in children])
    rows = []
    for child in children:
        mark, leave = marks.get(child.id), leaves.get(child.id)
        if mark is not None:
            rows.append(SheetRow(child, mark.status, True, leave, mark_id=mark.id))
        else:
            preset = ATTENDANCE_ON_LEAVE[leave.kind] if leave is not None else None
            rows.append(SheetRow(child, preset, False, leave))
    return _sheet(session, rows, Attendance.PRESENT, roll_call, SheetSubmission.roll_call_id)


def _name(person: User | None) -> str | None:
    return person.name if person is not None else None


def _sheet(session, rows, default, taken, submission_column) -> Sheet:
    sheet = Sheet(rows, default)
    if taken is None:
        return sheet
    sheet.exists = True
    sheet.taken_by, sheet.taken_at = _name(taken.taken_by), taken.taken_at
    sheet.changed_by, sheet.changed_at = _name(taken.changed_by), taken.changed_at
    sheet.submissions = (
        session.scalar(
            select(func.count()).select_from(SheetSubmission).where(submission_column == taken.id)
        )
        or 0
    )
    return sheet


def roll_call_of(session: Session, mark: RollCallMark) -> RollCall:
    return session.get(RollCall, mark.roll_call_id)


# The board of the day's roll calls ----------------------------------------------------------


class BoardState(StrEnum):
    TAKEN = "taken"
    WAITING = "waiting"  # not yet, and not yet due
    LATE = "late"  # not taken by the school's deadline


@dataclass(frozen=True)
class BoardRow:
    class_id: int
    class_name: str
    teacher: str | None
    part: DayPart
    state: BoardState
    due: datetime
    taken_at: datetime | None = None
    here: int | None = None
    expected: int = 0


@dataclass
class Board:
    day: date
    rows: list[BoardRow] = field(default_factory=list)
    school_day: bool = True

    @property
    def late(self) -> list[BoardRow]:
        return [row for row in self.rows if row.state == BoardState.LATE]

    @property
    def taken(self) -> int:
        return sum(row.state == BoardState.TAKEN for row in self.rows)


def board(
    session: Session, day: date, now: datetime, school: SafetySettings | None = None
) -> Board:
    """Every class's roll calls of the day: taken, waiting, or late (not taken by the school's
    deadline, at ``now``). Two statements: the classes with their roll calls, and the counts."""
    school = school or settings(session)
    result = Board(day, school_day=is_school_day(day))
    if not result.school_day:
        return result
    here = (
        select(func.count())
        .where(
            RollCallMark.roll_call_id == RollCall.id,
            RollCallMark.status.in_([a for a in Attendance if a.at_school]),
        )
        .correlate(RollCall)
        .scalar_subquery()
    )
    rows = session.execute(
        select(SchoolClass, User.name, RollCall, here)
        .outerjoin(User, User.id == SchoolClass.teacher_id)
        .outerjoin(RollCall, and_(RollCall.class_id == SchoolClass.id, RollCall.day == day))
        .where(SchoolClass.is_active)
        .order_by(SchoolClass.stage, SchoolClass.grade, SchoolClass.section, SchoolClass.id)
    ).all()
    expected = dict(
        session.execute(
            select(Child.class_id, func.count())
            .where(Child.status.in_(ON_ROLL), Child.class_id.is_not(None))
            .group_by(Child.class_id)
        ).all()
    )
    taken: dict[tuple[int, DayPart], tuple[RollCall, int]] = {}
    classes: dict[int, tuple[SchoolClass, str | None]] = {}
    for school_class, teacher, roll_call, count in rows:
        classes[school_class.id] = (school_class, teacher)
        if roll_call is not None:
            taken[(school_class.id, roll_call.part)] = (roll_call, count)
    for class_id, (school_class, teacher) in classes.items():
        if not expected.get(class_id):
            continue  # a class with no child on the roll calls no roll
        for part in school.parts:
            due = due_at(day, school, part)
            found = taken.get((class_id, part))
            if found is not None:
                state, taken_at, count = BoardState.TAKEN, found[0].taken_at, found[1]
            else:
                state = BoardState.LATE if now >= due else BoardState.WAITING
                taken_at, count = None, None
            result.rows.append(
                BoardRow(
                    class_id,
                    school_class.name,
                    teacher,
                    part,
                    state,
                    due,
                    taken_at,
                    count,
                    expected.get(class_id, 0),
                )
            )
    return result


def part_now(school: SafetySettings, now: datetime) -> DayPart:
    """The roll call a page opens on: the afternoon's once the morning's deadline is long past
    (after noon), if the school has one."""
    if school.afternoon_roll_call and now.astimezone(SCHOOL_TIMEZONE).hour >= 12:
        return DayPart.AFTERNOON
    return DayPart.MORNING


def marks_of_child(
    session: Session, child_id: int, since: date
) -> list[tuple[RollCall, RollCallMark]]:
    """A child's exceptions in roll calls since a day, latest first (the absence page)."""
    rows = session.execute(
        select(RollCall, RollCallMark)
        .join(RollCallMark, RollCallMark.roll_call_id == RollCall.id)
        .where(
            RollCallMark.child_id == child_id,
            RollCall.day >= since,
            RollCallMark.status != Attendance.PRESENT,
        )
        .order_by(RollCall.day.desc(), RollCall.part)
    ).all()
    return [(roll_call, mark) for roll_call, mark in rows]


def absence_days(session: Session, child_id: int, day: date, window: timedelta) -> int:
    """On how many days within the window up to ``day`` the roll call found the child absent
    without word."""
    return (
        session.scalar(
            select(func.count(func.distinct(RollCall.day)))
            .join(RollCallMark, RollCallMark.roll_call_id == RollCall.id)
            .where(
                RollCallMark.child_id == child_id,
                RollCallMark.status == Attendance.ABSENT,
                RollCall.day > day - window,
                RollCall.day <= day,
            )
        )
        or 0
    )


def members_with(session: Session, tenant_id: int, role: Role) -> list[int]:
    """The people holding a role at the school. Membership is a kernel table outside the tenant
    filter, so it is filtered by the school here."""
    return list(
        session.scalars(
            select(Membership.user_id).where(
                Membership.tenant_id == tenant_id, Membership.role == role
            )
        )
    )


# Dorm ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomTonight:
    room: DormRoom
    boarders: int
    check: DormCheck | None
    missing: int


def dorm_rooms(session: Session, day: date) -> list[RoomTonight]:
    """The school's dorm rooms with their boarders and the night's headcount, if taken."""
    boarders = (
        select(func.count())
        .where(BedAssignment.room_id == DormRoom.id, _bed_held_on(day))
        .correlate(DormRoom)
        .scalar_subquery()
    )
    missing = (
        select(func.count())
        .where(DormMark.check_id == DormCheck.id, DormMark.status == DormStatus.MISSING)
        .correlate(DormCheck)
        .scalar_subquery()
    )
    rows = session.execute(
        select(DormRoom, boarders, DormCheck, missing)
        .outerjoin(DormCheck, and_(DormCheck.room_id == DormRoom.id, DormCheck.day == day))
        .where(DormRoom.is_active)
        .order_by(DormRoom.building, DormRoom.name)
    ).all()
    return [RoomTonight(room, count, check, lost or 0) for room, count, check, lost in rows]


def _bed_held_on(day: date):
    return and_(
        BedAssignment.starts_on <= day,
        (BedAssignment.ends_on.is_(None)) | (BedAssignment.ends_on > day),
    )


def room_beds(session: Session, room: DormRoom, day: date) -> list[tuple[BedAssignment, Child]]:
    """Who sleeps in a room on a night, by bed."""
    rows = session.execute(
        select(BedAssignment, Child)
        .join(Child, Child.id == BedAssignment.child_id)
        .where(BedAssignment.room_id == room.id, _bed_held_on(day))
        .order_by(BedAssignment.bed, Child.name_pinyin)
    ).all()
    return [(assignment, child) for assignment, child in rows]


def boarders_without_bed(session: Session, day: date) -> list[Child]:
    """Boarders on the roll who have no bed yet, by class and name."""
    housed = select(BedAssignment.child_id).where(_bed_held_on(day))
    return list(
        session.scalars(
            select(Child)
            .options(selectinload(Child.school_class))
            .outerjoin(SchoolClass, SchoolClass.id == Child.class_id)
            .where(Child.is_boarder, Child.status.in_(ON_ROLL), Child.id.not_in(housed))
            .order_by(SchoolClass.grade, SchoolClass.section, Child.name_pinyin)
        )
    )


def find_dorm_check(session: Session, room_id: int, day: date) -> DormCheck | None:
    return session.scalar(
        select(DormCheck)
        .options(joinedload(DormCheck.taken_by), joinedload(DormCheck.changed_by))
        .where(DormCheck.room_id == room_id, DormCheck.day == day)
    )


def headcount_sheet(session: Session, room: DormRoom, day: date) -> Sheet:
    beds = [
        (assignment, child)
        for assignment, child in room_beds(session, room, day)
        if child.status in ON_ROLL
    ]
    check = find_dorm_check(session, room.id, day)
    marks: dict[int, DormMark] = {}
    if check is not None:
        marks = {
            m.child_id: m
            for m in session.scalars(select(DormMark).where(DormMark.check_id == check.id))
        }
    leaves = leaves_on(session, day, DayPart.NIGHT, [child.id for _a, child in beds])
    rows = []
    for assignment, child in beds:
        mark, leave = marks.get(child.id), leaves.get(child.id)
        if mark is not None:
            row = SheetRow(child, mark.status, True, leave, assignment.bed, mark.id)
        else:
            preset = DormStatus.ON_LEAVE if leave is not None else None
            row = SheetRow(child, preset, False, leave, assignment.bed)
        rows.append(row)
    return _sheet(session, rows, DormStatus.IN_ROOM, check, SheetSubmission.dorm_check_id)
