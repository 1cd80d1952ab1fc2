"""Fixtures: a real database per backend, each test inside a transaction that is rolled back.

SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). Each backend's
database is migrated from empty and loaded with the demo data once per run; every test then
works inside an outer transaction that is rolled back, so tests see the demo schools and
leave nothing behind. On PostgreSQL the database is migrated and loaded by its owner, and the
app then connects as a role that owns nothing (as in production), so row security holds in
every test: a superuser would pass it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tests.helpers import log_in
from webapp import create_app
from webapp.config import normalise_database_url
from webapp.core.crypto import generate_data_key
from webapp.core.org import Tenant
from webapp.core.row_security import grant_app_role
from webapp.core.tenancy import tenant_context
from webapp.demo.data import load_demo_data
from webapp.extensions import db

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])

# Cheap hashing keeps a suite of logins fast; production uses the RFC 9106 parameters.
FAST_PASSWORD_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def make_app(database_url: str, **config: object) -> Flask:
    return create_app(
        env="testing",
        config={
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "SHOUWANG_DATA_KEY": generate_data_key(),
            "PASSWORD_HASH": FAST_PASSWORD_HASH,
            **config,
        },
    )


def reset_postgresql(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


APP_ROLE = "shouwang_app_test"
APP_ROLE_PASSWORD = "shouwang-app-test"


def app_role_url(owner_url: str) -> str:
    """``owner_url`` as a role granted as production grants the app's (created if new).

    Unlike production's, it may become the owner for one transaction (``SET LOCAL ROLE``: it
    inherits nothing), which is how tests play someone with the database in hand.
    """
    engine = create_engine(owner_url)
    with engine.begin() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": APP_ROLE}
        )
        if not exists:
            connection.exec_driver_sql(
                f"CREATE ROLE {APP_ROLE} LOGIN NOINHERIT PASSWORD '{APP_ROLE_PASSWORD}'"
            )
        connection.exec_driver_sql(f"ALTER ROLE {APP_ROLE} NOINHERIT")
        grant_app_role(connection, APP_ROLE)
        owner = connection.scalar(text("SELECT current_user"))
        connection.exec_driver_sql(f'GRANT "{owner}" TO {APP_ROLE}')
    engine.dispose()
    url = make_url(owner_url).set(username=APP_ROLE, password=APP_ROLE_PASSWORD)
    return url.render_as_string(hide_password=False)


def migrated_app_with_demo(database_url: str) -> Flask:
    """An app on a database migrated from empty and loaded with the demo.

    SQLite files are copies of one such database made once per run (with its data key): the
    browser modules each want a server of their own, and loading the demo costs seconds."""
    if not database_url.startswith("sqlite:///"):
        return _migrate_and_load(make_app(database_url))
    global _sqlite_template
    if _sqlite_template is None:
        template = Path(tempfile.mkdtemp(prefix="shouwang-demo-")) / "demo.sqlite3"
        data_key = generate_data_key()
        app = _migrate_and_load(make_app(f"sqlite:///{template}", SHOUWANG_DATA_KEY=data_key))
        with app.app_context():
            db.engine.dispose()  # the last connection checkpoints the WAL into the file
        _sqlite_template = (template, data_key)
    template, data_key = _sqlite_template
    shutil.copyfile(template, database_url.removeprefix("sqlite:///"))
    return make_app(database_url, SHOUWANG_DATA_KEY=data_key)


_sqlite_template: tuple[Path, str] | None = None


def _migrate_and_load(app: Flask) -> Flask:
    with app.app_context():
        flask_migrate.upgrade()
        load_demo_data(db.session)
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(scope="session", params=BACKENDS)
def app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
    else:
        url = normalise_database_url(os.environ["TEST_DATABASE_URL"])
        reset_postgresql(url)
    app = migrated_app_with_demo(url)
    if request.param == "postgresql":
        with app.app_context():
            db.engine.dispose()
        app = make_app(
            app_role_url(url),
            SHOUWANG_DATA_KEY=app.config["SHOUWANG_DATA_KEY"],
            TEST_OWNER_DATABASE_URL=url,
        )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def transaction(app: Flask) -> Iterator[None]:
    """Every session of the test joins one outer transaction, rolled back at the end."""
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    factory = db.session.session_factory
    factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        factory.configure(bind=None)
        outer.rollback()
        connection.close()


@contextmanager
def app_session(app: Flask, tenant_slug: str | None = None) -> Iterator[Session]:
    """The app's session outside any request, optionally working for one school.

    Leave the block before using the test client: a request inside it would share the session.
    """
    with app.app_context():
        session = db.session
        try:
            if tenant_slug is None:
                yield session
            else:
                tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == tenant_slug))
                with tenant_context(session, tenant_id):
                    yield session
            session.commit()  # releases the savepoint; the outer transaction still rolls back
        finally:
            db.session.remove()


@pytest.fixture
def client(app: Flask, transaction: None) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def teacher(client: FlaskClient) -> FlaskClient:
    """王丽, class teacher of 三年级一班 at 阳光小学."""
    log_in(client, "13800000002")
    return client


@pytest.fixture
def principal(client: FlaskClient) -> FlaskClient:
    """李建国, principal of 阳光小学."""
    log_in(client, "13800000001")
    return client
