"""One-time codes (一次性登录码): the principal gives one to a member for a first login or a
reset. Shown once, stored hashed, good for 24 hours and one use; a new code voids the last."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth import sessions
from webapp.auth.models import OneTimeCode, User
from webapp.auth.passwords import problem_with
from webapp.auth.service import hash_password, verify_password
from webapp.core.cn import name_search_keys
from webapp.core.db import utcnow
from webapp.core.org import places_of

VALID_FOR = timedelta(hours=24)
# No 0/O, 1/I/L: read aloud or copied from a note without mistakes.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10


def normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def issue(session: Session, user: User, *, created_by: User) -> str:
    """A new code for this person (the earlier unused ones stop working); shown once."""
    now = utcnow()
    for earlier in pending(session, user.id):
        earlier.used_at = now
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    session.add(
        OneTimeCode(
            user_id=user.id,
            code_hash=hash_password(code),
            created_by_id=created_by.id,
            created_at=now,
            expires_at=now + VALID_FOR,
        )
    )
    session.flush()
    return f"{code[:5]}-{code[5:]}"


def pending(session: Session, user_id: int) -> list[OneTimeCode]:
    return list(
        session.scalars(
            select(OneTimeCode).where(
                OneTimeCode.user_id == user_id,
                OneTimeCode.used_at.is_(None),
                OneTimeCode.expires_at > utcnow(),
            )
        )
    )


def matching(session: Session, user: User, code: str) -> OneTimeCode | None:
    typed = normalise(code)
    if len(typed) != LENGTH:
        return None
    return next(
        (row for row in pending(session, user.id) if verify_password(row.code_hash, typed)), None
    )


def password_problem(session: Session, user: User, password: str) -> str | None:
    """The policy, with this person's own phone, name and schools refused."""
    tenants, _units = places_of(session, user.id)
    schools = [t.name for t in tenants] + [
        key for t in tenants for key in name_search_keys(t.name)[0].split()
    ]
    full, initials = name_search_keys(user.name)
    return problem_with(
        password,
        phone=user.phone,
        name_pinyin=[*full.split(), *initials.split()],
        schools=schools,
    )


def redeem(session: Session, user: User, row: OneTimeCode, new_password: str) -> None:
    """The code is spent, the password set; every other login and the authenticator end (a
    reset is what someone who lost the phone asks for)."""
    row.used_at = utcnow()
    user.password_hash = hash_password(new_password)
    user.totp_sealed = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    sessions.end_all(session, user.id, sessions.ENDED_PASSWORD)
    current_app.logger.info("one-time code used for user %s", user.id)
