"""What safety work waits for a person on the today page.

At the top, the urgent: a boarder not accounted for tonight, a dropout risk (控辍). Below the care
work, the routine: one's classes' roll calls today, the unexplained absences to follow up, the
classes that have not taken the roll by the school's deadline (the safety lead), tonight's
headcount by room (the dorm supervisor). A few statements in all: the alerts and follow-ups in
one, each of the rest only for the roles it serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, select, true
from sqlalchemy.orm import Session

from webapp.children.models import Child, SchoolClass
from webapp.core.db import utcnow
from webapp.core.permissions import CLASS_ROLES, Role, can
from webapp.safety import queries
from webapp.safety.models import (
    URGENT_ALERTS,
    DayPart,
    DormCheck,
    DormMark,
    DormRoom,
    DormStatus,
    RollCall,
    RollCallMark,
    SafetyAlert,
    SafetySettings,
)

ALERTS_SHOWN = 30
# The roles safety alerts and follow-ups are addressed to.
RECIPIENTS = CLASS_ROLES | {Role.PRINCIPAL, Role.DORM_SUPERVISOR, Role.SAFETY_LEAD}


@dataclass(frozen=True)
class AlertItem:
    alert: SafetyAlert
    child_name: str
    day: date | None = None  # the roll call's, for an absence or a dropout risk
    part: DayPart | None = None
    room_name: str | None = None  # the dorm room's, for a boarder not accounted for
    found: bool = False  # accounted for since (the headcount was corrected)


@dataclass(frozen=True)
class ClassRollCall:
    class_id: int
    class_name: str
    part: DayPart
    taken_at: datetime | None
    late: bool
    of_several: bool = False  # the school takes the roll in the morning and the afternoon


@dataclass
class Panel:
    day: date
    urgent: list[AlertItem] = field(default_factory=list)
    follow_ups: list[AlertItem] = field(default_factory=list)
    roll_calls: list[ClassRollCall] = field(default_factory=list)
    board: queries.Board | None = None
    rooms: list[queries.RoomTonight] | None = None

    @property
    def routine(self) -> bool:
        return bool(
            self.follow_ups or self.roll_calls or self.board is not None or self.rooms is not None
        )

    def __bool__(self) -> bool:
        return bool(self.urgent) or self.routine


def panel(
    session: Session,
    user_id: int,
    roles: frozenset[Role],
    today: date,
    now: datetime | None = None,
) -> Panel:
    now = now or utcnow()
    found = Panel(today)
    if roles & RECIPIENTS:
        for item in waiting_for(session, user_id):
            (found.urgent if item.alert.kind in URGENT_ALERTS else found.follow_ups).append(item)
    if queries.is_school_day(today):
        if can("safety.roll_call_board", roles):
            found.board = queries.board(session, today, now)
        elif roles & CLASS_ROLES:
            found.roll_calls = own_roll_calls(session, user_id, today, now)
    if Role.DORM_SUPERVISOR in roles:  # some boarders stay the weekend: every night
        found.rooms = queries.dorm_rooms(session, today)
    return found


def waiting_for(session: Session, user_id: int) -> list[AlertItem]:
    """The open safety alerts and follow-ups addressed to a person, newest first, with what
    they are about, in one statement."""
    rows = session.execute(
        select(SafetyAlert, Child.name, RollCall.day, RollCall.part, DormRoom.name, DormMark.status)
        .join(Child, Child.id == SafetyAlert.child_id)
        .outerjoin(RollCallMark, RollCallMark.id == SafetyAlert.roll_call_mark_id)
        .outerjoin(RollCall, RollCall.id == RollCallMark.roll_call_id)
        .outerjoin(DormMark, DormMark.id == SafetyAlert.dorm_mark_id)
        .outerjoin(DormCheck, DormCheck.id == DormMark.check_id)
        .outerjoin(DormRoom, DormRoom.id == DormCheck.room_id)
        .where(SafetyAlert.recipient_id == user_id, SafetyAlert.closed_at.is_(None))
        .order_by(SafetyAlert.created_at.desc(), SafetyAlert.id.desc())
        .limit(ALERTS_SHOWN)
    ).all()
    return [
        AlertItem(
            alert,
            child_name,
            day,
            part,
            room_name,
            found=status is not None and status != DormStatus.MISSING,
        )
        for alert, child_name, day, part, room_name, status in rows
    ]


def own_roll_calls(
    session: Session, user_id: int, today: date, now: datetime
) -> list[ClassRollCall]:
    """Today's roll calls of the classes a person teaches, taken or not, in one statement (the
    school's settings joined in)."""
    rows = session.execute(
        select(SchoolClass.id, SchoolClass.name, RollCall.part, RollCall.taken_at, SafetySettings)
        .outerjoin(RollCall, and_(RollCall.class_id == SchoolClass.id, RollCall.day == today))
        .outerjoin(SafetySettings, true())
        .where(SchoolClass.teacher_id == user_id, SchoolClass.is_active)
        .order_by(SchoolClass.grade, SchoolClass.section, SchoolClass.id)
    ).all()
    if not rows:
        return []
    school = rows[0][4] or queries.default_settings()
    taken: dict[tuple[int, DayPart], datetime] = {}
    classes: dict[int, str] = {}
    for class_id, class_name, part, taken_at, _settings in rows:
        classes[class_id] = class_name
        if part is not None:
            taken[(class_id, part)] = taken_at
    return [
        ClassRollCall(
            class_id,
            class_name,
            part,
            taken.get((class_id, part)),
            (class_id, part) not in taken and now >= queries.due_at(today, school, part),
            of_several=len(school.parts) > 1,
        )
        for class_id, class_name in classes.items()
        for part in school.parts
    ]
