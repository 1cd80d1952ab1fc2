"""Accounts and login throttling (global: a person may work in several tenants)."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.db import Base, utcnow


class User(UserMixin, Base):
    """A staff member, volunteer or oversight officer (用户); logs in with a mobile number."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed logins per phone number, kept in the database so every worker sees them.

    Keyed by the number typed, whether or not an account has it, so a lock reveals nothing.
    """

    __tablename__ = "login_throttle"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
