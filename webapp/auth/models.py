"""Accounts and login throttling (global: a person may work in several tenants)."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    # Authenticator app (TOTP) for step-up: the secret sealed with the data key; the last
    # time step accepted, so one code never opens twice.
    totp_sealed: Mapped[str | None] = mapped_column("totp_secret", Text)
    totp_enrolled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    phone = Sensitive("phone_sealed", blind_index="phone_hash")
    totp_secret = Sensitive("totp_sealed")

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


class UserSession(Base):
    """A login on one device (登录会话); the browser holds only a random id, hashed here.

    Belongs to a person, not to a school: one login serves every school the person works in.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    device: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the password (and the authenticator code) were last given: step-up reads these.
    password_at: Mapped[datetime] = mapped_column(default=utcnow)
    totp_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship(lazy="joined")


class OneTimeCode(Base):
    """A code the principal hands over for a first login or a reset (一次性登录码); hashed,
    valid 24 hours, used once."""

    __tablename__ = "one_time_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
