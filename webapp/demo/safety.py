"""Demo safety work: the boarders' rooms and beds, the roll calls and headcounts of the days
before DEMO_TODAY (Friday 27 November 2026), a few leaves, and the absences that open follow-ups.

The stories, at 阳光小学:
- 三年级一班 (王丽): a left-behind child was absent without word on Thursday, so the follow-up
  waits on her today page; another child is on sick leave Thursday and Friday (the grandmother
  called), so today's roll call opens with that child preset.
- 五年级一班: a left-behind child was absent without word on Monday, Tuesday and Thursday: the
  dropout-risk alarm (控辍) waits on the principal's today page.
- This morning every class but 三年级一班 and 六年级一班 has taken the roll: the safety lead's
  board shows those two as late once 08:30 has passed.
- A boarder went home on Wednesday night for a family matter (a night leave): the headcount of
  that night has the child on leave.
At 红星小学 the roll calls and headcounts of the week, and one follow-up for 陈志强's class.

Everything goes through the services, with uids derived from natural keys: a second run finds
every sheet (a replay) and every leave and changes nothing.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webapp.children.access import ON_ROLL
from webapp.children.models import Child, Gender, LeftBehindType, SchoolClass
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.org import Tenant
from webapp.core.permissions import Role
from webapp.core.tenancy import tenant_context
from webapp.demo.care import DEMO_TODAY
from webapp.safety import queries, service
from webapp.safety.models import (
    AbsenceReason,
    Attendance,
    BedAssignment,
    DayPart,
    DormRoom,
    LeaveKind,
)

NAMESPACE = uuid.UUID("0b7f6a52-3c1e-4d0a-9f3e-5a1c2d7e8b94")
SEED = "shouwang-safety-20261127"
SCHOOLS = ("yangguang", "hongxing")
SCHOOL_DAYS = [DEMO_TODAY - timedelta(days=n) for n in (4, 3, 2, 1)]  # Monday to Thursday
BEDS_PER_ROOM = 8
NOT_YET_TODAY = {"yangguang": ("三年级一班", "六年级一班")}
FOLLOW_UP_CLASS = {"yangguang": "三年级一班", "hongxing": "五年级一班"}
DROPOUT_CLASS = ("yangguang", "五年级一班")
DROPOUT_DAYS = (SCHOOL_DAYS[0], SCHOOL_DAYS[1], SCHOOL_DAYS[3])


class Report(Protocol):
    def add(self, kind: str, count: int = 1) -> None: ...


def uid_for(*key: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(part) for part in key))


def at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SCHOOL_TIMEZONE)


def load_safety(session: Session, tenants: dict[str, Tenant], report: Report) -> None:
    """Rooms, beds, leaves, roll calls and headcounts of the demo schools. Flushes only."""
    for slug in SCHOOLS:
        with tenant_context(session, tenants[slug].id):
            SchoolSafety(session, slug, tenants[slug], report).write()


class SchoolSafety:
    def __init__(self, session: Session, slug: str, tenant: Tenant, report: Report) -> None:
        self.session, self.slug, self.tenant, self.report = session, slug, tenant, report
        self.rng = random.Random(f"{SEED}/{slug}")
        self.classes = list(
            session.scalars(
                select(SchoolClass)
                .where(SchoolClass.is_active)
                .order_by(SchoolClass.grade, SchoolClass.section)
            )
        )
        children = session.scalars(
            select(Child).options(selectinload(Child.guardians)).where(Child.status.in_(ON_ROLL))
        ).all()
        self.by_class: dict[int, list[Child]] = {}
        for child in sorted(children, key=lambda c: c.id_number or c.name):
            self.by_class.setdefault(child.class_id, []).append(child)
        night_staff = queries.members_with(session, tenant.id, Role.DORM_SUPERVISOR)
        self.night_staff = (
            night_staff or queries.members_with(session, tenant.id, Role.PRINCIPAL)
        )[0]

    def write(self) -> None:
        rooms = self._rooms()
        absences = self._stories()
        for day in SCHOOL_DAYS:
            for school_class in self.classes:
                self._roll_call(school_class, day, absences.get((school_class.id, day), {}))
            for room in rooms:
                self._headcount(room, day)
        for school_class in self.classes:
            if school_class.name not in NOT_YET_TODAY.get(self.slug, ()):
                self._roll_call(school_class, DEMO_TODAY, {})
        self._explain_one_dropout_absence()

    # Rooms and beds --------------------------------------------------------------------------

    def _rooms(self) -> list[DormRoom]:
        boarders = [c for kids in self.by_class.values() for c in kids if c.is_boarder]
        rooms = []
        for gender, prefix, floor in ((Gender.MALE, "男生", 1), (Gender.FEMALE, "女生", 2)):
            group = [c for c in boarders if c.gender == gender]
            for number in range((len(group) + BEDS_PER_ROOM - 1) // BEDS_PER_ROOM):
                name = f"{prefix}{floor}0{number + 1}"
                room = self.session.scalar(select(DormRoom).where(DormRoom.name == name))
                if room is None:
                    room, _created = service.add_room(
                        self.session,
                        uid=uid_for(self.slug, "room", name),
                        name=name,
                        building="宿舍楼",
                        beds=BEDS_PER_ROOM,
                        actor_id=None,
                    )
                    self.report.add("dorm rooms")
                rooms.append(room)
                sleepers = group[number * BEDS_PER_ROOM : (number + 1) * BEDS_PER_ROOM]
                for bed, child in enumerate(sleepers, start=1):
                    self._bed(room, child, str(bed))
        return rooms

    def _bed(self, room: DormRoom, child: Child, bed: str) -> None:
        if self.session.scalar(select(BedAssignment.id).where(BedAssignment.child_id == child.id)):
            return
        service.assign_bed(
            self.session,
            uid=uid_for(self.slug, "bed", child.uid),
            room=room,
            child=child,
            bed=bed,
            on=date(2026, 9, 1),
            actor_id=None,
        )
        self.report.add("beds")

    # Leaves and the absences of the stories --------------------------------------------------

    def _class(self, name: str) -> SchoolClass | None:
        return next((c for c in self.classes if c.name == name), None)

    def _left_behind(self, school_class: SchoolClass, skip: int = 0) -> Child:
        found = [
            c
            for c in self.by_class.get(school_class.id, [])
            if c.left_behind_type != LeftBehindType.NONE and not c.is_boarder
        ]
        return found[skip]

    def _stories(self) -> dict[tuple[int, date], dict[int, Attendance]]:
        """The absences without word, by class and day; the leaves, entered before the roll."""
        absences: dict[tuple[int, date], dict[int, Attendance]] = {}
        follow_up = self._class(FOLLOW_UP_CLASS[self.slug])
        if follow_up is not None:
            child = self._left_behind(follow_up)
            absences.setdefault((follow_up.id, SCHOOL_DAYS[3]), {})[child.id] = Attendance.ABSENT
            if self.slug == "yangguang":
                others = [c for c in self.by_class[follow_up.id] if c is not child]
                self._leave(
                    others[0],
                    LeaveKind.SICK,
                    SCHOOL_DAYS[3],
                    2,
                    DayPart.WHOLE_DAY,
                    "奶奶（电话）",
                    "发烧，去镇卫生院看病，在家休息两天。",
                )
        if self.slug == DROPOUT_CLASS[0]:
            school_class = self._class(DROPOUT_CLASS[1])
            child = self._left_behind(school_class)
            for day in DROPOUT_DAYS:
                absences.setdefault((school_class.id, day), {})[child.id] = Attendance.ABSENT
            self.dropout_child = child
        boarders = [c for kids in self.by_class.values() for c in kids if c.is_boarder]
        if boarders:
            self._leave(
                boarders[0],
                LeaveKind.PERSONAL,
                SCHOOL_DAYS[2],
                1,
                DayPart.NIGHT,
                "爸爸（电话）",
                "爸爸打工回来，接回家住一晚。",
            )
        return absences

    def _leave(
        self,
        child: Child,
        kind: LeaveKind,
        starts_on: date,
        days: int,
        part: DayPart,
        asked_by: str,
        reason: str,
    ) -> None:
        saved = service.record_leave(
            self.session,
            uid=uid_for(self.slug, "leave", child.uid, starts_on),
            child=child,
            kind=kind,
            starts_on=starts_on,
            days=days,
            part=part,
            asked_by=asked_by,
            reason=reason,
            actor_id=self._teacher_of(child),
        )
        if saved.created:
            self.report.add("leaves")

    def _teacher_of(self, child: Child) -> int | None:
        school_class = next((c for c in self.classes if c.id == child.class_id), None)
        return school_class.teacher_id if school_class else None

    # Sheets ----------------------------------------------------------------------------------

    def _roll_call(
        self, school_class: SchoolClass, day: date, absences: dict[int, Attendance]
    ) -> None:
        children = self.by_class.get(school_class.id, [])
        if not children:
            return
        rng = random.Random(f"{SEED}/{self.slug}/{school_class.name}/{day}")
        sent = dict(absences)
        if rng.random() < 0.5:
            sent.setdefault(rng.choice(children).id, Attendance.LATE)
        if rng.random() < 0.2:
            sent.setdefault(rng.choice(children).id, Attendance.SICK)
        saved = service.take_roll_call(
            self.session,
            uid=uid_for(self.slug, "roll", school_class.name, day),
            school_class=school_class,
            day=day,
            part=DayPart.MORNING,
            sent=sent,
            actor_id=school_class.teacher_id,
            now=at(day, 7, 40 + school_class.grade * 2 + school_class.section),
        )
        if saved.created:
            self.report.add("roll calls")

    def _headcount(self, room: DormRoom, day: date) -> None:
        saved = service.take_headcount(
            self.session,
            uid=uid_for(self.slug, "headcount", room.name, day),
            room=room,
            day=day,
            sent={},
            actor_id=self.night_staff,
            now=at(day, 21, 10),
        )
        if saved.created:
            self.report.add("headcounts")

    def _explain_one_dropout_absence(self) -> None:
        """The first of the dropout story's absences was followed up: the family said the child
        did not want to come. The later ones still wait."""
        child = getattr(self, "dropout_child", None)
        if child is None:
            return
        roll_call = queries.find_roll_call(
            self.session, child.class_id, DROPOUT_DAYS[0], DayPart.MORNING
        )
        mark = next(
            (
                mark
                for _roll_call, mark in queries.marks_of_child(
                    self.session, child.id, DROPOUT_DAYS[0]
                )
                if mark.roll_call_id == roll_call.id
            ),
            None,
        )
        if mark is not None and mark.explained_at is None:
            service.explain_absence(
                self.session,
                mark,
                reason=AbsenceReason.UNWILLING,
                notes="爷爷说孩子早上哭着不肯来学校，说同学笑话他。",
                actor_id=self._teacher_of(child),
                now=at(DROPOUT_DAYS[0], 10, 20),
            )
            self.report.add("absences explained")
