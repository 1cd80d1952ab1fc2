"""Development makes its own secrets; production refuses to start without real ones."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import app_session, migrated_app_with_demo
from webapp import create_app
from webapp.auth.models import User
from webapp.auth.service import hash_password
from webapp.config import ConfigError, build_config, normalise_database_url
from webapp.core.crypto import generate_data_key


def test_development_generates_its_secrets_once_readable_only_by_the_owner(tmp_path: Path) -> None:
    first = build_config("development", tmp_path, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    second = build_config("development", tmp_path, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["SHOUWANG_DATA_KEY"] == second["SHOUWANG_DATA_KEY"]
    for name in ("secret_key", "data_key"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600


@pytest.mark.parametrize("missing", ["SECRET_KEY", "SHOUWANG_DATA_KEY"])
def test_production_refuses_to_start_without_its_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", "a-real-secret")
    monkeypatch.setenv("SHOUWANG_DATA_KEY", generate_data_key())
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        build_config("production", tmp_path, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_to_start_while_demo_accounts_keep_the_demo_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    demo_app = migrated_app_with_demo(url)
    monkeypatch.setenv("SECRET_KEY", "a-real-secret")
    monkeypatch.setenv("SHOUWANG_DATA_KEY", demo_app.config["SHOUWANG_DATA_KEY"])
    production = {"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH": demo_app.config["PASSWORD_HASH"]}
    with pytest.raises(ConfigError, match="demo"):
        create_app(env="production", config=production)

    with app_session(demo_app) as session:
        for user in session.scalars(select(User)):
            user.password_hash = hash_password("a long and private passphrase")
    assert create_app(env="production", config=production).config["SESSION_COOKIE_SECURE"]


def test_hosting_style_postgres_urls_use_psycopg_3() -> None:
    assert normalise_database_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
