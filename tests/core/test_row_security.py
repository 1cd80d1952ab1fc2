"""Row-level security on PostgreSQL: the database itself keeps each school's rows to itself.

Behind the tenant filter, every tenant table carries a forced policy; the app connects as a role
that owns nothing, so the policy holds for it. These tests connect as such a role
(``shouwang_app_test``, granted as production grants its role) and look at the data directly.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from flask import Flask
from sqlalchemy import Connection, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from tests.conftest import APP_ROLE, app_session
from tests.helpers import log_in, text_of
from webapp.children.models import Child
from webapp.core.org import Tenant
from webapp.core.row_security import (
    NOT_TENANT_DATA,
    apply_row_security,
    missing_row_security,
    tenant_table_names,
    why_the_policies_do_not_hold,
)
from webapp.core.tenancy import tenant_context, tenant_tables
from webapp.extensions import db


@pytest.fixture(scope="module")
def postgresql(app: Flask) -> Flask:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("row security is PostgreSQL's")
    return app


@pytest.fixture(scope="module")
def app_role_url(postgresql: Flask) -> str:
    """The suite's app already connects as the non-owner role (tests/conftest.py)."""
    return postgresql.config["SQLALCHEMY_DATABASE_URI"]


@pytest.fixture
def as_app_role(app_role_url: str) -> Iterator[Connection]:
    """A plain connection as the app's role, in a transaction rolled back at the end."""
    engine = create_engine(app_role_url)
    connection = engine.connect()
    transaction = connection.begin()
    try:
        yield connection
    finally:
        transaction.rollback()
        connection.close()
        engine.dispose()


def school_ids(connection: Connection) -> dict[str, int]:
    return dict(connection.execute(text("SELECT slug, id FROM tenant")).all())


def set_school(connection: Connection, tenant_id: int) -> None:
    connection.execute(
        text("SELECT set_config('shouwang.tenant_id', :t, true)"), {"t": str(tenant_id)}
    )


def test_every_tenant_table_has_a_forced_policy(postgresql: Flask) -> None:
    with postgresql.app_context(), db.engine.connect() as connection:
        assert connection.scalar(text("SELECT current_user")) == APP_ROLE
        names = set(tenant_table_names(connection))
        missing = missing_row_security(connection)
    assert missing == {}, f"tenant tables without a forced tenant_isolation policy: {missing}"
    # The database's list is the models' list: no tenant table is left out of it.
    assert {table.name for table in tenant_tables()} == names
    assert set(NOT_TENANT_DATA) == {"membership"}


def test_the_app_role_sees_and_writes_only_the_school_it_names(as_app_role: Connection) -> None:
    schools = school_ids(as_app_role)
    yangguang, hongxing = schools["yangguang"], schools["hongxing"]
    set_school(as_app_role, yangguang)

    seen = as_app_role.execute(text("SELECT DISTINCT tenant_id FROM child")).scalars().all()
    assert seen == [yangguang]
    assert as_app_role.scalar(text("SELECT count(*) FROM care_record")) > 0
    assert not as_app_role.scalar(
        text("SELECT count(*) FROM care_record WHERE tenant_id = :h"), {"h": hongxing}
    )

    child_id = as_app_role.scalar(text("SELECT min(id) FROM child"))
    with pytest.raises(ProgrammingError) as refused, as_app_role.begin_nested():
        as_app_role.execute(
            text("UPDATE child SET tenant_id = :h WHERE id = :c"), {"h": hongxing, "c": child_id}
        )
    assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege)
    assert "row-level security" in str(refused.value)

    # A copy of one of its own rooms, written as another school's.
    columns = as_app_role.execute(
        text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'room'"
            " AND column_name NOT IN ('id', 'tenant_id')"
        )
    ).scalars()
    listed = ", ".join(columns)
    with pytest.raises(ProgrammingError) as refused, as_app_role.begin_nested():
        as_app_room_copy = f"INSERT INTO room (tenant_id, {listed}) SELECT :h, {listed} FROM room"
        as_app_role.execute(text(as_app_room_copy + " LIMIT 1"), {"h": hongxing})
    assert "row-level security" in str(refused.value)


def test_with_no_school_named_the_app_role_sees_nothing(as_app_role: Connection) -> None:
    for table in ("child", "guardian", "care_record", "audit_event"):
        assert as_app_role.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table
    # The person's own accounts and memberships are no school's data: login reads them.
    assert as_app_role.scalar(text("SELECT count(*) FROM membership")) > 0


def test_the_app_role_owns_nothing_and_cannot_pass_the_policy(as_app_role: Connection) -> None:
    role = as_app_role.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).one()
    assert not role.rolsuper and not role.rolbypassrls
    owned = as_app_role.scalar(
        text(
            "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles"
            " WHERE rolname = current_user)"
        )
    )
    assert owned == 0


@pytest.fixture
def role_app(postgresql: Flask, transaction: None) -> Flask:
    """The suite's app, connected as the non-owner role, its work rolled back."""
    return postgresql


def test_a_teacher_works_through_the_app_as_the_non_owner_role(role_app: Flask) -> None:
    client = role_app.test_client()
    response = log_in(client, "13800000002")
    assert response.status_code in (302, 303)

    page = client.get("/s/yangguang/children/")
    assert page.status_code == 200
    with app_session(role_app, "yangguang") as session:
        names = session.scalars(select(Child.name)).all()
    assert sum(name in text_of(page) for name in names) >= 10
    # Another school's list is not hers, and the database would not show it anyway.
    assert client.get("/s/hongxing/children/").status_code == 404


def test_a_sanctioned_cross_school_read_still_sees_every_school(role_app: Flask) -> None:
    with app_session(role_app) as session:
        everywhere = session.scalars(
            select(Child.tenant_id).distinct().execution_options(all_tenants=True)
        ).all()
        schools = session.scalars(select(Tenant.id)).all()
    assert sorted(everywhere) == sorted(schools)


def test_the_audit_chain_still_grows_and_verifies_under_row_security(role_app: Flask) -> None:
    from webapp.core.audit import AuditAction, record, verify_chain

    with app_session(role_app, "yangguang") as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "yangguang"))
        before = session.scalar(text("SELECT count(*) FROM audit_event"))
        record(session, AuditAction.VIEW, actor_id=None, subject="child")
        session.flush()
        assert session.scalar(text("SELECT count(*) FROM audit_event")) == before + 1
        assert verify_chain(session.connection(), tenant_id) is None


def test_a_tenant_table_added_later_is_caught_and_then_covered(postgresql: Flask) -> None:
    engine = create_engine(postgresql.config["TEST_OWNER_DATABASE_URL"])
    with engine.connect() as connection, connection.begin() as transaction:
        connection.exec_driver_sql(
            "CREATE TABLE later_record (id serial PRIMARY KEY, tenant_id integer NOT NULL)"
        )
        assert missing_row_security(connection) == {
            "later_record": ["enabled", "forced", "tenant_isolation"]
        }
        assert apply_row_security(connection) == ["later_record"]
        assert missing_row_security(connection) == {}
        transaction.rollback()
    engine.dispose()


def current_school_setting(session: Session) -> str:
    return session.connection().scalar(text("SELECT current_setting('shouwang.tenant_id', true)"))


def test_the_database_follows_the_school_the_session_works_for(role_app: Flask) -> None:
    with app_session(role_app, "yangguang") as session:
        schools = dict(session.execute(select(Tenant.slug, Tenant.id)).all())
        yangguang, hongxing = schools["yangguang"], schools["hongxing"]
        assert session.scalars(select(Child.tenant_id).distinct()).all() == [yangguang]
        assert current_school_setting(session) == str(yangguang)
        with tenant_context(session, hongxing):  # a transfer works in two schools in turn
            assert session.scalars(select(Child.tenant_id).distinct()).all() == [hongxing]
        # Even SQL written by hand on the session's connection sees one school only.
        by_hand = text("SELECT DISTINCT tenant_id FROM child")
        assert session.connection().execute(by_hand).scalars().all() == [yangguang]

        with tenant_context(session, hongxing):
            savepoint = session.begin_nested()  # begun while the setting names 红星
            session.scalars(select(Child.id).limit(1)).all()
        assert session.connection().execute(by_hand).scalars().all() == [yangguang]
        savepoint.rollback()  # the setting went back to 红星 with it: it is given again
        assert session.connection().execute(by_hand).scalars().all() == [yangguang]


def test_the_grant_refuses_a_role_that_would_pass_the_policies(role_app: Flask) -> None:
    runner = role_app.test_cli_runner()
    with role_app.app_context():
        owner = make_url(role_app.config["TEST_OWNER_DATABASE_URL"]).username
        result = runner.invoke(args=["db-grant-app-role", owner])
    assert result.exit_code == 1
    assert "superuser" in result.output or "owner" in result.output


def test_a_role_that_would_pass_the_policies_is_named(
    postgresql: Flask, as_app_role: Connection
) -> None:
    assert why_the_policies_do_not_hold(as_app_role) is None
    engine = create_engine(postgresql.config["TEST_OWNER_DATABASE_URL"])
    with engine.connect() as connection:
        assert why_the_policies_do_not_hold(connection) is not None
    engine.dispose()
