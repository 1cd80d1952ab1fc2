"""Passwords (argon2id) and authentication with a lockout shared by every worker."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth.models import LoginThrottle, User
from webapp.core.crypto import cipher
from webapp.core.db import utcnow
from webapp.demo import DEMO_PASSWORD


def password_hasher() -> PasswordHasher:
    return PasswordHasher(**current_app.config["PASSWORD_HASH"])


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return password_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoginRefused:
    """Why a login failed: ``bad_credentials``, ``locked`` or ``demo_password``."""

    reason: str
    minutes_left: int = 0


def authenticate(session: Session, phone: str, password: str) -> User | LoginRefused:
    """The user, or why not. Never says whether the phone number has an account."""
    config = current_app.config
    now = utcnow()
    key = throttle_key(phone)
    throttle = session.get(LoginThrottle, key, with_for_update=True)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        return _locked(throttle.locked_until, now)

    user = find_user_by_phone(session, phone)
    if user is None:
        # Spend the same time as a real check, so timing does not reveal unknown numbers.
        verify_password(_dummy_hash(), password)
        return _record_failure(session, throttle, key, now)
    if not verify_password(user.password_hash, password) or not user.is_active:
        return _record_failure(session, throttle, key, now)
    if config["SHOUWANG_ENV"] == "production" and password == DEMO_PASSWORD:
        return LoginRefused("demo_password")

    if throttle is not None:
        session.delete(throttle)
    if password_hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def locked_out(session: Session, key: str) -> LoginRefused | None:
    """The lock a number is under, if any (the one-time code page shares the login's lock)."""
    now = utcnow()
    throttle = session.get(LoginThrottle, key, with_for_update=True)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        return _locked(throttle.locked_until, now)
    return None


def count_failure(session: Session, key: str) -> LoginRefused:
    return _record_failure(session, session.get(LoginThrottle, key), key, utcnow())


def _record_failure(
    session: Session, throttle: LoginThrottle | None, key: str, now: datetime
) -> LoginRefused:
    config = current_app.config
    if throttle is None:
        throttle = LoginThrottle(key=key, failures=0, first_failure_at=now)
        session.add(throttle)
    elif now - throttle.first_failure_at > config["LOGIN_FAILURE_WINDOW"]:
        throttle.failures, throttle.first_failure_at, throttle.locked_until = 0, now, None
    throttle.failures += 1
    if throttle.failures >= config["LOGIN_MAX_FAILURES"]:
        throttle.locked_until = now + config["LOGIN_LOCK_DURATION"]
        return _locked(throttle.locked_until, now)
    return LoginRefused("bad_credentials")


def _locked(until: datetime, now: datetime) -> LoginRefused:
    return LoginRefused(
        "locked", minutes_left=max(1, math.ceil((until - now).total_seconds() / 60))
    )


_DUMMY_HASHES: dict[tuple, str] = {}


def _dummy_hash() -> str:
    params = tuple(sorted(current_app.config["PASSWORD_HASH"].items()))
    if params not in _DUMMY_HASHES:
        _DUMMY_HASHES[params] = hash_password("not a password anyone has")
    return _DUMMY_HASHES[params]


def find_user_by_phone(session: Session, phone: str) -> User | None:
    return session.scalar(select(User).where(User.phone_hash.in_(User.phone.lookup_hashes(phone))))


def throttle_key(phone: str) -> str:
    return cipher().blind_index(phone, "login_throttle")


def create_user(session: Session, *, phone: str, name: str, password_hash: str) -> User:
    user = User(phone=phone, name=name, password_hash=password_hash)
    session.add(user)
    session.flush()
    return user


def demo_password_in_use(session: Session, phones: list[str]) -> bool:
    """Whether any of these accounts still opens with the demo password."""
    users = [find_user_by_phone(session, phone) for phone in phones]
    return any(verify_password(u.password_hash, DEMO_PASSWORD) for u in users if u)


def set_roles(session: Session, tenant_id: int, user: User, roles: set) -> None:
    """The member holds exactly these roles in this school from now on."""
    from webapp.core.org import Membership

    held = {
        m.role: m
        for m in session.scalars(
            select(Membership).where(
                Membership.tenant_id == tenant_id, Membership.user_id == user.id
            )
        )
    }
    for role, membership in held.items():
        if role not in roles:
            session.delete(membership)
    for role in roles - set(held):
        session.add(Membership(tenant_id=tenant_id, user_id=user.id, role=role))
    session.flush()


def switch_off_if_unattached(session: Session, user: User) -> bool:
    """A person left with no role in any school or unit cannot use the app any more: the
    account is switched off and every login ends at once. Says whether it was."""
    from webapp.auth import sessions
    from webapp.core.org import Membership, UnitMembership

    for model in (Membership, UnitMembership):
        if session.scalar(select(model.id).where(model.user_id == user.id).limit(1)):
            return False
    sessions.deactivate(session, user)
    return True
