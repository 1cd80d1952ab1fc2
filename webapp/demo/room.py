"""Demo of the children's home and the work with families.

阳光小学 has six rooms kept by 张秀英 (13800000003), open at lunchtime and after school in term
time, all day at the weekend and longer in the holidays; three weeks of after-school visits up
to the demo's day (everyone signed out at closing); a parents' meeting and a guardian training
with the families who came. 红星小学 has one room, one week of visits and one meeting, so that
every URL of these pages has another school's ids to be refused. Fixed uids (uuid5 of a
natural key): a second run adds nothing.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth.service import find_user_by_phone
from webapp.children.access import ON_ROLL
from webapp.children.models import Child, SchoolClass
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.org import Tenant
from webapp.core.tenancy import tenant_context
from webapp.families import service as families_service
from webapp.families.models import GuardianMeeting, MeetingKind
from webapp.families.queries import class_families
from webapp.room import service
from webapp.room.models import Room, RoomKind

NAMESPACE = uuid.UUID("0b6f1c2e-7f55-4d0a-9a8e-3c1d5e7f9a21")
KEEPER_PHONE = "13800000003"
DEMO_TODAY = date(2026, 11, 27)
HISTORY_WEEKS = 3

ROOMS = {
    "yangguang": [
        ("阅览室", RoomKind.READING),
        ("音乐室", RoomKind.MUSIC),
        ("体育活动室", RoomKind.SPORTS),
        ("美术室", RoomKind.ART),
        ("谈心室", RoomKind.TALK),
        ("亲情电话室", RoomKind.FAMILY_PHONE),
    ],
    "hongxing": [("图书角", RoomKind.READING)],
}
# (weekdays, opens, closes, in the holidays): lunchtime and after school on school days, the
# weekend's three sessions for the boarders, and longer days in the holidays.
HOURS = [
    ((0, 1, 2, 3, 4), time(12, 30), time(13, 30), False),
    ((0, 1, 2, 3, 4), time(16, 0), time(17, 30), False),
    ((5, 6), time(8, 0), time(11, 0), False),
    ((5, 6), time(13, 0), time(17, 0), False),
    ((5, 6), time(18, 0), time(20, 30), False),
    ((0, 1, 2, 3, 4, 5, 6), time(8, 30), time(11, 30), True),
    ((0, 1, 2, 3, 4, 5, 6), time(14, 0), time(17, 30), True),
]
# After-school visits: (room, how many children on a school day).
VISITS = {
    "yangguang": [("阅览室", 6), ("音乐室", 4), ("体育活动室", 5)],
    "hongxing": [("图书角", 4)],
}
# (school, title, kind, day, place, summary, classes whose families came, share who came)
MEETINGS = [
    (
        "yangguang",
        "秋季学期家长会",
        MeetingKind.PARENT_MEETING,
        date(2026, 9, 18),
        "学校会议室",
        "介绍本学期的关爱安排和代理家长；请监护人每周检查作业，留好联系电话。",
        ("三年级一班", "三年级二班"),
        0.8,
    ),
    (
        "yangguang",
        "冬季安全监护人培训",
        MeetingKind.GUARDIAN_TRAINING,
        date(2026, 11, 13),
        "留守儿童之家",
        "讲了防火、防溺水、防煤气中毒和冬季用电安全，发放了安全告知书。",
        ("三年级一班",),
        0.7,
    ),
    (
        "hongxing",
        "家长学校：如何和孩子视频聊天",
        MeetingKind.PARENT_SCHOOL,
        date(2026, 10, 23),
        "红星小学多功能室",
        "请外出务工的家长多和孩子视频，聊学习也聊生活。",
        ("五年级一班",),
        0.6,
    ),
]


class Report(Protocol):
    def add(self, kind: str, count: int = 1) -> None: ...


def uid_for(*key: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(part) for part in key))


def at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=SCHOOL_TIMEZONE)


def load_room_demo(session: Session, tenants: dict[str, Tenant], report: Report) -> None:
    """The rooms, visits and meetings of the demo schools. Flushes; never commits."""
    keeper = find_user_by_phone(session, KEEPER_PHONE)
    for slug, rooms in ROOMS.items():
        with tenant_context(session, tenants[slug].id):
            made = {
                name: _room(
                    session, slug, name, kind, keeper.id if slug == "yangguang" else None, report
                )
                for name, kind in rooms
            }
            _visits(session, slug, made, keeper.id if slug == "yangguang" else None, report)
    for slug, *meeting in MEETINGS:
        with tenant_context(session, tenants[slug].id):
            _meeting(session, slug, *meeting, report=report)


def _room(
    session: Session, slug: str, name: str, kind: RoomKind, keeper_id: int | None, report: Report
) -> Room:
    saved = service.create_room(
        session,
        uid=uid_for(slug, "room", name),
        name=name,
        kind=kind,
        keeper_id=keeper_id,
        actor_id=None,
    )
    if saved.created:
        report.add("rooms")
        for weekdays, opens, closes, holidays in HOURS:
            service.add_hours(
                session,
                saved.room,
                weekdays=weekdays,
                opens=opens,
                closes=closes,
                in_holidays=holidays,
                actor_id=None,
            )
    return saved.room


def _school_days() -> list[date]:
    first = DEMO_TODAY - timedelta(weeks=HISTORY_WEEKS)
    days = [first + timedelta(days=n) for n in range((DEMO_TODAY - first).days)]
    return [day for day in days if day.weekday() < 5]


def _visits(
    session: Session, slug: str, rooms: dict[str, Room], keeper_id: int | None, report: Report
) -> None:
    """After school, a few children in each room; the keeper signs everyone out at 17:30."""
    children = list(
        session.scalars(
            select(Child)
            .join(SchoolClass, SchoolClass.id == Child.class_id)
            .where(Child.status.in_(ON_ROLL))
            .order_by(Child.id)
        )
    )
    weeks = 1 if slug == "hongxing" else HISTORY_WEEKS
    days = _school_days()[-5 * weeks :]
    for day in days:
        rng = random.Random(f"{slug}/visits/{day}")
        pool = list(children)
        rng.shuffle(pool)
        for name, count in VISITS[slug]:
            room = rooms[name]
            for n, child in enumerate(pool[:count]):
                tapped = service.sign_in(
                    session,
                    uid=uid_for(slug, "in", day, name, child.id),
                    room=room,
                    child=child,
                    actor_id=keeper_id,
                    self_service=n % 3 == 2,
                    now=at(day, time(16, 5 + 2 * n)),
                )
                if not tapped.replayed:
                    report.add("sign-ins")
            pool = pool[count:]
            service.sign_everyone_out(
                session,
                uid=uid_for(slug, "close", day, name),
                room=room,
                actor_id=keeper_id,
                now=at(day, time(17, 30)),
            )


def _meeting(
    session: Session,
    slug: str,
    title: str,
    kind: MeetingKind,
    held_on: date,
    place: str,
    summary: str,
    class_names: tuple[str, ...],
    share: float,
    *,
    report: Report,
) -> None:
    uid = uid_for(slug, "meeting", title)
    if session.scalar(select(GuardianMeeting.id).where(GuardianMeeting.uid == uid)):
        return
    meeting = families_service.record_meeting(
        session,
        uid=uid,
        title=title,
        kind=kind,
        held_on=held_on,
        place=place,
        summary=summary,
        organiser_id=None,
    ).meeting
    report.add("guardian meetings")
    rng = random.Random(f"{slug}/{title}")
    for class_name in class_names:
        school_class = session.scalar(select(SchoolClass).where(SchoolClass.name == class_name))
        families = class_families(session, school_class)
        came = [f.child_id for f in families if rng.random() < share]
        families_service.set_attendance(
            session, meeting, offered=families, came=came, actor_id=None
        )
