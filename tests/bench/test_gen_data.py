"""The generated data set: counts at the scale asked, the same rows on a second run, and the app
answering on them for a generated teacher. SQLite always, PostgreSQL when TEST_DATABASE_URL is
set (in a database of its own, <name>_gen, so the suite's shared database is left alone)."""

from __future__ import annotations

import os
from datetime import date

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import gen_data
from tests.conftest import BACKENDS, make_app, reset_postgresql
from tests.helpers import log_in, text_of
from webapp.config import normalise_database_url
from webapp.core.audit import verify_chain
from webapp.extensions import db

SCALE = 0.01
ANCHOR = date(2026, 11, 27)


def database_url(backend: str, tmp_path, run: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'gen{run}.sqlite3'}"
    url = make_url(normalise_database_url(os.environ["TEST_DATABASE_URL"]))
    name = f"{url.database}_gen"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    server.dispose()
    generated = url.set(database=name).render_as_string(hide_password=False)
    reset_postgresql(generated)
    return generated


def generated_app(url: str) -> tuple[Flask, str]:
    app = make_app(url)
    with app.app_context():
        flask_migrate.upgrade()
    gen_data.generate(app, SCALE, seed=9, anchor=ANCHOR)
    with app.app_context(), db.engine.connect() as connection:
        return app, gen_data.checksum(connection)


@pytest.mark.parametrize("backend", BACKENDS)
def test_generated_schools_work_and_repeat(backend: str, tmp_path) -> None:
    app, first = generated_app(database_url(backend, tmp_path, 1))
    expected = gen_data.counts_for(SCALE)
    with app.app_context(), db.engine.connect() as connection:
        counts = gen_data.generated_counts(connection)
        phone, class_id = gen_data.teachers(connection, "gen-0001")[0]
        child_id = connection.scalar(
            text("SELECT min(id) FROM child WHERE class_id = :c"), {"c": class_id}
        )
        # Each generated school's audit log is a whole hash chain (audit-verify finds no break).
        school_id = connection.scalar(text("SELECT id FROM tenant WHERE slug = 'gen-0001'"))
        chain_break = verify_chain(connection, school_id)
        children_per_school = (
            connection.execute(
                text("SELECT count(*) FROM child GROUP BY tenant_id ORDER BY count(*)")
            )
            .scalars()
            .all()
        )
    assert counts["tenant"] == expected["schools"]
    assert counts["child"] == expected["children"]
    assert counts["care_record"] == expected["talks"]
    assert counts["audit_event"] == expected["audit"]
    assert counts["term"] == 2 * expected["schools"]
    assert children_per_school[-1] > 3 * children_per_school[0]  # skewed, not uniform
    assert chain_break is None

    client = app.test_client()
    assert log_in(client, phone).status_code == 303
    today = client.get("/s/gen-0001/")
    assert today.status_code == 200
    class_list = client.get(f"/s/gen-0001/children/?class_id={class_id}")
    assert class_list.status_code == 200
    assert f"/s/gen-0001/children/{child_id}" in text_of(class_list)
    timeline = client.get(
        f"/s/gen-0001/care/children/{child_id}/timeline",
        headers={"HX-Request": "true", "HX-Target": "timeline"},
    )
    assert timeline.status_code == 200
    assert "<html" not in text_of(timeline)
    assert any(note in text_of(timeline) for note in gen_data.NOTES)  # decrypted talk notes
    with app.app_context():
        db.engine.dispose()

    again, second = generated_app(database_url(backend, tmp_path, 2))
    with again.app_context():
        db.engine.dispose()
    assert second == first
