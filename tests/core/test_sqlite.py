"""The embedded database: foreign keys on, WAL, and writers that queue instead of failing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from tests.conftest import make_app
from webapp.auth.models import LoginThrottle
from webapp.core.db import utcnow
from webapp.extensions import db


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Flask:
    app = make_app(f"sqlite:///{tmp_path / 'concurrent.sqlite3'}")
    with app.app_context():
        import flask_migrate

        flask_migrate.upgrade()
        db.session.add(LoginThrottle(key="counter", failures=0, first_failure_at=utcnow()))
        db.session.commit()
        db.session.remove()
    return app


def test_connections_enforce_foreign_keys_with_wal_and_a_busy_timeout(sqlite_app: Flask) -> None:
    with sqlite_app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_concurrent_read_then_write_neither_fails_nor_loses_an_update(sqlite_app: Flask) -> None:
    rounds, workers = 25, 4
    start = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work() -> None:
        with sqlite_app.app_context():
            start.wait()
            try:
                for _ in range(rounds):
                    throttle = db.session.get(LoginThrottle, "counter")  # read ...
                    throttle.failures = throttle.failures + 1  # ... then write
                    db.session.commit()
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[0]
    with sqlite_app.app_context():
        assert db.session.get(LoginThrottle, "counter").failures == rounds * workers
