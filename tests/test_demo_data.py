"""The demo: what CONTRACT.md promises, believable, and unchanged by a second run."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from tests.conftest import app_session
from webapp.auth.service import find_user_by_phone
from webapp.children.models import Child, Gender, SchoolClass
from webapp.core.cn import parse_id_number
from webapp.core.db import Base
from webapp.core.org import Membership, OrgUnit, Tenant, UnitMembership
from webapp.core.permissions import Role
from webapp.core.tenancy import ALL_TENANTS
from webapp.demo.data import load_demo_data

CONTRACT_ACCOUNTS = {
    "13800000001": ("yangguang", Role.PRINCIPAL, None),
    "13800000002": ("yangguang", Role.CLASS_TEACHER, "三年级一班"),
    "13800000003": ("yangguang", Role.ROOM_KEEPER, None),
    "13800000004": ("yangguang-kg", Role.KINDERGARTEN_TEACHER, "大班"),
    "13800000005": ("hongxing", Role.CLASS_TEACHER, None),
}


def row_counts(session) -> dict[str, int]:
    return {
        name: session.scalar(
            select(func.count()).select_from(table).execution_options(**{ALL_TENANTS: True})
        )
        for name, table in Base.metadata.tables.items()
    }


def test_the_contract_accounts_hold_their_roles(app: Flask, transaction: None) -> None:
    with app_session(app) as session:
        for phone, (slug, role, class_name) in CONTRACT_ACCOUNTS.items():
            user = find_user_by_phone(session, phone)
            roles = set(
                session.scalars(
                    select(Membership.role)
                    .join(Tenant, Tenant.id == Membership.tenant_id)
                    .where(Membership.user_id == user.id, Tenant.slug == slug)
                )
            )
            assert role in roles, phone
            if class_name:
                taught = session.scalar(
                    select(SchoolClass.name)
                    .where(SchoolClass.teacher_id == user.id)
                    .execution_options(**{ALL_TENANTS: True})
                )
                assert taught == class_name
        officer = find_user_by_phone(session, "13800000009")
        unit = session.scalar(
            select(OrgUnit).join(UnitMembership).where(UnitMembership.user_id == officer.id)
        )
        assert unit.slug == "qinggang"
        assert {t.slug for t in unit.tenants} == {"yangguang", "yangguang-kg", "hongxing"}


def test_each_school_has_sixty_believable_children_with_valid_id_numbers(
    app: Flask, transaction: None
) -> None:
    with app_session(app) as session:
        for tenant in session.scalars(select(Tenant)):
            children = session.scalars(
                select(Child)
                .where(Child.tenant_id == tenant.id)
                .execution_options(**{ALL_TENANTS: True})
            ).all()
            assert len(children) >= 60, tenant.slug
            names = {c.name for c in children}
            assert len(names) > len(children) * 0.8  # a few namesakes, as in any school
            for child in children:
                parsed = parse_id_number(child.id_number)
                assert parsed.birth_date == child.birth_date
                assert parsed.is_male == (child.gender == Gender.MALE)
                assert 2 <= len(child.name) <= 4


def test_loading_the_demo_twice_changes_nothing(app: Flask, transaction: None) -> None:
    with app_session(app) as session:
        before = row_counts(session)
        report = load_demo_data(session)
        session.flush()
        assert not report.changed
        assert row_counts(session) == before
