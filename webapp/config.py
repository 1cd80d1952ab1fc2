"""Configuration from the environment (see ../shared/CONTRACT.md).

Development generates its secrets once into instance/ (mode 0600) so a new user needs no set-up;
production refuses to start without them.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from webapp.core.crypto import generate_data_key

ENVIRONMENTS = ("development", "production", "testing")


class ConfigError(RuntimeError):
    """The deployment is misconfigured; the app must not start."""


def build_config(env: str, instance_path: Path, overrides: dict[str, Any] | None) -> dict[str, Any]:
    if env not in ENVIRONMENTS:
        raise ConfigError(f"SHOUWANG_ENV must be one of {ENVIRONMENTS}, not {env!r}")
    production = env == "production"
    overrides = overrides or {}
    config: dict[str, Any] = {
        "SHOUWANG_ENV": env,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SHOUWANG_DATA_KEY": os.environ.get("SHOUWANG_DATA_KEY"),
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent.parent / "translations"),
        "SESSION_COOKIE_NAME": "shouwang",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # A form left open through a long lesson must still post; the session bounds the token.
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_FAILURE_WINDOW": timedelta(minutes=15),
        "LOGIN_LOCK_DURATION": timedelta(minutes=15),
        # argon2id, RFC 9106 second recommended option (64 MiB, 3 passes).
        "PASSWORD_HASH": {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4},
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    }
    config.update(overrides)
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = database_url(instance_path)

    if production:
        missing = [k for k in ("SECRET_KEY", "SHOUWANG_DATA_KEY") if not config.get(k)]
        if missing:
            raise ConfigError(f"production needs {' and '.join(missing)} in the environment")
    else:
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = _secret_file(instance_path / "secret_key", secrets.token_hex)
        if not config.get("SHOUWANG_DATA_KEY"):
            config["SHOUWANG_DATA_KEY"] = _secret_file(
                instance_path / "data_key", generate_data_key
            )
    return config


def database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        instance_path.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{instance_path / 'shouwang.sqlite3'}"
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    """Hosting panels hand out postgres:// URLs; we speak psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_file(path: Path, make) -> str:
    """Read a development secret, creating it once, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        value = make()
        f.write(value + "\n")
    return value
