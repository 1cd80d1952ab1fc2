"""Safety (安全): who is away today and why, the class roll calls, the boarders' beds and the
nightly dorm headcount, and the alerts they raise.

Leave (请假) is entered once, often from a grandparent's phone call, and prefills the class roll
call, the dorm headcount and the bus manifest of the days it covers. A roll call (点名) and a
headcount (查寝) are sheets of marks, one per child, sent from one page: exceptions first, then
"the rest are here". Each sending is a submission with the page's own UUID, so a double tap or a
replay changes nothing; a sheet sent again keeps the marks it did not change.
"""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.choices import Choice
from webapp.core.crypto import Sensitive
from webapp.core.db import Base, HasUid, Timestamped, enum_column, utcnow
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys


class LeaveKind(Choice):
    SICK = "sick", _l("Sick leave")
    PERSONAL = "personal", _l("Personal leave")


class DayPart(Choice):
    """Which part of the days a leave covers: the roll call, the dorm and the bus ask."""

    WHOLE_DAY = "whole_day", _l("Whole day")
    MORNING = "morning", _l("Morning")
    AFTERNOON = "afternoon", _l("Afternoon")
    NIGHT = "night", _l("Night (dorm)")


class Leave(HasUid, TenantScoped, Timestamped, Base):
    """A leave (请假): a child away for some days, who asked, why (sealed: often health)."""

    __tablename__ = "leave"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "starts_on", "ends_on"),
        Index(None, "tenant_id", "child_id", "starts_on"),
    )

    child_id: Mapped[int]
    kind: Mapped[LeaveKind] = mapped_column(enum_column(LeaveKind))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    part: Mapped[DayPart] = mapped_column(enum_column(DayPart), default=DayPart.WHOLE_DAY)
    asked_by: Mapped[str | None] = mapped_column(String(50))  # 奶奶 (phone call)
    reason_sealed: Mapped[str | None] = mapped_column("reason", Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    cancelled_at: Mapped[datetime | None]

    reason = Sensitive("reason_sealed")

    child = relationship(
        "Child", primaryjoin=same_tenant_join("Leave", "child_id", "Child"), viewonly=True
    )
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    def covers(self, day: date) -> bool:
        return self.cancelled_at is None and self.starts_on <= day <= self.ends_on

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


def parts_covering(part: DayPart) -> tuple[DayPart, ...]:
    """The leaves that keep a child away from this part of a day: a whole-day leave covers the
    morning, the afternoon and the night; asked for the whole day, only whole-day leaves."""
    return (DayPart.WHOLE_DAY,) if part == DayPart.WHOLE_DAY else (DayPart.WHOLE_DAY, part)


# Roll call (点名) ------------------------------------------------------------------------------


class Attendance(Choice):
    """A child's mark in a class roll call; the buttons of the roll-call page, in this order."""

    PRESENT = "present", _l("Present")
    LATE = "late", _l("Late")
    SICK = "sick", _l("Sick leave")
    PERSONAL = "personal", _l("Personal leave")
    ABSENT = "absent", _l("Absent (unexplained)")
    LEFT_EARLY = "left_early", _l("Left early")

    @property
    def at_school(self) -> bool:
        """Counted as there (实到): present, late or left early."""
        return self in (Attendance.PRESENT, Attendance.LATE, Attendance.LEFT_EARLY)

    @property
    def short(self) -> str:
        """The label above a count: 未说明 rather than 缺勤(未说明)."""
        return str(_SHORT_LABELS.get(self, self.lazy_label))


_SHORT_LABELS = {
    Attendance.ABSENT: _l("Unexplained"),
}

# What a leave presets in the roll call.
ATTENDANCE_ON_LEAVE = {LeaveKind.SICK: Attendance.SICK, LeaveKind.PERSONAL: Attendance.PERSONAL}
ROLL_CALL_PARTS = (DayPart.MORNING, DayPart.AFTERNOON)
DEFAULT_MORNING_DEADLINE = time(8, 30)
DEFAULT_AFTERNOON_DEADLINE = time(14, 30)


class SafetySettings(TenantScoped, Timestamped, Base):
    """A school's own safety settings: by when each roll call is due, and whether the afternoon
    has one of its own. No row: the defaults."""

    __tablename__ = "safety_settings"
    __table_args__ = tenant_keys(UniqueConstraint("tenant_id"))

    morning_deadline: Mapped[time] = mapped_column(default=DEFAULT_MORNING_DEADLINE)
    afternoon_roll_call: Mapped[bool] = mapped_column(default=False)
    afternoon_deadline: Mapped[time] = mapped_column(default=DEFAULT_AFTERNOON_DEADLINE)

    def deadline(self, part: DayPart) -> time:
        return self.afternoon_deadline if part == DayPart.AFTERNOON else self.morning_deadline

    @property
    def parts(self) -> tuple[DayPart, ...]:
        """The roll calls of a school day."""
        return ROLL_CALL_PARTS if self.afternoon_roll_call else ROLL_CALL_PARTS[:1]


class RollCall(TenantScoped, Base):
    """A class's roll call (点名) for one part of one day: who took it first, who changed it
    last. Its marks say where every child was."""

    __tablename__ = "roll_call"
    __table_args__ = tenant_keys(
        tenant_fk("class_id", "school_class"),
        UniqueConstraint("tenant_id", "class_id", "day", "part"),
        Index(None, "tenant_id", "day"),
    )

    class_id: Mapped[int]
    day: Mapped[date]
    part: Mapped[DayPart] = mapped_column(enum_column(DayPart))
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    changed_at: Mapped[datetime | None]

    school_class = relationship(
        "SchoolClass",
        primaryjoin=same_tenant_join("RollCall", "class_id", "SchoolClass"),
        viewonly=True,
    )
    taken_by = relationship("User", foreign_keys=[taken_by_id])
    changed_by = relationship("User", foreign_keys=[changed_by_id])


class AbsenceReason(Choice):
    """Why a child was away, as the guardian said when the class teacher called."""

    ILL = "ill", _l("Ill")
    FAMILY = "family", _l("Family matter")
    UNWILLING = "unwilling", _l("Did not want to come")
    WORKING = "working", _l("Kept home to work")
    OTHER = "other", _l("Other")


class RollCallMark(HasUid, TenantScoped, Base):
    """One child's mark in a roll call. An unexplained absence (缺勤未说明) is explained on the
    mark itself when the class teacher has reached the family: that closes its follow-up."""

    __tablename__ = "roll_call_mark"
    __table_args__ = tenant_keys(
        tenant_fk("roll_call_id", "roll_call"),
        tenant_fk("child_id", "child"),
        tenant_fk("leave_id", "leave"),
        UniqueConstraint("tenant_id", "uid"),
        UniqueConstraint("tenant_id", "roll_call_id", "child_id"),
        Index(None, "tenant_id", "child_id", "status"),
    )

    roll_call_id: Mapped[int]
    child_id: Mapped[int]
    status: Mapped[Attendance] = mapped_column(enum_column(Attendance))
    leave_id: Mapped[int | None]  # the leave that preset it
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[AbsenceReason | None] = mapped_column(enum_column(AbsenceReason))
    reason_notes_sealed: Mapped[str | None] = mapped_column("reason_notes", Text)
    explained_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    explained_at: Mapped[datetime | None]

    reason_notes = Sensitive("reason_notes_sealed")

    roll_call = relationship(
        "RollCall",
        primaryjoin=same_tenant_join("RollCallMark", "roll_call_id", "RollCall"),
        viewonly=True,
    )
    child = relationship(
        "Child", primaryjoin=same_tenant_join("RollCallMark", "child_id", "Child"), viewonly=True
    )
    explained_by = relationship("User", foreign_keys=[explained_by_id])

    @property
    def unexplained(self) -> bool:
        return self.status == Attendance.ABSENT and self.explained_at is None


class SheetKind(Choice):
    ROLL_CALL = "roll_call", _l("Roll call")
    DORM_CHECK = "dorm_check", _l("Dorm headcount")


class SheetSubmission(HasUid, TenantScoped, Base):
    """One sending of a roll-call or headcount page. The page's own UUID makes it once: a double
    tap, a retry or a replay finds it and changes nothing. Also the history of who counted."""

    __tablename__ = "sheet_submission"
    __table_args__ = tenant_keys(
        tenant_fk("roll_call_id", "roll_call"),
        tenant_fk("dorm_check_id", "dorm_check"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "roll_call_id"),
        Index(None, "tenant_id", "dorm_check_id"),
    )

    kind: Mapped[SheetKind] = mapped_column(enum_column(SheetKind))
    roll_call_id: Mapped[int | None]
    dorm_check_id: Mapped[int | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed: Mapped[int] = mapped_column(default=0)  # marks set or changed by this sending

    submitted_by = relationship("User", foreign_keys=[submitted_by_id])


# Dorm (宿舍) -----------------------------------------------------------------------------------


class DormRoom(HasUid, TenantScoped, Timestamped, Base):
    """A dorm room (寝室) of the boarders, with its number of beds."""

    __tablename__ = "dorm_room"
    __table_args__ = tenant_keys(
        UniqueConstraint("tenant_id", "uid"),
        UniqueConstraint("tenant_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(40))
    building: Mapped[str | None] = mapped_column(String(40))
    beds: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True)


class BedAssignment(HasUid, TenantScoped, Base):
    """A boarder's bed (床位) in a dorm room, from one day until moved out; history is kept."""

    __tablename__ = "bed_assignment"
    __table_args__ = tenant_keys(
        tenant_fk("room_id", "dorm_room"),
        tenant_fk("child_id", "child"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "room_id", "ends_on"),
        Index(None, "tenant_id", "child_id", "ends_on"),
    )

    room_id: Mapped[int]
    child_id: Mapped[int]
    bed: Mapped[str] = mapped_column(String(10))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    room = relationship(
        "DormRoom",
        primaryjoin=same_tenant_join("BedAssignment", "room_id", "DormRoom"),
        viewonly=True,
    )
    child = relationship(
        "Child", primaryjoin=same_tenant_join("BedAssignment", "child_id", "Child"), viewonly=True
    )


class DormStatus(Choice):
    """A boarder's mark in the nightly headcount (查寝), the buttons in this order."""

    IN_ROOM = "in_room", _l("In the room")
    ON_LEAVE = "on_leave", _l("On leave")
    INFIRMARY = "infirmary", _l("With the nurse or at the doctor's")
    MISSING = "missing", _l("Not accounted for")

    @property
    def accounted(self) -> bool:
        return self != DormStatus.MISSING

    @property
    def short(self) -> str:
        return str(_SHORT_LABELS.get(self, self.lazy_label))


_SHORT_LABELS.update(
    {
        DormStatus.INFIRMARY: _l("At the doctor's"),
        DormStatus.MISSING: _l("Missing"),
    }
)


class DormCheck(TenantScoped, Base):
    """A dorm room's headcount (查寝) on one night: who took it, who changed it last."""

    __tablename__ = "dorm_check"
    __table_args__ = tenant_keys(
        tenant_fk("room_id", "dorm_room"),
        UniqueConstraint("tenant_id", "room_id", "day"),
        Index(None, "tenant_id", "day"),
    )

    room_id: Mapped[int]
    day: Mapped[date]
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    changed_at: Mapped[datetime | None]

    room = relationship(
        "DormRoom",
        primaryjoin=same_tenant_join("DormCheck", "room_id", "DormRoom"),
        viewonly=True,
    )
    taken_by = relationship("User", foreign_keys=[taken_by_id])
    changed_by = relationship("User", foreign_keys=[changed_by_id])


class DormMark(TenantScoped, Base):
    """One boarder's mark in a night's headcount."""

    __tablename__ = "dorm_mark"
    __table_args__ = tenant_keys(
        tenant_fk("check_id", "dorm_check"),
        tenant_fk("child_id", "child"),
        tenant_fk("leave_id", "leave"),
        UniqueConstraint("tenant_id", "check_id", "child_id"),
        Index(None, "tenant_id", "child_id"),
    )

    check_id: Mapped[int]
    child_id: Mapped[int]
    status: Mapped[DormStatus] = mapped_column(enum_column(DormStatus))
    leave_id: Mapped[int | None]
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)

    check = relationship(
        "DormCheck",
        primaryjoin=same_tenant_join("DormMark", "check_id", "DormCheck"),
        viewonly=True,
    )
    child = relationship(
        "Child", primaryjoin=same_tenant_join("DormMark", "child_id", "Child"), viewonly=True
    )


# Alerts and follow-ups ------------------------------------------------------------------------


class SafetyAlertKind(Choice):
    MISSING_AT_NIGHT = "missing_at_night", _l("Not accounted for at the dorm headcount")
    DROPOUT_RISK = "dropout_risk", _l("Dropout risk: absent without word again and again")
    ABSENCE_FOLLOW_UP = "absence_follow_up", _l("Absent without word: call the guardian")


URGENT_ALERTS = frozenset({SafetyAlertKind.MISSING_AT_NIGHT, SafetyAlertKind.DROPOUT_RISK})


class SafetyAlert(TenantScoped, Base):
    """Something about a child's safety that waits on one person's today page, one row per
    recipient so each acknowledges for themselves: a boarder unaccounted for (the dorm
    supervisors, the class teacher, the safety leads), a dropout risk (控辍, the principals),
    an unexplained absence of a left-behind child to follow up (the class teacher, closed by
    recording the reason)."""

    __tablename__ = "safety_alert"
    __table_args__ = tenant_keys(
        tenant_fk("child_id", "child"),
        tenant_fk("roll_call_mark_id", "roll_call_mark"),
        tenant_fk("dorm_mark_id", "dorm_mark"),
        Index(None, "tenant_id", "recipient_id", "closed_at"),
        Index(None, "tenant_id", "child_id", "kind"),
    )

    kind: Mapped[SafetyAlertKind] = mapped_column(enum_column(SafetyAlertKind))
    child_id: Mapped[int]
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    roll_call_mark_id: Mapped[int | None]
    dorm_mark_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]  # acknowledged, or (a follow-up) the reason recorded

    child = relationship(
        "Child", primaryjoin=same_tenant_join("SafetyAlert", "child_id", "Child"), viewonly=True
    )
