"""The tenant filter: automatic, fails closed, and backed by the database itself."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import ForeignKeyConstraint, UniqueConstraint, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from tests.conftest import app_session
from webapp.children.models import Child, Gender, SchoolClass
from webapp.core.db import Base
from webapp.core.org import Tenant
from webapp.core.tenancy import (
    ALL_TENANTS,
    TenantMismatch,
    TenantNotSet,
    tenant_context,
    tenant_tables,
)

pytestmark = pytest.mark.usefixtures("transaction")


def tenant_id(session, slug: str) -> int:
    return session.scalar(select(Tenant.id).where(Tenant.slug == slug))


def test_querying_a_tenant_table_with_no_tenant_set_raises(app: Flask) -> None:
    with app_session(app) as session:
        with pytest.raises(TenantNotSet):
            session.scalars(select(Child)).all()
        with pytest.raises(TenantNotSet):
            session.scalar(select(func.count()).select_from(SchoolClass))
        with pytest.raises(TenantNotSet):
            session.get(Child, 1)
        with pytest.raises(TenantNotSet):
            session.execute(update(Child).values(name="x"))


def test_every_kind_of_query_sees_only_the_current_school(app: Flask) -> None:
    with app_session(app) as session:
        hongxing_child_ids = set(
            session.scalars(
                select(Child.id)
                .where(Child.tenant_id == tenant_id(session, "hongxing"))
                .execution_options(**{ALL_TENANTS: True})
            )
        )
        assert hongxing_child_ids
    with app_session(app, "yangguang") as session:
        own = tenant_id(session, "yangguang")
        assert {c.tenant_id for c in session.scalars(select(Child))} == {own}
        assert session.scalar(select(func.count()).select_from(Child)) == 71
        # joins, aliases and subqueries are filtered too
        klass = aliased(SchoolClass)
        joined = session.execute(
            select(Child.tenant_id, klass.tenant_id).join(klass, Child.school_class)
        )
        assert {row for row in joined} == {(own, own)}
        in_subquery = session.scalars(
            select(SchoolClass.tenant_id).where(SchoolClass.id.in_(select(Child.class_id)))
        )
        assert set(in_subquery) == {own}
        # a guessed id of another school is simply not there
        assert all(session.get(Child, child_id) is None for child_id in hongxing_child_ids)


def test_bulk_update_and_delete_touch_only_the_current_school(app: Flask) -> None:
    with app_session(app, "yangguang") as session:
        renamed = session.execute(update(Child).values(ethnicity="测试")).rowcount
        assert renamed == 71
        removed = session.execute(delete(Child).where(Child.ethnicity == "汉族")).rowcount
        assert removed == 0  # the only 汉族 children left are other schools'
    with app_session(app) as session:
        others = session.scalar(
            select(func.count())
            .select_from(Child)
            .where(Child.ethnicity == "测试")
            .execution_options(**{ALL_TENANTS: True})
        )
        assert others == 71


def test_the_identity_map_answers_like_the_filter(app: Flask) -> None:
    with app_session(app) as session:
        other = session.scalars(
            select(Child)
            .where(Child.tenant_id == tenant_id(session, "hongxing"))
            .limit(1)
            .execution_options(**{ALL_TENANTS: True})
        ).one()  # now held in this session's identity map
        with tenant_context(session, tenant_id(session, "yangguang")):
            assert session.get(Child, other.id) is None


def test_new_rows_are_stamped_with_the_current_school(app: Flask) -> None:
    with app_session(app, "yangguang") as session:
        school_class = SchoolClass(name="七年级一班", stage="junior", grade=7)
        session.add(school_class)
        session.flush()
        assert school_class.tenant_id == tenant_id(session, "yangguang")


def test_a_row_of_another_school_is_refused_at_flush(app: Flask) -> None:
    with app_session(app) as session:
        hongxing = tenant_id(session, "hongxing")
        with tenant_context(session, tenant_id(session, "yangguang")):
            session.add(SchoolClass(tenant_id=hongxing, name="冒名班", stage="primary", grade=1))
            with pytest.raises(TenantMismatch):
                session.flush()
            session.rollback()


def test_writing_with_no_school_set_is_refused(app: Flask) -> None:
    with app_session(app) as session:
        session.add(SchoolClass(name="无主班", stage="primary", grade=1))
        with pytest.raises(TenantNotSet):
            session.flush()
        session.rollback()


def test_moving_a_row_to_another_school_is_refused(app: Flask) -> None:
    with app_session(app) as session:
        hongxing = tenant_id(session, "hongxing")
        with tenant_context(session, tenant_id(session, "yangguang")):
            child = session.scalars(select(Child).limit(1)).one()
            child.tenant_id = hongxing
            with pytest.raises(TenantMismatch):
                session.flush()
            session.rollback()


def test_the_database_refuses_a_reference_to_another_schools_row(app: Flask) -> None:
    with app_session(app) as session:
        hongxing_class_id = session.scalar(
            select(SchoolClass.id)
            .where(SchoolClass.tenant_id == tenant_id(session, "hongxing"))
            .limit(1)
            .execution_options(**{ALL_TENANTS: True})
        )
        with tenant_context(session, tenant_id(session, "yangguang")):
            child = session.scalars(select(Child).limit(1)).one()
            child.class_id = hongxing_class_id  # the ORM checks pass: the row is still ours
            with pytest.raises(IntegrityError):
                session.flush()
            session.rollback()


def test_assigning_another_schools_class_does_not_carry_the_child_across(app: Flask) -> None:
    with app_session(app) as session:
        hongxing_class = session.scalars(
            select(SchoolClass)
            .where(SchoolClass.tenant_id == tenant_id(session, "hongxing"))
            .limit(1)
            .execution_options(**{ALL_TENANTS: True})
        ).one()
        with tenant_context(session, tenant_id(session, "yangguang")):
            session.add(
                Child(
                    name="测试",
                    gender=Gender.MALE,
                    birth_date=date(2018, 3, 1),
                    school_class=hongxing_class,
                )
            )
            # Refused by the ORM (the other school's class would change) or by the database.
            with pytest.raises((TenantMismatch, IntegrityError)):
                session.flush()
            session.rollback()


def test_every_tenant_table_is_keyed_for_composite_references() -> None:
    tables = tenant_tables()
    assert tables, "no tenant tables found"
    for table in tables:
        unique_keys = {
            tuple(c.name for c in constraint.columns)
            for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint)
        }
        assert ("tenant_id", "id") in unique_keys, f"{table.name} lacks UNIQUE (tenant_id, id)"
        for constraint in table.constraints:
            if isinstance(constraint, ForeignKeyConstraint) and constraint.referred_table in tables:
                assert "tenant_id" in constraint.column_keys, (
                    f"{table.name} refers to {constraint.referred_table.name} without tenant_id"
                )


def test_only_kernel_tables_carry_a_tenant_id_without_the_filter() -> None:
    unfiltered = {
        table.name
        for table in Base.metadata.tables.values()
        if "tenant_id" in table.c and table not in tenant_tables()
    }
    assert unfiltered == {"membership"}
