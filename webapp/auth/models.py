"""Accounts and login throttling (global: a person may work in several tenants)."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.crypto import Sensitive, mask_phone
from webapp.core.db import Base, HasUid, utcnow


class User(HasUid, UserMixin, Base):
    """A staff member, volunteer or oversight officer (用户); logs in with a mobile number.

    The number is sealed like every other phone; logins find it by its keyed hash.
    """

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_sealed: Mapped[str] = mapped_column("phone", Text)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    phone = Sensitive("phone_sealed", blind_index="phone_hash")

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class LoginThrottle(Base):
    """Failed logins per phone number, kept in the database so every worker sees them.

    Keyed by the keyed hash of the number typed, whether or not an account has it, so a lock
    reveals nothing and the table holds no phone number.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
