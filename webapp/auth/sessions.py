"""Logins held by the server: the browser's cookie carries only a random id, hashed here.

Idle for 30 minutes or 12 hours old, a login ends; at most five live per person (the oldest
ends first). Nothing binds a login to an address, so a phone moving between 4G and Wi-Fi
stays logged in, and no address is stored at all.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth.models import User, UserSession
from webapp.core.db import utcnow
from webapp.core.org import Tenant, roles_of, with_roles_in_tenant
from webapp.core.permissions import Role

COOKIE_NAME = "shouwang_login"
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
MAX_SESSIONS = 5
WARN_BEFORE = timedelta(minutes=2)
# A request refreshes "last seen" at most this often: fewer writes, the same 30 minutes.
TOUCH_EVERY = timedelta(seconds=30)

ENDED_LOGOUT = "logout"
ENDED_REPLACED = "replaced"  # a sixth login ended the oldest
ENDED_BY_USER = "revoked"  # ended from another of the person's devices
ENDED_DEACTIVATED = "deactivated"
ENDED_PASSWORD = "password"  # the password was changed


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expires_at(row: UserSession) -> datetime:
    return min(row.last_seen_at + IDLE_TIMEOUT, row.created_at + ABSOLUTE_TIMEOUT)


def is_live(row: UserSession, now: datetime) -> bool:
    return row.ended_at is None and expires_at(row) > now


def start(session: Session, user: User, user_agent: str | None) -> tuple[str, UserSession]:
    """A new login with a new id (never the one the browser came with): the id and the row."""
    now = utcnow()
    token = secrets.token_urlsafe(32)
    row = UserSession(
        token_hash=hash_token(token),
        user_id=user.id,
        device=device_label(user_agent),
        created_at=now,
        last_seen_at=now,
        password_at=now,
    )
    session.add(row)
    session.flush()
    live = [r for r in live_sessions(session, user.id, now) if r.id != row.id]
    for oldest in live[: max(0, len(live) - (MAX_SESSIONS - 1))]:
        end(oldest, ENDED_REPLACED, now)
    return token, row


def find(session: Session, token: str | None) -> UserSession | None:
    """The login this cookie names, live or not."""
    if not token or len(token) > 100:
        return None
    return session.scalar(select(UserSession).where(UserSession.token_hash == hash_token(token)))


def find_in_tenant(
    session: Session, token: str | None, tenant_slug: str
) -> tuple[UserSession | None, Tenant | None, set[Role]]:
    """The login this cookie names, with the school of that slug and the person's roles in it
    (None and no roles when not a member), in one query."""
    if not token or len(token) > 100:
        return None, None, set()
    statement = select(UserSession).where(UserSession.token_hash == hash_token(token))
    rows = session.execute(with_roles_in_tenant(statement, UserSession.user_id, tenant_slug)).all()
    if not rows:
        return None, None, set()
    return rows[0][0], *roles_of(rows)


def live_sessions(session: Session, user_id: int, now: datetime | None = None) -> list[UserSession]:
    """A person's live logins, the oldest first."""
    now = now or utcnow()
    rows = session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.ended_at.is_(None),
            UserSession.created_at > now - ABSOLUTE_TIMEOUT,
            UserSession.last_seen_at > now - IDLE_TIMEOUT,
        )
        .order_by(UserSession.created_at, UserSession.id)
    )
    return list(rows)


def touch(row: UserSession, now: datetime) -> bool:
    """Counts this request as activity; says whether anything changed."""
    if now - row.last_seen_at < TOUCH_EVERY:
        return False
    row.last_seen_at = now
    return True


def end(row: UserSession, reason: str, now: datetime | None = None) -> None:
    if row.ended_at is None:
        row.ended_at, row.end_reason = now or utcnow(), reason


def end_all(session: Session, user_id: int, reason: str, keep: UserSession | None = None) -> int:
    """Ends every live login of a person but ``keep``; says how many."""
    now = utcnow()
    ended = 0
    for row in live_sessions(session, user_id, now):
        if keep is None or row.id != keep.id:
            end(row, reason, now)
            ended += 1
    return ended


def deactivate(session: Session, user: User) -> None:
    """The account stops working at once, on every device."""
    user.is_active = False
    end_all(session, user.id, ENDED_DEACTIVATED)


_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("HarmonyOS", "HarmonyOS"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("DingTalk", "DingTalk"),
    ("QQBrowser", "QQ Browser"),
    ("UCBrowser", "UC Browser"),
    ("Quark", "Quark"),
    ("HuaweiBrowser", "Huawei Browser"),
    ("MiuiBrowser", "Mi Browser"),
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chrome"),
    ("Safari/", "Safari"),
)


def device_label(user_agent: str | None) -> str:
    """A coarse name for the device ("Android · WeChat"): enough to recognise one's own phone,
    too little to follow anyone. The User-Agent itself is not kept."""
    agent = user_agent or ""
    system = next((name for key, name in _SYSTEMS if key in agent), "")
    browser = next((name for key, name in _BROWSERS if re.search(re.escape(key), agent)), "")
    return " · ".join(part for part in (system, browser) if part) or "?"
