"""Demo reports: a programme coordinator for 阳光小学 (德育主任), the growth records the archive's
tables print (term evaluations, special deeds, awards, a fulfilled wish, a case analysis), the
term plan's first version, October's monthly report submitted and November's still a draft, so
the coordinator's today page reminds her on the demo's day (27 November, past the 25th).

Every row has a fixed uid (uuid5 of a natural key) or a natural key of its own: a second run
changes nothing. No wish is left open, so nobody's follow-ups change.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth.service import create_user, find_user_by_phone, hash_password
from webapp.care import service as care_service
from webapp.care.models import CareKind
from webapp.children.access import ON_ROLL
from webapp.children.models import Child, LeftBehindType, SchoolClass
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.org import Membership, Tenant
from webapp.core.permissions import Role
from webapp.core.tenancy import tenant_context
from webapp.demo import DEMO_PASSWORD
from webapp.reports import service
from webapp.reports.documents import monthly_keys
from webapp.reports.figures import Figures, Period, Scope
from webapp.reports.models import DocumentKind, MonthlyReport
from webapp.tenants.models import Term

if TYPE_CHECKING:
    from webapp.demo.data import LoadReport

NAMESPACE = uuid.UUID("0d5b6a52-3c8e-4f1d-8a57-4b0e2c9d7f31")
COORDINATOR_PHONE = "13900000220"
COORDINATOR = ("yangguang", "孙德明")
DEMO_TODAY = date(2026, 11, 27)

EVALUATIONS = [
    "本学期学习态度端正，能按时完成作业，和同学相处融洽。希望继续多读书，遇到困难主动问老师。",
    "性格开朗，热爱劳动，在班级卫生工作中表现突出。数学有进步，语文书写还需更工整。",
    "能主动参加留守儿童之家的活动，上课发言比以前积极。希望坚持每天阅读半小时。",
    "自理能力强，住校生活井井有条，乐于帮助同学。期待下学期在学习上更上一层楼。",
]
DEEDS = [
    ("拾金不昧", "在操场捡到一个装有200元的钱包，主动交给老师，找到了失主。"),
    ("照顾生病的奶奶", "奶奶生病期间，每天放学后给奶奶熬粥、喂药，坚持了两个星期。"),
]
AWARDS = [("读书小明星", "本学期在留守儿童之家读完12本课外书，写了8篇读书笔记。")]
CASE = (
    "从沉默到开朗：一名双亲外出儿童的转变",
    "背景：父母在外务工三年，由年迈的奶奶照顾，开学初常独自坐在角落，不愿与人交流。\n"
    "做法：班主任每周谈心一次；安排学习伙伴；在留守儿童之家每周与父母视频一次；"
    "鼓励参加读书分享会并担任小组长。\n"
    "效果：两个月后主动在班上发言，与同学一起活动，成绩由中下升到中等。\n"
    "体会：稳定的陪伴和具体的小任务，比说教更能帮助留守儿童建立信心。",
)
PLAN_NARRATIVE = (
    "一、指导思想：以“关爱留守儿童，让每个孩子健康成长”为目标，落实代理家长结对、谈心、家访和亲情联系制度。\n\n"
    "二、工作目标：留守儿童建档率100%；每名留守儿童有一名代理家长；每学期家访全覆盖；"
    "每学期至少召开两次监护人会议。\n\n"
    "三、主要措施：开学一个月内完成摸底和建档；每周开展一次关爱活动；"
    "留守儿童之家周末按时开放；每月25日前报送月报信息。"
)
OCTOBER_NARRATIVE = (
    "十月份，学校完成了留守儿童摸底建档，各班开展了感恩主题班会和秋季安全教育讲座。"
    "代理家长每周与结对儿童谈心，班主任对重点儿童进行了家访。"
)
NOVEMBER_NARRATIVE = "十一月份，各班开展了读书分享会和集体生日会，召开了冬季安全监护人会议。"


def _uid(*key: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(part) for part in key))


def load_reports(session: Session, tenants: dict[str, Tenant], report: LoadReport) -> None:
    coordinator_id = _load_coordinator(session, tenants, report)
    for slug in ("yangguang", "hongxing"):
        with tenant_context(session, tenants[slug].id):
            _growth_records(session, slug, report)
    with tenant_context(session, tenants["yangguang"].id):
        _documents(session, coordinator_id, report)


def _load_coordinator(session: Session, tenants: dict[str, Tenant], report: LoadReport) -> int:
    slug, name = COORDINATOR
    user = find_user_by_phone(session, COORDINATOR_PHONE)
    if user is None:
        user = create_user(
            session, phone=COORDINATOR_PHONE, name=name, password_hash=hash_password(DEMO_PASSWORD)
        )
        report.add("accounts")
    held = session.scalar(
        select(Membership.id).where(
            Membership.tenant_id == tenants[slug].id,
            Membership.user_id == user.id,
            Membership.role == Role.COORDINATOR,
        )
    )
    if held is None:
        session.add(Membership(tenant=tenants[slug], user_id=user.id, role=Role.COORDINATOR))
        report.add("roles")
    session.flush()
    return user.id


def _growth_records(session: Session, slug: str, report: LoadReport) -> None:
    """In each primary school's 三年级一班 and 五年级一班: a term evaluation for the first
    left-behind children, deeds, an award, a fulfilled wish and a case analysis."""
    for class_name in ("三年级一班", "五年级一班"):
        school_class = session.scalar(select(SchoolClass).where(SchoolClass.name == class_name))
        if school_class is None or school_class.teacher_id is None:
            continue
        children = list(
            session.scalars(
                select(Child)
                .where(
                    Child.class_id == school_class.id,
                    Child.status.in_(ON_ROLL),
                    Child.left_behind_type != LeftBehindType.NONE,
                )
                .order_by(Child.name_pinyin, Child.id)
            )
        )
        care = _Recorder(session, slug, school_class, report)
        for index, child in enumerate(children[: len(EVALUATIONS)]):
            care(
                f"evaluation/{index}",
                child,
                date(2026, 11, 20),
                details={"type": "evaluation"},
                notes=EVALUATIONS[index],
            )
        for index, (title, notes) in enumerate(DEEDS):
            if len(children) > index + 1:
                care(
                    f"deed/{index}",
                    children[index + 1],
                    date(2026, 10, 12 + index * 9),
                    details={"type": "deed", "title": title},
                    notes=notes,
                )
        for index, (title, notes) in enumerate(AWARDS):
            if children:
                care(
                    f"award/{index}",
                    children[0],
                    date(2026, 11, 6),
                    details={"type": "award", "title": title},
                    notes=notes,
                )
        if len(children) > 3:
            care(
                "wish",
                children[3],
                date(2026, 10, 9),
                details={"type": "wish"},
                follow_up="想和爸爸妈妈视频通话",
            )
            title, analysis = CASE
            care(
                "case",
                children[2],
                date(2026, 11, 16),
                details={"type": "case_analysis", "title": title},
                notes=analysis,
            )


class _Recorder:
    """Growth records of one class by its teacher, each once."""

    def __init__(
        self, session: Session, slug: str, school_class: SchoolClass, report: LoadReport
    ) -> None:
        self.session, self.slug, self.school_class, self.report = (
            session,
            slug,
            school_class,
            report,
        )

    def __call__(self, key: str, child: Child, on: date, **values: object) -> None:
        author = self.school_class.teacher_id
        saved = care_service.record_care(
            self.session,
            uid=_uid(self.slug, self.school_class.name, key),
            child=child,
            kind=CareKind.GROWTH,
            author_id=author,
            happened_on=on,
            **values,
        )
        if saved.created:
            self.report.add("growth records")
            if saved.record.follow_up_sealed:  # the wish came true
                care_service.close_follow_up(
                    self.session, saved.record, actor_id=author, on=date(2026, 11, 18)
                )


def _documents(session: Session, coordinator_id: int, report: LoadReport) -> None:
    term = session.scalar(select(Term).order_by(Term.starts_on))
    if term is None:
        return
    if service.latest_version(session, term.id, DocumentKind.TERM_PLAN) == 0:
        service.save_document(
            session,
            uid=_uid("plan", term.id),
            term_id=term.id,
            kind=DocumentKind.TERM_PLAN,
            narrative=PLAN_NARRATIVE,
            base_version=0,
            author_id=coordinator_id,
        )
        report.add("term documents")
    october, november = date(2026, 10, 1), date(2026, 11, 1)
    if session.scalar(select(MonthlyReport.id).where(MonthlyReport.month == october)) is None:
        service.save_monthly(
            session,
            uid=_uid("monthly", october),
            month=october,
            narrative=OCTOBER_NARRATIVE,
            actor_id=coordinator_id,
        )
        figures = Figures(session, Period.of_month(october), Scope(), DEMO_TODAY)
        service.submit_monthly(
            session,
            uid=_uid("monthly", october),
            month=october,
            figures={key: figures.count(key) for key in monthly_keys()},
            activity_ids=[a.id for a in figures.items("activities")],
            actor_id=coordinator_id,
            now=datetime(2026, 10, 23, 16, 30, tzinfo=SCHOOL_TIMEZONE),
        )
        report.add("monthly reports")
    if session.scalar(select(MonthlyReport.id).where(MonthlyReport.month == november)) is None:
        service.save_monthly(
            session,
            uid=_uid("monthly", november),
            month=november,
            narrative=NOVEMBER_NARRATIVE,
            actor_id=coordinator_id,
        )
        report.add("monthly reports")
