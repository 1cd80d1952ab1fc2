"""Load the demo data. Deterministic, so a second run finds everything and changes nothing.

The plan (who, which classes, which children and families) is a pure function of a fixed seed;
loading it looks every item up by its natural key (slug, phone, class name, ID number, term)
before creating it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth.models import User
from webapp.auth.service import create_user, find_user_by_phone, hash_password
from webapp.care.models import Pairing, PairingKind
from webapp.children import transfers
from webapp.children.models import (
    CareAbility,
    Child,
    ChildStatus,
    DifficultyType,
    FamilyType,
    Gender,
    GuardianRelation,
    Literacy,
    ParentRelation,
    ParentSituation,
    SchoolClass,
    Stage,
    SurveyConfirmation,
    SurveyOutcome,
    ThreeSpecial,
)
from webapp.children.queries import find_by_id_number
from webapp.children.service import create_class, register_child
from webapp.core.cn import id_check_digit
from webapp.core.org import Membership, OrgUnit, Tenant, TenantKind, UnitKind, UnitMembership
from webapp.core.permissions import Role
from webapp.core.tenancy import tenant_context
from webapp.demo import DEMO_PASSWORD
from webapp.demo.assets import load_assets
from webapp.demo.authenticator import enrol_demo_authenticators
from webapp.demo.care import load_care_history
from webapp.demo.care_records import load_care_records
from webapp.demo.incidents import load_incidents
from webapp.demo.pairings import load_study_buddies
from webapp.demo.people import (
    ALLERGIES,
    BOY_GIVEN,
    CHARACTERS,
    CHRONIC,
    EMPLOYER_NAMES,
    EMPLOYER_TRADES,
    ETHNICITIES,
    FATHER_GIVEN,
    GIRL_GIVEN,
    GRANDPARENT_GIVEN,
    INTERESTS,
    MOTHER_GIVEN,
    REGION_CODES,
    SURNAMES,
    VILLAGES,
    WORK_PLACES,
)
from webapp.demo.privacy import load_consents, name_officers
from webapp.demo.reports import load_reports
from webapp.demo.room import load_room_demo
from webapp.demo.safety import load_safety
from webapp.demo.transport import load_transport
from webapp.tenants.models import SchoolYear, Term

SEED = 20261122
SCHOOL_YEAR_START = date(2026, 9, 1)
CN_DIGITS = "零一二三四五六七八九"

UNITS = [
    ("bishan", "璧山区教育委员会", UnitKind.COUNTY, None),
    ("qinggang", "青杠镇中心校", UnitKind.TOWNSHIP, "bishan"),
]

SCHOOLS = [
    ("yangguang", "阳光小学", TenantKind.SCHOOL, "qinggang"),
    ("yangguang-kg", "阳光幼儿园", TenantKind.KINDERGARTEN, "qinggang"),
    ("hongxing", "红星小学", TenantKind.SCHOOL, "qinggang"),
]

# Children of 红星小学 moving to 阳光小学: (class at 红星小学, class at 阳光小学, sent on,
# accepted on or None while it waits, the note sent with the card).
TRANSFERS = [
    ("四年级一班", "四年级一班", date(2026, 10, 9), date(2026, 10, 12), "随爷爷奶奶搬到阳光村"),
    ("五年级一班", "五年级一班", date(2026, 11, 20), None, "父母回乡，家搬到镇上"),
]

# (name, number, first day, last day) of the school year the demo lives in.
TERMS = [
    ("第一学期", 1, date(2026, 9, 1), date(2027, 1, 22)),
    ("第二学期", 2, date(2027, 2, 22), date(2027, 7, 9)),
]


@dataclass
class StaffPlan:
    phone: str
    name: str
    tenant_slug: str | None
    roles: list[Role]
    unit_slug: str | None = None


@dataclass
class ClassPlan:
    tenant_slug: str
    name: str
    stage: Stage
    grade: int
    section: int
    teacher_phone: str
    size: int


@dataclass
class ChildPlan:
    name: str
    gender: Gender
    birth_date: date
    id_number: str
    card: dict[str, Any]
    parents: dict[ParentRelation, dict[str, Any]]
    guardians: list[dict[str, Any]]
    proxy_parent_phone: str | None = None
    surveyed: bool = False


@dataclass
class Plan:
    staff: list[StaffPlan] = field(default_factory=list)
    classes: list[ClassPlan] = field(default_factory=list)
    children: dict[tuple[str, str], list[ChildPlan]] = field(default_factory=dict)
    volunteer_children: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def primary_class_name(grade: int, section: int) -> str:
    return f"{CN_DIGITS[grade]}年级{CN_DIGITS[section]}班"


KINDERGARTEN_NAMES = {1: "小班", 2: "中班", 3: "大班"}
VOLUNTEER_PHONE = "13900000150"
SAFETY_LEAD_PHONE = "13900000190"
DORM_SUPERVISOR_PHONE = "13900000191"
COUNTY_OFFICER_PHONE = "13900000230"

# The accounts CONTRACT.md names, then the other teachers the classes need.
CONTRACT_STAFF = [
    StaffPlan("13800000001", "李建国", "yangguang", [Role.PRINCIPAL]),
    StaffPlan("13800000002", "王丽", "yangguang", [Role.CLASS_TEACHER, Role.TEACHER]),
    StaffPlan("13800000003", "张秀英", "yangguang", [Role.ROOM_KEEPER]),
    StaffPlan("13800000004", "刘芳", "yangguang-kg", [Role.KINDERGARTEN_TEACHER]),
    StaffPlan("13800000005", "陈志强", "hongxing", [Role.CLASS_TEACHER, Role.TEACHER]),
    # A central-school officer who also teaches at 红星小学: the switcher shows both places.
    StaffPlan("13800000009", "周明", "hongxing", [Role.TEACHER]),
    StaffPlan("13800000009", "周明", None, [Role.OVERSIGHT_OFFICER], unit_slug="qinggang"),
    # A county officer (璧山区教委): drills down from the county to the township and its schools.
    StaffPlan(COUNTY_OFFICER_PHONE, "罗成刚", None, [Role.OVERSIGHT_OFFICER], unit_slug="bishan"),
    # A community volunteer (爱心妈妈) paired to two children at 阳光小学.
    StaffPlan(VOLUNTEER_PHONE, "蒋秀兰", "yangguang", [Role.VOLUNTEER]),
    # The safety lead and the dorm supervisor of 阳光小学, where the boarders sleep.
    StaffPlan(SAFETY_LEAD_PHONE, "何志刚", "yangguang", [Role.SAFETY_LEAD]),
    StaffPlan(DORM_SUPERVISOR_PHONE, "杨桂芳", "yangguang", [Role.DORM_SUPERVISOR]),
]

OTHER_STAFF_NAMES = [
    "谭红梅",
    "冉小琴",
    "何永刚",
    "唐晓燕",
    "邓建平",
    "彭丽娟",
    "曾德华",
    "廖春梅",
    "罗小兵",
    "黄晓梅",
    "杨光明",
    "吴小红",
    "蒋文静",
    "胡德兵",
    "赵玉兰",
    "徐海燕",
    "余建军",
    "付小英",
]


def build_plan() -> Plan:
    rng = random.Random(SEED)
    plan = Plan(staff=list(CONTRACT_STAFF))
    other_names = iter(OTHER_STAFF_NAMES)
    other_phone = iter(f"139000001{n:02d}" for n in range(50))

    def other_teacher(tenant_slug: str, role: Role) -> str:
        phone = next(other_phone)
        plan.staff.append(StaffPlan(phone, next(other_names), tenant_slug, [role, Role.TEACHER]))
        return phone

    for slug, principal in (("yangguang-kg", "冉玉梅"), ("hongxing", "向国平")):
        plan.staff.append(StaffPlan(next(other_phone), principal, slug, [Role.PRINCIPAL]))

    # 阳光小学: one class per grade, two in the third grade; 王丽 teaches 三年级一班.
    for grade in range(1, 7):
        for section in (1, 2) if grade == 3 else (1,):
            teacher = (
                "13800000002"
                if (grade, section) == (3, 1)
                else other_teacher("yangguang", Role.CLASS_TEACHER)
            )
            plan.classes.append(
                ClassPlan(
                    "yangguang",
                    primary_class_name(grade, section),
                    Stage.PRIMARY,
                    grade,
                    section,
                    teacher,
                    size=10,
                )
            )
    # 阳光幼儿园: 小班 中班 大班; 刘芳 teaches 大班.
    for grade, name in KINDERGARTEN_NAMES.items():
        teacher = (
            "13800000004"
            if grade == 3
            else other_teacher("yangguang-kg", Role.KINDERGARTEN_TEACHER)
        )
        plan.classes.append(
            ClassPlan("yangguang-kg", name, Stage.KINDERGARTEN, grade, 1, teacher, size=22)
        )
    # 红星小学: one class per grade; 陈志强 teaches 五年级一班.
    for grade in range(1, 7):
        teacher = "13800000005" if grade == 5 else other_teacher("hongxing", Role.CLASS_TEACHER)
        plan.classes.append(
            ClassPlan(
                "hongxing", primary_class_name(grade, 1), Stage.PRIMARY, grade, 1, teacher, size=11
            )
        )

    used_ids: set[str] = set()
    for school_class in plan.classes:
        plan.children[(school_class.tenant_slug, school_class.name)] = [
            _child(rng, school_class, n, used_ids) for n in range(school_class.size)
        ]
    _assign_proxy_parents(rng, plan)
    return plan


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _birth_range(school_class: ClassPlan) -> tuple[date, date]:
    """Born between 1 September and 31 August of the cohort's year."""
    age = school_class.grade + (2 if school_class.stage == Stage.KINDERGARTEN else 5)
    start = date(SCHOOL_YEAR_START.year - age - 1, 9, 1)
    return start, date(start.year + 1, 8, 31)


def _mobile(rng: random.Random) -> str:
    return rng.choice(["135", "136", "139", "150", "152", "158", "177", "182", "187", "199"]) + (
        f"{rng.randrange(10**8):08d}"
    )


def _parent(rng: random.Random, surname: str, relation: ParentRelation, away: bool) -> dict:
    given = rng.choice(FATHER_GIVEN if relation == ParentRelation.FATHER else MOTHER_GIVEN)
    details: dict[str, Any] = {
        "name": (surname if relation == ParentRelation.FATHER else _weighted(rng, SURNAMES))
        + given,
        "phone": _mobile(rng),
        "situation": ParentSituation.WORKING_AWAY if away else ParentSituation.AT_HOME,
    }
    if away:
        province, city = _weighted(rng, WORK_PLACES).split("/")
        details.update(
            work_province=province,
            work_city=city,
            employer=f"{city[:-1]}{rng.choice(EMPLOYER_NAMES)}{rng.choice(EMPLOYER_TRADES)}有限公司",
            away_since=date(
                rng.choice([2019, 2020, 2021, 2022, 2023, 2024]), rng.randint(1, 12), 1
            ),
            expected_return=rng.choice(
                ["2027年春节", "2027年春节", "农忙时", "不确定", "2026年底"]
            ),
        )
    return details


def _child(rng: random.Random, school_class: ClassPlan, n: int, used_ids: set[str]) -> ChildPlan:
    gender = rng.choice([Gender.MALE, Gender.FEMALE])
    surname = _weighted(rng, SURNAMES)
    given = rng.choice(BOY_GIVEN if gender == Gender.MALE else GIRL_GIVEN)
    start, end = _birth_range(school_class)
    born = start + timedelta(days=rng.randrange((end - start).days + 1))
    while True:
        sequence = rng.randrange(0, 500) * 2 + (1 if gender == Gender.MALE else 0)
        first17 = f"{_weighted(rng, REGION_CODES)}{born:%Y%m%d}{sequence:03d}"
        id_number = first17 + id_check_digit(first17)
        if id_number not in used_ids:
            used_ids.add(id_number)
            break
    enrol_year = SCHOOL_YEAR_START.year - school_class.grade + 1

    # About half the children have parents working away, as in the township's own survey.
    roll = rng.random()
    father_away = roll < 0.55
    mother_away = roll < 0.30
    parents = {
        ParentRelation.FATHER: _parent(rng, surname, ParentRelation.FATHER, father_away),
        ParentRelation.MOTHER: _parent(rng, surname, ParentRelation.MOTHER, mother_away),
    }
    if father_away and not mother_away and rng.random() < 0.12:
        parents[ParentRelation.MOTHER]["situation"] = ParentSituation.CANNOT_CARE
    migrant = not father_away and rng.random() < 0.08

    village = rng.choice(VILLAGES)
    difficulty = set()
    if rng.random() < 0.08:
        difficulty.add(DifficultyType.SUBSISTENCE)
    if parents[ParentRelation.MOTHER]["situation"] == ParentSituation.CANNOT_CARE:
        difficulty.add(DifficultyType.SINGLE_PARENT)
    three_special = set()
    if DifficultyType.SUBSISTENCE in difficulty:
        three_special.add(ThreeSpecial.NEEDY)
    if rng.random() < 0.1:
        three_special.add(ThreeSpecial.GIFTED)
    if rng.random() < 0.02:
        three_special.add(ThreeSpecial.SPECIAL_NEEDS)
    family_types = set()
    if father_away and mother_away:
        family_types.add(FamilyType.ELDERLY)
    if DifficultyType.SUBSISTENCE in difficulty:
        family_types.add(FamilyType.POOR)

    older = school_class.stage == Stage.PRIMARY and school_class.grade >= 4
    card = {
        "ethnicity": _weighted(rng, ETHNICITIES),
        "student_no": f"G{id_number}",  # the national 学籍号 is G + the ID number
        "enrolled_on": date(enrol_year, 9, 1),
        "address": f"重庆市璧山区青杠街道{village}{rng.randint(1, 9)}组{rng.randint(1, 60)}号",
        "hukou_place": f"重庆市璧山区青杠街道{village}",
        "is_boarder": older and rng.random() < 0.3,
        "rides_bus": rng.random() < 0.25,
        "allergies": rng.choice(ALLERGIES) if rng.random() < 0.06 else None,
        "chronic_illness": rng.choice(CHRONIC) if rng.random() < 0.03 else None,
        "character": rng.choice(CHARACTERS),
        "interests": "、".join(rng.sample(INTERESTS, 2)),
        "is_migrant": migrant,
        "difficulty_types": difficulty,
        "three_special": three_special,
        "family_types": family_types,
    }
    guardians = []
    if father_away:
        relation = rng.choice(
            [
                GuardianRelation.GRANDMOTHER,
                GuardianRelation.GRANDFATHER,
                GuardianRelation.MATERNAL_GRANDMOTHER,
            ]
        )
        paternal = relation in (GuardianRelation.GRANDFATHER, GuardianRelation.GRANDMOTHER)
        guardians.append(
            {
                "name": (surname if paternal else _weighted(rng, SURNAMES))
                + rng.choice(GRANDPARENT_GIVEN),
                "relation": relation,
                "age": rng.randint(58, 76),
                "occupation": "务农",
                "literacy": rng.choice([Literacy.NONE, Literacy.PRIMARY, Literacy.PRIMARY]),
                "care_ability": rng.choice([CareAbility.GOOD, CareAbility.FAIR, CareAbility.FAIR]),
                "may_pick_up": True,
                "phone": _mobile(rng),
                "address": card["address"],
                "health": rng.choice([None, None, "高血压", "腿脚不便"]),
                "started_on": parents[ParentRelation.FATHER].get("away_since"),
            }
        )
    return ChildPlan(
        name=surname + given,
        gender=gender,
        birth_date=born,
        id_number=id_number,
        card=card,
        parents=parents,
        guardians=guardians,
        surveyed=rng.random() < 0.6,
    )


def _assign_proxy_parents(rng: random.Random, plan: Plan) -> None:
    """Most left-behind children get a proxy parent from their school; a few still wait."""
    teachers: dict[str, list[str]] = {}
    for person in plan.staff:
        # The safety lead teaches but looks after the whole school: no proxy children.
        if (
            person.tenant_slug
            and Role.SAFETY_LEAD not in person.roles
            and (Role.TEACHER in person.roles or Role.KINDERGARTEN_TEACHER in person.roles)
        ):
            teachers.setdefault(person.tenant_slug, []).append(person.phone)
    for (slug, _class_name), children in plan.children.items():
        for child in children:
            away = child.parents[ParentRelation.FATHER]["situation"] == (
                ParentSituation.WORKING_AWAY
            )
            if away and rng.random() < 0.9:
                child.proxy_parent_phone = rng.choice(teachers[slug])
    # The volunteer looks after two left-behind children of 三年级二班.
    plan.volunteer_children["yangguang"] = [("三年级二班", 0), ("三年级二班", 1)]


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, count: int = 1) -> None:
        self.created[kind] = self.created.get(kind, 0) + count

    @property
    def changed(self) -> bool:
        return bool(self.created)


def load_demo_data(session: Session) -> LoadReport:
    """Create whatever of the demo plan is missing. Flushes; the caller commits."""
    plan = build_plan()
    report = LoadReport()
    units = _load_units(session, report)
    tenants = _load_tenants(session, units, report)
    users = _load_staff(session, plan.staff, tenants, units, report)
    name_officers(session, tenants, report)
    for tenant_slug, tenant in tenants.items():
        with tenant_context(session, tenant.id):
            term = _load_calendar(session, report)
            children_by_class: dict[str, list[Child]] = {}
            for class_plan in (c for c in plan.classes if c.tenant_slug == tenant_slug):
                school_class = _get_or_create_class(session, class_plan, users, report)
                children_by_class[class_plan.name] = [
                    _get_or_create_child(session, school_class, child_plan, users, term, report)
                    for child_plan in plan.children[(tenant_slug, class_plan.name)]
                ]
            load_study_buddies(session, tenant_slug, children_by_class, report)
            for class_name, index in plan.volunteer_children.get(tenant_slug, []):
                child = children_by_class[class_name][index]
                _pair(session, child, users[VOLUNTEER_PHONE], PairingKind.VOLUNTEER, report)
    _load_transfers(session, plan, tenants, users, report)
    load_consents(session, tenants, report)
    load_care_records(session, plan, tenants, report)
    load_care_history(session, tenants, report)
    load_room_demo(session, tenants, report)
    load_assets(session, tenants, report)
    load_safety(session, tenants, report)
    load_transport(session, tenants, report)
    load_incidents(session, tenants, report)
    load_reports(session, tenants, report)
    if enrolled := enrol_demo_authenticators(session):
        report.add("authenticators", enrolled)
    return report


def _load_transfers(
    session: Session,
    plan: Plan,
    tenants: dict[str, Tenant],
    users: dict[str, User],
    report: LoadReport,
) -> None:
    """The last child of two 红星小学 classes moves to 阳光小学: one accepted, one waiting."""
    sender, receiver = tenants["hongxing"], tenants["yangguang"]
    for from_class, to_class, sent_on, accepted_on, note in TRANSFERS:
        child_plan = plan.children[("hongxing", from_class)][-1]
        with tenant_context(session, sender.id):
            child = find_by_id_number(session, child_plan.id_number)
            if child is None or child.status != ChildStatus.ACTIVE:
                continue  # sent already
            transfer = transfers.send(
                session, child, to_school=receiver, actor_id=None, note=note, on=sent_on
            )
            report.add("transfers")
        if accepted_on is None:
            continue
        with tenant_context(session, receiver.id):
            school_class = session.scalar(select(SchoolClass).where(SchoolClass.name == to_class))
            transfers.accept(
                session, transfer, school_class=school_class, actor_id=None, on=accepted_on
            )


def _load_units(session: Session, report: LoadReport) -> dict[str, OrgUnit]:
    units: dict[str, OrgUnit] = {}
    for slug, name, kind, parent_slug in UNITS:
        unit = session.scalar(select(OrgUnit).where(OrgUnit.slug == slug))
        if unit is None:
            unit = OrgUnit(slug=slug, name=name, kind=kind, parent=units.get(parent_slug or ""))
            session.add(unit)
            report.add("oversight units")
        units[slug] = unit
    session.flush()
    return units


def _load_tenants(
    session: Session, units: dict[str, OrgUnit], report: LoadReport
) -> dict[str, Tenant]:
    tenants: dict[str, Tenant] = {}
    for slug, name, kind, unit_slug in SCHOOLS:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            tenant = Tenant(slug=slug, name=name, kind=kind, org_unit=units[unit_slug])
            session.add(tenant)
            report.add("schools")
        tenants[slug] = tenant
    session.flush()
    return tenants


def _load_staff(
    session: Session,
    staff: list[StaffPlan],
    tenants: dict[str, Tenant],
    units: dict[str, OrgUnit],
    report: LoadReport,
) -> dict[str, User]:
    users: dict[str, User] = {}
    password_hash: str | None = None
    for person in staff:
        user = users.get(person.phone) or find_user_by_phone(session, person.phone)
        if user is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            user = create_user(
                session, phone=person.phone, name=person.name, password_hash=password_hash
            )
            report.add("accounts")
        users[person.phone] = user
        for role in person.roles:
            for membership in _missing_memberships(session, person, role, user, tenants, units):
                session.add(membership)
                report.add("roles")
    session.flush()
    return users


def _missing_memberships(
    session: Session,
    person: StaffPlan,
    role: Role,
    user: User,
    tenants: dict[str, Tenant],
    units: dict[str, OrgUnit],
) -> Iterator[Membership | UnitMembership]:
    if person.tenant_slug:
        tenant = tenants[person.tenant_slug]
        if not session.scalar(
            select(Membership.id).where(
                Membership.tenant_id == tenant.id,
                Membership.user_id == user.id,
                Membership.role == role,
            )
        ):
            yield Membership(tenant=tenant, user_id=user.id, role=role)
    if person.unit_slug:
        unit = units[person.unit_slug]
        if not session.scalar(
            select(UnitMembership.id).where(
                UnitMembership.org_unit_id == unit.id,
                UnitMembership.user_id == user.id,
                UnitMembership.role == role,
            )
        ):
            yield UnitMembership(org_unit=unit, user_id=user.id, role=role)


def _load_calendar(session: Session, report: LoadReport) -> Term:
    name = f"{SCHOOL_YEAR_START.year}—{SCHOOL_YEAR_START.year + 1}学年"
    year = session.scalar(select(SchoolYear).where(SchoolYear.name == name))
    if year is None:
        year = SchoolYear(name=name, starts_on=TERMS[0][2], ends_on=TERMS[-1][3])
        session.add(year)
        for term_name, number, starts_on, ends_on in TERMS:
            session.add(
                Term(
                    school_year=year,
                    number=number,
                    name=term_name,
                    starts_on=starts_on,
                    ends_on=ends_on,
                )
            )
        session.flush()
        report.add("terms", len(TERMS))
    return year.terms[0]


def _get_or_create_class(
    session: Session, plan: ClassPlan, users: dict[str, User], report: LoadReport
) -> SchoolClass:
    school_class = session.scalar(select(SchoolClass).where(SchoolClass.name == plan.name))
    if school_class is None:
        school_class = create_class(
            session,
            name=plan.name,
            stage=plan.stage,
            grade=plan.grade,
            section=plan.section,
            teacher_id=users[plan.teacher_phone].id,
        )
        report.add("classes")
    return school_class


def _get_or_create_child(
    session: Session,
    school_class: SchoolClass,
    plan: ChildPlan,
    users: dict[str, User],
    term: Term,
    report: LoadReport,
) -> Child:
    child = find_by_id_number(session, plan.id_number)
    if child is not None:
        return child
    child = register_child(
        session,
        actor_id=None,
        name=plan.name,
        gender=plan.gender,
        birth_date=plan.birth_date,
        school_class=school_class,
        id_number=plan.id_number,
        parents=plan.parents,
        guardians=plan.guardians,
        **plan.card,
    )
    if plan.proxy_parent_phone:
        _pair(session, child, users[plan.proxy_parent_phone], PairingKind.PROXY_PARENT, report)
    if plan.surveyed:
        session.add(
            SurveyConfirmation(
                term_id=term.id,
                child_id=child.id,
                outcome=SurveyOutcome.UNCHANGED,
                confirmed_by_id=school_class.teacher_id,
            )
        )
    report.add("children")
    return child


def _pair(
    session: Session, child: Child, user: User, kind: PairingKind, report: LoadReport
) -> None:
    exists = session.scalar(
        select(Pairing.id).where(
            Pairing.child_id == child.id, Pairing.user_id == user.id, Pairing.kind == kind
        )
    )
    if not exists:
        session.add(
            Pairing(child_id=child.id, user_id=user.id, kind=kind, started_on=date(2026, 9, 1))
        )
        session.flush()
        report.add("pairings")
