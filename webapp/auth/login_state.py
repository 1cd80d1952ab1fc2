"""Flask-Login on the server-held login: the cookie names a row of user_session, the row names
the person. An ended login during a form keeps what was typed and asks for the password."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, Request, Response, current_app, g, redirect, request, url_for
from flask_login import LoginManager, current_user

from webapp.auth import carry, sessions
from webapp.auth.models import User, UserSession
from webapp.core.db import utcnow
from webapp.core.htmx import is_htmx_request
from webapp.extensions import db


def load_user_from_request(req: Request) -> User | None:
    """The person whose live login the cookie names; an ended one is remembered in ``g`` so a
    form posted into it can be carried over the password prompt."""
    token, slug = req.cookies.get(sessions.COOKIE_NAME), g.get("tenant_slug")
    if slug:  # a school's page: its membership comes with the login (see scopes.py)
        row, tenant, roles = sessions.find_in_tenant(db.session, token, slug)
    else:
        row, tenant, roles = sessions.find(db.session, token), None, set()
    if row is None:
        return None
    now = utcnow()
    if not row.user.is_active:
        sessions.end(row, sessions.ENDED_DEACTIVATED, now)
        db.session.commit()
        return None
    if not sessions.is_live(row, now):
        g.ended_login = row
        return None
    if sessions.touch(row, now):
        # Before the view, nothing else is in this transaction yet; what was just read stays
        # loaded (expiring it would read the login, the person and the school again).
        sql_session = db.session()
        sql_session.expire_on_commit = False
        try:
            sql_session.commit()
        finally:
            sql_session.expire_on_commit = True
    g.user_session = row
    if slug:
        g.membership = (row.user_id, slug, tenant, roles)
    # Read now, while the row is fresh: a view that commits expires it, and the headers
    # written after the view would otherwise load the row (and the person) once more.
    g.login_warning_at = warning_time(row)
    return row.user


def current_login() -> UserSession | None:
    """The login of this request (after the user is loaded)."""
    if current_user and current_user.is_authenticated:
        return g.get("user_session")
    return None


def set_login_cookie(response: Response, token: str) -> None:
    """No expiry date (nothing survives the browser closing) and never a remember-me cookie."""
    response.set_cookie(
        sessions.COOKIE_NAME,
        token,
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
        path="/",
    )


def clear_login_cookie(response: Response) -> None:
    response.delete_cookie(
        sessions.COOKIE_NAME,
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
        path="/",
    )


def password_prompt(
    kind: str,
    user: User,
    *,
    status: int = 401,
    form: Any = None,
    ticket: carry.Ticket | None = None,
    carried: list[tuple[str, str]] | None = None,
) -> Response:
    """The page asking for the password (and the authenticator code) before the action goes
    on; a form that was being sent travels along in hidden inputs."""
    from webapp.auth.forms import PromptForm
    from webapp.auth.step_up import needs_totp
    from webapp.core.htmx import render

    totp = ticket.totp if ticket else kind == "step_up" and needs_totp(user)
    if form is None:
        form = PromptForm(ticket=carry.ticket_for(user.id, totp=totp))
    response = render(
        "auth/prompt.html",
        status=status,
        form=form,
        kind=kind,
        person=user,
        wants_password=kind == "login" or not fresh_password(),
        wants_code=totp,
        enrolled=bool(user.totp_sealed),
        return_to=ticket.path if ticket else request.full_path.rstrip("?"),
        carried=carry.fields_posted() if carried is None else carried,
        files_dropped=carry.files_dropped() if carried is None else False,
    )
    response.headers["Cache-Control"] = "no-store"
    if is_htmx_request():
        # The whole page becomes the prompt, whatever part of it asked.
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "innerHTML"
        response.headers["HX-Push-Url"] = "false"
    return response


def fresh_password() -> bool:
    from webapp.auth.step_up import password_is_fresh

    login = current_login()
    return login is not None and password_is_fresh(login)


def unauthorized() -> Any:
    ended = g.get("ended_login")
    if request.method == "POST" and ended is not None and ended.user.is_active:
        return password_prompt("login", ended.user)
    target = url_for("auth.login", next=request.full_path.rstrip("?"))
    if is_htmx_request():
        # A redirect would be followed inside the fragment; send the whole page there.
        return "", 401, {"HX-Redirect": target}
    return redirect(target)


def warning_time(login: UserSession) -> datetime:
    """When the login ends, to the minute below: a page says the same thing all that minute
    (two error pages must not differ), and the warning comes a little early, never late."""
    return sessions.expires_at(login).replace(second=0, microsecond=0)


def logged_in_now() -> bool:
    """Someone is logged in on this request (and has not just logged out), asked without a
    query: ``is_authenticated`` reads ``is_active``, which a commit has expired."""
    user = g.get("_login_user")
    return user is not None and not user.is_anonymous


def expiry_header(response: Response) -> Response:
    """Each answer tells app.js when this login ends, for the warning two minutes before."""
    warning_at = g.get("login_warning_at")
    if warning_at is not None and logged_in_now():
        response.headers["X-Login-Expires"] = warning_at.isoformat()
    return response


def login_clock() -> dict[str, Any]:
    warning_at = g.get("login_warning_at") if logged_in_now() else None
    return {"login_expires_at": warning_at}


def init_app(app: Flask, login_manager: LoginManager) -> None:
    @login_manager.user_loader
    def ignore_cookie_identity(_user_id: str) -> None:
        """Identity lives in user_session only; an id in the signed cookie opens nothing."""
        return None

    login_manager.request_loader(load_user_from_request)
    login_manager.unauthorized_handler(unauthorized)

    @app.before_request
    def load_login_first() -> None:
        # Loaded (and its last-seen time written) before any view touches the database.
        if request.endpoint != "static":
            current_user._get_current_object()

    app.after_request(expiry_header)
    app.context_processor(login_clock)
