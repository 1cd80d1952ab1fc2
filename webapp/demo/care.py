"""Demo care history: a counsellor for 阳光小学 and six weeks of care work up to DEMO_TODAY.

DEMO_TODAY (Friday 27 November 2026) is the day the demo is written for: its history runs
from Monday 19 October to the day before, so this week is partly done, the children skipped
are overdue, November's parent contacts are due as the month ends, concerns wait for the class
teacher and the counsellor, and follow-ups are open. Opened on any later day, the same history
leaves this week's talks due and last week's overdue; the coverage board shows the weeks before
as patchy as a real school's. Each child's share of the story is drawn from a generator seeded
with the child's ID number, and every row has a fixed uid (uuid5 of a natural key): a second
run adds nothing.

Parent contacts and home visits are written once their kinds are registered in care.kinds
(their forms and views come with them): the demo never writes a record the app cannot show.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webapp.auth.models import User
from webapp.auth.service import create_user, find_user_by_phone, hash_password
from webapp.care import service
from webapp.care.kinds import KINDS
from webapp.care.models import (
    ActivityParticipant,
    ActivityTheme,
    CareActivity,
    CareAlert,
    CareKind,
    CareRecord,
    Channel,
    Direction,
    Mood,
    Pairing,
    PairingKind,
    Topic,
)
from webapp.children.access import ON_ROLL
from webapp.children.models import Child, LeftBehindType, ParentSituation, SchoolClass
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.org import Membership, Tenant
from webapp.core.permissions import Role
from webapp.core.tenancy import tenant_context
from webapp.demo import DEMO_PASSWORD

DEMO_TODAY = date(2026, 11, 27)
HISTORY_WEEKS = 6
FIRST_MONDAY = date(2026, 10, 19)
LAPSED_SINCE = date(2026, 11, 9)
ALERTS_OPEN_FOR = timedelta(days=10)
# Fortnights pair the ISO weeks from the Monday of the term's first week, 31 August.
FORTNIGHTS = [date(2026, 10, 12), date(2026, 10, 26), date(2026, 11, 9), date(2026, 11, 23)]
SEED = "shouwang-care-20261123"
NAMESPACE = uuid.UUID("5c1f0e55-6b1c-4f6e-9d1e-2a7c4b8e0d23")

COUNSELLOR_PHONE = "13900000160"
COUNSELLOR = ("yangguang", "周心怡", (Role.COUNSELLOR, Role.TEACHER))
# The class whose teacher (王丽) finds a concern raised by a colleague on her today page.
CONCERN_CLASS = ("yangguang", "三年级一班")

TALK_NOTES = {
    Topic.STUDY: [
        "数学单元测验考了85分，比上次进步了，表扬了他。约好每天把错题再做一遍。",
        "语文作文写得认真，说想当老师。鼓励他多读课外书，借了一本《草房子》给他。",
        "最近作业常常没写完，说晚上要帮奶奶干活。和他一起排了放学后的时间表。",
    ],
    Topic.DAILY_LIFE: [
        "天气转凉，问了衣服够不够穿，说奶奶给买了新棉衣。提醒早上按时吃早饭。",
        "住校生活已经习惯，能自己洗衣服了。提醒晚上早点睡，不要在被窝里看书。",
        "周末在家帮爷爷喂猪、做饭，很能干。叮嘱用火用电要注意安全。",
    ],
    Topic.FEELINGS: [
        "聊到妈妈，说很想她，上周视频时哭了。陪她说了一会儿话，情绪好多了。",
        "最近比较开心，说爸爸春节要回来，已经在数日子了。",
    ],
    Topic.FRIENDS: [
        "和同桌闹了点小矛盾，已经和好了。鼓励他课间多和同学一起玩。",
        "交到了新朋友，一起参加了学校的合唱队，很高兴。",
    ],
    Topic.HEALTH: [
        "前几天感冒咳嗽，现在好多了。提醒多喝热水，按时吃药。",
        "视力有点下降，看黑板眯眼睛。已经和班主任说了，调到前排坐。",
    ],
    Topic.SAFETY: [
        "讲了放学路上不玩水、不跟陌生人走。他能说出家里的电话号码。",
        "周末不去河边、水塘玩，他答应了，也会提醒弟弟。",
    ],
    Topic.FAMILY: [
        "爸爸在广东打工，每周会打一次电话。爷爷身体还好，家里一切正常。",
        "奶奶最近腰疼，家里的活多了些。他很懂事，说要多帮奶奶。",
    ],
}
CONCERN_NOTES = [
    "这周几次上课走神，问起来不说话，只说想妈妈，晚上睡不着。需要多关注。",
    "和同学打了架，脸上有抓痕，说是有人笑他没有爸爸妈妈管。情绪很低落。",
    "说爷爷最近经常喝酒发脾气，不敢回家，放学后在村口待到天黑。",
]
FOLLOW_UPS = [
    "给奶奶打电话，了解孩子晚上的睡眠情况",
    "和数学老师沟通，安排课后辅导",
    "下周再找她谈一次，看情绪有没有好转",
    "联系孩子父亲，请他多和孩子视频",
    "请心理老师一起关注",
]
CONTACT_NOTES = [
    "和孩子父亲通了电话，说了期中考试的情况和最近的表现，父亲说春节回来。",
    "微信视频联系了孩子妈妈，让孩子和妈妈说了话，妈妈很感谢老师。",
    "给家长打电话，提醒天冷给孩子寄厚衣服，并说了学校的安全要求。",
]
# What a home visit found, in the keys the visit form writes (care.forms.HomeVisitForm).
HOME_VISIT = {
    "living": "砖瓦房两间，孩子有自己的书桌，屋里比较整洁。",
    "hazards": ["drowning", "electricity"],
    "hazard_note": "屋后有水塘，已提醒不要去玩水；电线有老化，请家里找人检修。",
    "guardian_care": "fair",
    "guidance": "讲了冬季防火、防溺水的注意事项，请家里每天看看孩子的作业本。",
}
VISIT_NOTES = "孩子在家帮着做家务，作业能按时完成；监护人身体尚可，作业辅导有困难。"
ACTIVITIES = [
    ("感恩主题班会", ActivityTheme.CLASS_MEETING),
    ("秋季安全教育讲座", ActivityTheme.LECTURE),
    ("读书分享会", ActivityTheme.INTEREST_GROUP),
    ("十一月集体生日会", ActivityTheme.BIRTHDAY),
    ("趣味运动会", ActivityTheme.OTHER),
    ("心理健康小课堂", ActivityTheme.LECTURE),
]


class Report(Protocol):
    def add(self, kind: str, count: int = 1) -> None: ...


def load_care_history(session: Session, tenants: dict[str, Tenant], report: Report) -> None:
    """The counsellor and the care history of every demo school. Flushes; never commits."""
    _load_counsellor(session, tenants, report)
    for slug, tenant in tenants.items():
        with tenant_context(session, tenant.id):
            History(session, slug, report).write()


def _load_counsellor(session: Session, tenants: dict[str, Tenant], report: Report) -> None:
    slug, name, roles = COUNSELLOR
    user = find_user_by_phone(session, COUNSELLOR_PHONE)
    if user is None:
        user = create_user(
            session, phone=COUNSELLOR_PHONE, name=name, password_hash=hash_password(DEMO_PASSWORD)
        )
        report.add("accounts")
    held = set(
        session.scalars(
            select(Membership.role).where(
                Membership.tenant_id == tenants[slug].id, Membership.user_id == user.id
            )
        )
    )
    for role in roles:
        if role not in held:
            session.add(Membership(tenant=tenants[slug], user_id=user.id, role=role))
            report.add("roles")
    session.flush()


def uid_for(*key: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(part) for part in key))


def weeks() -> list[date]:
    """The Mondays of the history, oldest first."""
    return [FIRST_MONDAY + timedelta(weeks=n) for n in range(HISTORY_WEEKS)]


@dataclass
class History:
    """One school's history, written child by child in a fixed order."""

    session: Session
    slug: str
    report: Report

    def write(self) -> None:
        self.known = set(self.session.scalars(select(CareRecord.uid)))
        self.lapse_given = False
        children = self.session.scalars(
            select(Child)
            .options(selectinload(Child.parents), selectinload(Child.school_class))
            .where(Child.status.in_(ON_ROLL), Child.left_behind_type != LeftBehindType.NONE)
        ).all()
        keyed = sorted((child.id_number or child.name, child) for child in children)
        pairings = self._pairings()
        classes = {c.id: c for c in self.session.scalars(select(SchoolClass))}
        for key, child in keyed:
            rng = random.Random(f"{SEED}/{key}")
            school_class = classes.get(child.class_id)
            teacher_id = school_class.teacher_id if school_class else None
            mine = pairings.get(child.id, [])
            # A few children nobody has talked with for the last two weeks.
            lapsed = rng.random() < 0.1
            lapsed = self._lapse_for_the_class_teacher(school_class, mine) or lapsed
            for pairing in mine:
                self._proxy_talks(rng, key, child, pairing, lapsed)
            if teacher_id is not None:
                self._class_teacher_talks(rng, key, child, school_class, lapsed)
            proxies = [p.user_id for p in mine if p.kind == PairingKind.PROXY_PARENT]
            contact_by = proxies[0] if proxies else teacher_id
            if contact_by is not None:
                self._parent_contacts(rng, key, child, contact_by)
            if teacher_id is not None and rng.random() < 0.3:
                self._home_visit(rng, key, child, teacher_id)
        self._concern_for_the_class_teacher(keyed, pairings, classes)
        for school_class in classes.values():
            self._activities(school_class, [c for _k, c in keyed if c.class_id == school_class.id])

    def _pairings(self) -> dict[int, list[Pairing]]:
        found: dict[int, list[Pairing]] = {}
        for pairing in self.session.scalars(
            select(Pairing)
            .where(Pairing.ended_on.is_(None), Pairing.user_id.is_not(None))
            .where(Pairing.kind.in_((PairingKind.PROXY_PARENT, PairingKind.VOLUNTEER)))
            .order_by(Pairing.id)
        ):
            found.setdefault(pairing.child_id, []).append(pairing)
        return found

    # Talks ------------------------------------------------------------------------------

    def _proxy_talks(
        self, rng: random.Random, key: str, child: Child, pairing: Pairing, lapsed: bool
    ) -> None:
        """Most weeks a talk; a careless helper skips more."""
        diligence = rng.choice([0.95, 0.9, 0.8, 0.6])
        for monday in weeks():
            if rng.random() >= diligence or (lapsed and monday >= LAPSED_SINCE):
                continue
            day = monday + timedelta(days=rng.randrange(5))
            self._talk(rng, ("proxy", key, pairing.kind, day), child, pairing.user_id, day)

    def _class_teacher_talks(
        self, rng: random.Random, key: str, child: Child, school_class: SchoolClass, lapsed: bool
    ) -> None:
        """A talk a fortnight, on one of its first ten days."""
        diligence = random.Random(f"{SEED}/{self.slug}/{school_class.name}").choice([0.9, 0.7, 0.5])
        for start in FORTNIGHTS:
            day = start + timedelta(days=rng.randrange(10))
            if rng.random() >= diligence or day < FIRST_MONDAY:
                continue
            if lapsed and start >= LAPSED_SINCE:
                continue
            self._talk(rng, ("class", key, day), child, school_class.teacher_id, day)

    def _talk(
        self,
        rng: random.Random,
        key: tuple,
        child: Child,
        author_id: int,
        day: date,
        *,
        concern: bool | None = None,
    ) -> CareRecord | None:
        concern = rng.random() < 0.03 if concern is None else concern
        topics = rng.sample(list(Topic), rng.choice([1, 1, 2]))
        mood = (
            rng.choice([Mood.VERY_LOW, Mood.LOW])
            if concern
            else rng.choices(list(Mood), weights=[0, 1, 3, 5, 2])[0]
        )
        notes = rng.choice(CONCERN_NOTES) if concern else rng.choice(TALK_NOTES[topics[0]])
        follow_up = rng.choice(FOLLOW_UPS) if concern or rng.random() < 0.12 else None
        record = self._record(
            uid_for(self.slug, "talk", *key),
            child,
            CareKind.TALK,
            author_id,
            day,
            topics=set(topics),
            mood=mood if rng.random() < 0.9 else None,
            notes=notes,
            concern=concern,
            channel=Channel.FACE_TO_FACE,
            follow_up=follow_up,
            follow_up_due=day + timedelta(days=7) if follow_up else None,
        )
        # Older follow-ups are mostly done; the recent ones are still open. (Every draw is
        # made whether or not the record exists already, so a second run draws the same.)
        closed = rng.random() < 0.7 and day + timedelta(days=14) < DEMO_TODAY
        if record is not None and follow_up and not concern and closed:
            service.close_follow_up(
                self.session, record, actor_id=author_id, on=day + timedelta(days=4)
            )
        return record

    def _lapse_for_the_class_teacher(
        self, school_class: SchoolClass | None, pairings: list[Pairing]
    ) -> bool:
        """王丽, proxy parent of children of her own class, has let one of them wait."""
        if school_class is None or (self.slug, school_class.name) != CONCERN_CLASS:
            return False
        if self.lapse_given or school_class.teacher_id not in {p.user_id for p in pairings}:
            return False
        self.lapse_given = True
        return True

    def _concern_for_the_class_teacher(
        self,
        keyed: list[tuple[str, Child]],
        pairings: dict[int, list[Pairing]],
        classes: dict[int, SchoolClass],
    ) -> None:
        """A colleague's talk last week raised a concern about a child of 王丽's class."""
        if self.slug != CONCERN_CLASS[0]:
            return
        for key, child in keyed:
            school_class = classes.get(child.class_id)
            if school_class is None or school_class.name != CONCERN_CLASS[1]:
                continue
            others = [p for p in pairings.get(child.id, []) if p.user_id != school_class.teacher_id]
            if others:
                day = DEMO_TODAY - timedelta(days=3)
                rng = random.Random(f"{SEED}/concern/{key}")
                self._talk(rng, ("concern", key, day), child, others[0].user_id, day, concern=True)
                return

    # Other kinds ------------------------------------------------------------------------

    def _parent_contacts(self, rng: random.Random, key: str, child: Child, author_id: int) -> None:
        if CareKind.PARENT_CONTACT not in KINDS:
            return
        away = [p for p in child.parents if p.situation == ParentSituation.WORKING_AWAY]
        for first, chance in ((date(2026, 10, 1), 0.8), (date(2026, 11, 1), 0.6)):
            if rng.random() >= chance:
                continue
            day = first + timedelta(days=rng.randrange(28))
            self._record(
                uid_for(self.slug, "contact", key, day),
                child,
                CareKind.PARENT_CONTACT,
                author_id,
                day,
                channel=rng.choice([Channel.PHONE, Channel.PHONE, Channel.WECHAT, Channel.VIDEO]),
                direction=Direction.OUTGOING if rng.random() < 0.8 else Direction.INCOMING,
                parent_id=away[0].id if away else None,
                minutes=rng.randint(5, 25),
                notes=rng.choice(CONTACT_NOTES),
            )

    def _home_visit(self, rng: random.Random, key: str, child: Child, author_id: int) -> None:
        if CareKind.HOME_VISIT not in KINDS:
            return
        day = date(2026, 10, 17) + timedelta(days=rng.randrange(30))
        if day.weekday() < 5:
            day += timedelta(days=5 - day.weekday())  # teachers visit on Saturdays
        self._record(
            uid_for(self.slug, "visit", key, day),
            child,
            CareKind.HOME_VISIT,
            author_id,
            day,
            notes=VISIT_NOTES,
            details=self._visit_details(child, author_id),
        )

    def _visit_details(self, child: Child, author_id: int) -> dict[str, Any]:
        """Who went and whom they met, named as they were that day, beside what was found."""
        author = self.session.get(User, author_id)
        met = child.active_guardians[:1]
        return HOME_VISIT | {
            "visitors": [author_id],
            "visitor_names": [author.name if author else ""],
            "met": [f"guardian.{guardian.id}" for guardian in met],
            "met_names": [guardian.name for guardian in met],
        }

    def _record(
        self,
        uid: uuid.UUID,
        child: Child,
        kind: CareKind,
        author_id: int,
        day: date,
        **values: Any,
    ) -> CareRecord | None:
        """A record as if written on the day it happened; None when the demo has it already."""
        if uid in self.known or day >= DEMO_TODAY:
            return None
        saved = service.record_care(
            self.session,
            uid=uid,
            child=child,
            kind=kind,
            author_id=author_id,
            happened_on=day,
            now=datetime(2000, 1, 1, tzinfo=SCHOOL_TIMEZONE),  # never "today": noon of the day
            **values,
        )
        record = saved.record
        record.created_at = record.updated_at = record.happened_at
        alerts = select(CareAlert).where(CareAlert.record_id == record.id)
        for alert in self.session.scalars(alerts):
            alert.created_at = record.happened_at
            if day < DEMO_TODAY - ALERTS_OPEN_FOR:  # the older ones were seen to
                alert.acknowledged_at = record.happened_at + timedelta(days=1)
        self.session.flush()
        self.known.add(uid)
        self.report.add(f"care records ({kind.value})")
        return record

    # Activities ---------------------------------------------------------------------------

    def _activities(self, school_class: SchoolClass, children: list[Child]) -> None:
        """A care activity most weeks for each class; most left-behind children take part."""
        if not children:
            return
        rng = random.Random(f"{SEED}/{self.slug}/{school_class.name}/activities")
        for week, monday in enumerate(weeks()):
            if rng.random() < 0.2:
                continue
            day = monday + timedelta(days=rng.choice([2, 4]))
            taking_part = [child for child in children if rng.random() < 0.85]
            uid = uid_for(self.slug, "activity", school_class.name, day)
            if day >= DEMO_TODAY or self.session.scalar(
                select(CareActivity.id).where(CareActivity.uid == uid)
            ):
                continue
            title, theme = ACTIVITIES[week % len(ACTIVITIES)]
            activity = CareActivity(
                uid=uid,
                title=title,
                theme=theme,
                happened_on=day,
                place="教室",
                class_id=school_class.id,
                organiser_id=school_class.teacher_id,
            )
            self.session.add(activity)
            self.session.flush()
            self.session.add_all(
                ActivityParticipant(activity_id=activity.id, child_id=child.id)
                for child in taking_part
            )
            self.report.add("care activities")
        self.session.flush()
