"""What a form carried when a password had to be asked first: kept in the page (hidden
inputs, never browser storage) and sent again, as the same person, once it is given."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from webapp.auth.sessions import ABSOLUTE_TIMEOUT

CARRY_PREFIX = "carry:"
NOT_CARRIED = {"csrf_token"}


@dataclass(frozen=True)
class Ticket:
    """Who must give the password, and where the action goes after it."""

    user_id: int
    path: str
    method: str
    totp: bool


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="shouwang.resume")


def ticket_for(user_id: int, *, totp: bool = False) -> str:
    """For the request being answered: its path and method, bound to this person (and
    whether the action asks for the authenticator code)."""
    return _serializer().dumps(
        {"u": user_id, "p": request.full_path.rstrip("?"), "m": request.method, "t": totp}
    )


def read_ticket(text: str) -> Ticket | None:
    try:
        data = _serializer().loads(text or "", max_age=int(ABSOLUTE_TIMEOUT.total_seconds()))
    except BadSignature:
        return None
    path = str(data.get("p", ""))
    if not path.startswith("/") or path.startswith("//"):
        return None
    method = "POST" if data.get("m") == "POST" else "GET"
    return Ticket(int(data["u"]), path, method, bool(data.get("t")))


def fields_posted() -> list[tuple[str, str]]:
    """The fields of the request being answered, as typed (the old token left out)."""
    if request.method != "POST":
        return []
    return [(k, v) for k, v in request.form.items(multi=True) if k not in NOT_CARRIED]


def fields_carried() -> list[tuple[str, str]]:
    """The fields a password prompt carried back, under their own names again."""
    return [
        (k[len(CARRY_PREFIX) :], v)
        for k, v in request.form.items(multi=True)
        if k.startswith(CARRY_PREFIX)
    ]


def files_dropped() -> bool:
    """A chosen photo cannot travel in a hidden input: the page says to choose it again."""
    return request.method == "POST" and any(f.filename for f in request.files.values())
