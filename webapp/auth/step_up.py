"""Step-up: the actions that open or carry children's data out need a password given less than
10 minutes ago, and for the roles that hold the most (principal, coordinator, archivist,
counsellor, safety lead) an authenticator code too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

import pyotp
from flask import abort, g
from flask_login import current_user

from webapp.auth.models import User, UserSession
from webapp.core.db import utcnow
from webapp.core.permissions import Role

STEP_UP_WINDOW = timedelta(minutes=10)
TOTP_ROLES = frozenset(
    {Role.PRINCIPAL, Role.COORDINATOR, Role.ARCHIVIST, Role.COUNSELLOR, Role.SAFETY_LEAD}
)
TOTP_ISSUER = "Shouwang"


def needs_totp(user: User | None = None) -> bool:
    """Whether this person's roles here call for the authenticator code."""
    return bool(set(g.get("roles") or ()) & TOTP_ROLES)


def password_is_fresh(login: UserSession, now: datetime | None = None) -> bool:
    return (now or utcnow()) - login.password_at < STEP_UP_WINDOW


def totp_is_fresh(login: UserSession, now: datetime | None = None) -> bool:
    return login.totp_at is not None and (now or utcnow()) - login.totp_at < STEP_UP_WINDOW


def satisfied(login: UserSession | None, totp: bool) -> bool:
    if login is None:
        return False
    now = utcnow()
    return password_is_fresh(login, now) and (not totp or totp_is_fresh(login, now))


def require_step_up() -> None:
    """Answers with the prompt (the action resumes after it) unless the login is fresh."""
    from webapp.auth.login_state import current_login, password_prompt

    if not satisfied(current_login(), needs_totp()):
        abort(password_prompt("step_up", current_user._get_current_object()))


def step_up_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Put under @permission_required: who may not act at all is told so before any prompt."""

    @wraps(view)
    def stepped_up(*args: Any, **kwargs: Any) -> Any:
        require_step_up()
        return view(*args, **kwargs)

    stepped_up.step_up = True  # type: ignore[attr-defined]
    return stepped_up


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=TOTP_ISSUER)


def matching_step(secret: str, code: str, now: datetime | None = None) -> int | None:
    """The time step the code belongs to (this one, or one either side for a slow hand)."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    moment = now or utcnow()
    for drift in (0, -1, 1):
        at = moment + timedelta(seconds=drift * totp.interval)
        if pyotp.utils.strings_equal(totp.at(at), code):
            return totp.timecode(at)
    return None


def accept_code(user: User, code: str) -> bool:
    """A right code, never one already used (a code seen over a shoulder opens nothing)."""
    if not user.totp_sealed:
        return False
    step = matching_step(user.totp_secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def enrol(user: User, secret: str, code: str) -> bool:
    step = matching_step(secret, code)
    if step is None:
        return False
    user.totp_secret = secret
    user.totp_enrolled_at = utcnow()
    user.totp_last_step = step
    return True
