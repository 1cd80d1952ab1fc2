"""Load the demo data. Deterministic, so a second run finds everything and changes nothing.

The plan (who, which classes, which children) is a pure function of a fixed seed; loading it
looks every item up by its natural key (slug, phone, class name, ID number) before creating it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth.models import User
from webapp.auth.service import hash_password
from webapp.children.models import Child, Gender, SchoolClass, Stage
from webapp.children.queries import ID_NUMBER_PURPOSE
from webapp.children.service import create_class, register_child
from webapp.core.cn import id_check_digit
from webapp.core.crypto import cipher
from webapp.core.org import Membership, OrgUnit, Tenant, TenantKind, UnitKind, UnitMembership
from webapp.core.permissions import Role
from webapp.core.tenancy import tenant_context
from webapp.demo import DEMO_PASSWORD
from webapp.demo.people import BOY_GIVEN, ETHNICITIES, GIRL_GIVEN, REGION_CODES, SURNAMES

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
    ethnicity: str
    student_no: str
    enrolled_on: date


@dataclass
class Plan:
    staff: list[StaffPlan] = field(default_factory=list)
    classes: list[ClassPlan] = field(default_factory=list)
    children: dict[tuple[str, str], list[ChildPlan]] = field(default_factory=dict)


def primary_class_name(grade: int, section: int) -> str:
    return f"{CN_DIGITS[grade]}年级{CN_DIGITS[section]}班"


KINDERGARTEN_NAMES = {1: "小班", 2: "中班", 3: "大班"}

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
    other_phone = iter(f"139000001{n:02d}" for n in range(100))

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
    return plan


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _birth_range(school_class: ClassPlan) -> tuple[date, date]:
    """Born between 1 September and 31 August of the cohort's year."""
    age = school_class.grade + (2 if school_class.stage == Stage.KINDERGARTEN else 5)
    start = date(SCHOOL_YEAR_START.year - age - 1, 9, 1)
    return start, date(start.year + 1, 8, 31)


def _child(rng: random.Random, school_class: ClassPlan, n: int, used_ids: set[str]) -> ChildPlan:
    gender = rng.choice([Gender.MALE, Gender.FEMALE])
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
    return ChildPlan(
        name=_weighted(rng, SURNAMES) + given,
        gender=gender,
        birth_date=born,
        id_number=id_number,
        ethnicity=_weighted(rng, ETHNICITIES),
        student_no=f"{enrol_year}{school_class.grade:02d}{school_class.section:02d}{n + 1:02d}",
        enrolled_on=date(enrol_year, 9, 1),
    )


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

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
    for tenant_slug, tenant in tenants.items():
        with tenant_context(session, tenant.id):
            for class_plan in (c for c in plan.classes if c.tenant_slug == tenant_slug):
                school_class = _get_or_create_class(session, class_plan, users, report)
                for child_plan in plan.children[(tenant_slug, class_plan.name)]:
                    _get_or_create_child(session, school_class, child_plan, report)
    return report


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
        user = session.scalar(select(User).where(User.phone == person.phone))
        if user is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            user = User(phone=person.phone, name=person.name, password_hash=password_hash)
            session.add(user)
            session.flush()
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
    session: Session, school_class: SchoolClass, plan: ChildPlan, report: LoadReport
) -> Child:
    hashes = cipher().blind_indexes(plan.id_number, ID_NUMBER_PURPOSE)
    child = session.scalar(select(Child).where(Child.id_number_hash.in_(hashes)))
    if child is None:
        child = register_child(
            session,
            name=plan.name,
            gender=plan.gender,
            birth_date=plan.birth_date,
            school_class=school_class,
            id_number=plan.id_number,
            ethnicity=plan.ethnicity,
            student_no=plan.student_no,
            enrolled_on=plan.enrolled_on,
        )
        report.add("children")
    return child
