"""The audit log is hash-chained per school and append-only; audit-verify names the first row
that no longer holds, and the migration chained the rows it found."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from tests.conftest import app_session, make_app
from tests.privacy.conftest import NewSchool
from webapp.core import audit
from webapp.core.audit import (
    GENESIS,
    AuditAction,
    AuditEvent,
    AuditLogIsAppendOnly,
    row_hash_of,
    verify_chain,
)
from webapp.core.tenancy import tenant_context
from webapp.extensions import db


def verify(app: Flask, slug: str):
    """``flask audit-verify --tenant slug``, as an operator runs it."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=["audit-verify", "--tenant", slug])


def write_events(app: Flask, school: NewSchool, count: int, flushes: int = 1) -> list[int]:
    ids = []
    with app_session(app) as session, tenant_context(session, school.id):
        for n in range(count):
            ids.append(
                audit.record(
                    session,
                    AuditAction.VIEW,
                    actor_id=None,
                    subject="child",
                    subject_id=n,
                    child_id=n,
                    reason=f"第{n}次",
                )
            )
            if n % max(1, count // flushes) == 0:
                session.flush()
        session.flush()
        return [event.id for event in ids]


def chain_of(app: Flask, school: NewSchool) -> list[AuditEvent]:
    with app_session(app) as session, tenant_context(session, school.id):
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        session.expunge_all()
        return list(rows)


def tamper(app: Flask, statement: str, **params: object) -> None:
    """What someone with the database in hand would do: raw SQL past the app and the trigger
    (inside the test's transaction, so the trigger is back afterwards)."""
    with app_session(app) as session:
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        else:
            # The app's role may not; the tables' owner may (tests/conftest.py lets the role
            # become it, for this transaction only).
            connection.exec_driver_sql(
                "SELECT set_config('role', tableowner, true) FROM pg_tables"
                " WHERE tablename = 'audit_event'"
            )
            connection.exec_driver_sql(
                "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"
            )
        connection.execute(text(statement), params)
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"
            )
            connection.exec_driver_sql("RESET ROLE")


def test_each_row_follows_the_one_before_it_in_its_school(app: Flask, new_school) -> None:
    write_events(app, new_school, 5, flushes=3)
    rows = chain_of(app, new_school)
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS
    for before, after in pairwise(rows):
        assert after.prev_hash == before.row_hash
    for row in rows:
        assert len(row.row_hash) == 64
    # Another school's chain is its own: 阳光小学's rows do not continue this one.
    with app_session(app) as session:
        assert verify_chain(session.connection(), new_school.id) is None


def test_audit_verify_reports_an_intact_chain(app: Flask, new_school) -> None:
    write_events(app, new_school, 3)
    result = verify(app, new_school.slug)
    assert result.exit_code == 0, result.output
    assert "xinjian: chain intact" in result.output


def test_a_row_changed_with_raw_sql_is_named_and_the_command_fails(app: Flask, new_school) -> None:
    ids = write_events(app, new_school, 4)
    tamper(app, "UPDATE audit_event SET reason = '改过的理由' WHERE id = :id", id=ids[2])
    result = verify(app, new_school.slug)
    assert result.exit_code == 1
    assert f"BROKEN at audit row {ids[2]} " in result.output
    assert "changed after it was written" in result.output


def test_a_row_removed_breaks_the_chain_at_the_row_after_it(app: Flask, new_school) -> None:
    ids = write_events(app, new_school, 4)
    with app_session(app, new_school.slug) as session, audit.purging(session):
        session.connection().execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[1]})
    result = verify(app, new_school.slug)
    assert result.exit_code == 1
    assert f"BROKEN at audit row {ids[2]} " in result.output


def test_a_forged_row_with_a_recomputed_hash_still_breaks_the_next_link(
    app: Flask, new_school
) -> None:
    ids = write_events(app, new_school, 3)
    rows = chain_of(app, new_school)
    values = {c.name: getattr(rows[1], c.key) for c in AuditEvent.__mapper__.columns}
    values.update(reason="伪造", fields=rows[1].fields_json)
    forged = row_hash_of(values)
    tamper(
        app,
        "UPDATE audit_event SET reason = '伪造', row_hash = :digest WHERE id = :id",
        digest=forged,
        id=ids[1],
    )
    result = verify(app, new_school.slug)
    assert result.exit_code == 1
    assert f"BROKEN at audit row {ids[2]} " in result.output


def test_the_app_refuses_to_change_or_delete_an_audit_row(app: Flask, new_school) -> None:
    ids = write_events(app, new_school, 2)
    with app_session(app) as session, tenant_context(session, new_school.id):
        event = session.get(AuditEvent, ids[0])
        event.reason = "改"
        with pytest.raises(AuditLogIsAppendOnly):
            session.flush()
        session.rollback()
    with app_session(app) as session, tenant_context(session, new_school.id):
        session.delete(session.get(AuditEvent, ids[0]))
        with pytest.raises(AuditLogIsAppendOnly):
            session.flush()
        session.rollback()
    with (
        app_session(app) as session,
        tenant_context(session, new_school.id),
        pytest.raises(AuditLogIsAppendOnly),
    ):
        session.execute(update(AuditEvent).values(reason="改"))
    assert [row.reason for row in chain_of(app, new_school)] == ["第0次", "第1次"]


def test_the_database_refuses_raw_updates_and_deletes(app: Flask, new_school) -> None:
    ids = write_events(app, new_school, 1)
    for statement in (
        "UPDATE audit_event SET reason = 'x' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
    ):
        with app_session(app, new_school.slug) as session:
            connection = session.connection()
            savepoint = connection.begin_nested()
            with pytest.raises(DBAPIError, match="append-only"):
                connection.execute(text(statement), {"id": ids[0]})
            savepoint.rollback()
    assert [row.reason for row in chain_of(app, new_school)] == ["第0次"]


def test_the_migration_chains_the_rows_already_there(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'before.sqlite3'}")
    with app.app_context():
        flask_migrate.upgrade(revision="e571c78e4823")  # the schema before the chain
        connection = db.session.connection()
        connection.execute(
            text(
                "INSERT INTO tenant (id, slug, name, kind, is_active, created_at) VALUES "
                "(1, 'a', '甲校', 'school', 1, '2026-09-01 08:00:00.000000'),"
                "(2, 'b', '乙校', 'school', 1, '2026-09-01 08:00:00.000000')"
            )
        )
        for n, tenant_id in enumerate([1, 2, 1, 1, 2], start=1):
            connection.execute(
                text(
                    "INSERT INTO audit_event (id, tenant_id, at, action, subject, subject_id,"
                    " child_id, fields, reason) VALUES (:id, :tenant, :at, 'view', 'child', :id,"
                    " :id, :fields, :reason)"
                ),
                {
                    "id": n,
                    "tenant": tenant_id,
                    "at": f"2026-10-0{n} 01:02:03.000004",
                    "fields": '["child.id_number"]' if n == 3 else None,
                    "reason": "家访" if n == 4 else None,
                },
            )
        db.session.commit()
        flask_migrate.upgrade()
        connection = db.session.connection()
        assert verify_chain(connection, 1) is None
        assert verify_chain(connection, 2) is None
        seqs = connection.execute(text("SELECT id, seq FROM audit_event ORDER BY id")).all()
        assert [tuple(row) for row in seqs] == [(1, 1), (2, 1), (3, 2), (4, 3), (5, 2)]
        # and the app carries the chain on from there
        with tenant_context(db.session, 1):
            audit.record(db.session, AuditAction.VIEW, actor_id=None, subject="child")
            db.session.flush()
        connection = db.session.connection()
        assert verify_chain(connection, 1) is None
        last = connection.execute(text("SELECT seq FROM audit_event WHERE id = 6")).scalar()
        assert last == 4
        db.session.rollback()
        db.engine.dispose()
