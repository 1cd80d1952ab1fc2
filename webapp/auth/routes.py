"""Login, logout, the account page, the devices a person is logged in on, the password prompt
(after a login ended, or before a step-up action) and the authenticator."""

from __future__ import annotations

from urllib.parse import urlsplit

import segno
from flask import Blueprint, Response, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import Field

from webapp.auth import carry, codes, service, sessions, step_up
from webapp.auth.forms import (
    ChangePasswordForm,
    CodeLoginForm,
    EnrolForm,
    LocaleForm,
    LoginForm,
    LogoutForm,
    PromptForm,
)
from webapp.auth.login_state import (
    clear_login_cookie,
    current_login,
    password_prompt,
    set_login_cookie,
)
from webapp.auth.models import User
from webapp.core.db import utcnow
from webapp.core.htmx import render
from webapp.core.org import places_of
from webapp.core.security import CLEAR_SITE_DATA
from webapp.extensions import db

bp = Blueprint("auth", __name__)


def refusal_message(refusal: service.LoginRefused) -> str:
    if refusal.reason == "locked":
        return _(
            "Too many failed attempts. Try again in %(minutes)d minutes.",
            minutes=refusal.minutes_left,
        )
    if refusal.reason == "demo_password":
        return _("The demo password cannot be used here. Ask your principal for a new one.")
    return _("The mobile number or password is not right.")


def code_refused_message() -> str:
    return _("The authenticator code is not right, or was already used. Wait for the next one.")


def refused_by_throttle(phone: str, right: bool, field: Field, wrong: str) -> bool:
    """A secret checked under the login throttle: while the phone is locked out nothing is
    accepted, and a wrong one counts towards the lock. The reason goes next to the field."""
    throttle = service.throttle_key(phone)
    locked = service.locked_out(db.session, throttle)
    if locked:
        field.errors.append(refusal_message(locked))
    elif not right:
        refusal = service.count_failure(db.session, throttle)
        field.errors.append(refusal_message(refusal) if refusal.reason == "locked" else wrong)
    return bool(locked) or not right


def policy_allows(user: User, field: Field) -> bool:
    """The password policy for this person; what it refuses is said next to the field."""
    problem = codes.password_problem(db.session, user, field.data)
    if problem:
        field.errors.append(problem)
    return problem is None


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: a login link must not lead somewhere else."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def begin_login(user: User, *, with_code: bool) -> str:
    """A new login id (never the one the browser came with) and a fresh signed cookie."""
    token, login = sessions.start(db.session, user, request.user_agent.string)
    if with_code:
        login.totp_at = login.password_at
    locale = session.get("locale")
    session.clear()
    g.pop("csrf_token", None)  # the token cached for this request goes with the old session
    if locale:
        session["locale"] = locale
    return token


@bp.route("/login", methods=("GET", "POST"))
def login() -> Response:
    if current_user.is_authenticated:
        return redirect(url_for("tenants.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        result = service.authenticate(db.session, form.phone.data, form.password.data)
        with_code = False
        if isinstance(result, User) and form.code.data and result.totp_sealed:
            with_code = step_up.accept_code(result, form.code.data)
            if not with_code:
                form.code.errors.append(code_refused_message())
        elif not isinstance(result, User):
            form.password.errors.append(refusal_message(result))
        token = begin_login(result, with_code=with_code) if not form.errors else None
        db.session.commit()  # a failure is counted even though nobody logs in
        if token:
            response = redirect(safe_next(form.next.data) or url_for("tenants.home"), code=303)
            set_login_cookie(response, token)
            return response
    return render(
        "auth/login.html",
        form=form,
        logged_out=bool(request.args.get("bye")),
        status=422 if form.errors else 200,
    )


@bp.route("/login/code", methods=("GET", "POST"))
def code_login() -> Response:
    """A first login or a reset with the principal's one-time code; the person chooses a
    password under the policy and is logged in."""
    form = CodeLoginForm()
    if form.validate_on_submit():
        user = service.find_user_by_phone(db.session, form.phone.data)
        row = None
        if user is not None and user.is_active:
            row = codes.matching(db.session, user, form.code.data)
        wrong = _("The code is not right, was used already, or is more than 24 hours old.")
        refused = refused_by_throttle(form.phone.data, row is not None, form.code, wrong)
        if not refused and policy_allows(user, form.password):
            codes.redeem(db.session, user, row, form.password.data)
            token = begin_login(user, with_code=False)
            db.session.commit()
            flash(_("Your password is set. Keep it to yourself."), "success")
            response = redirect(url_for("tenants.home"), code=303)
            set_login_cookie(response, token)
            return response
        db.session.commit()  # failures are counted
    return render("auth/code_login.html", form=form, status=422 if form.errors else 200)


@bp.route("/login/again", methods=("POST",))
def login_again() -> Response:
    """The password after a login ended while a form was being filled: the same person logs
    in again and the form is sent on, with a fresh token."""
    form = PromptForm()
    ticket = carry.read_ticket(form.ticket.data)
    user = db.session.get(User, ticket.user_id) if ticket else None
    if user is None or not form.validate_on_submit():
        abort(400)
    result = service.authenticate(db.session, user.phone, form.password.data or "")
    if not isinstance(result, User) or result.id != user.id:
        db.session.commit()
        form.password.errors.append(refusal_message(result))
        return password_prompt(
            "login", user, status=422, form=form, ticket=ticket, carried=carry.fields_carried()
        )
    token = begin_login(user, with_code=False)
    db.session.commit()
    response = resume(ticket)
    set_login_cookie(response, token)
    return response


def resume(ticket: carry.Ticket) -> Response:
    """Back to the action: a page is opened again, a form sent again from a page that sends
    itself (app.js; without it one tap)."""
    if ticket.method == "GET":
        return redirect(ticket.path, code=303)
    response = render("auth/resume.html", path=ticket.path, carried=carry.fields_carried())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/step-up", methods=("POST",))
@login_required
def confirm() -> Response:
    form = PromptForm()
    ticket = carry.read_ticket(form.ticket.data)
    login = current_login()
    if ticket is None or ticket.user_id != current_user.id or not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    wants_password = not step_up.password_is_fresh(login)
    if wants_password:
        result = service.authenticate(db.session, user.phone, form.password.data or "")
        if not isinstance(result, User) or result.id != user.id:
            form.password.errors.append(refusal_message(result))
    if ticket.totp and not step_up.accept_code(user, form.code.data or ""):
        form.code.errors.append(code_refused_message())
    if form.errors:
        db.session.commit()  # failed passwords count towards the lock
        return password_prompt(
            "step_up", user, status=422, form=form, ticket=ticket, carried=carry.fields_carried()
        )
    now = utcnow()
    if wants_password:
        login.password_at = now
    if ticket.totp:
        login.totp_at = now
    db.session.commit()
    return resume(ticket)


@bp.route("/logout", methods=("GET", "POST"))
def logout() -> Response:
    form = LogoutForm()
    if form.validate_on_submit():
        login = current_login()
        if login is not None:
            sessions.end(login, sessions.ENDED_LOGOUT)
            db.session.commit()
        logout_user()
        session.clear()
        # Said by the login page itself: this answer's cookies are cleared with everything else.
        response = redirect(url_for("auth.login", bye=1), code=303)
        clear_login_cookie(response)
        # A shared phone keeps nothing of this person: pages, cookies, storage.
        response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
    return render("auth/logout.html", form=form)


@bp.route("/me")
@login_required
def account() -> Response:
    tenants, units = places_of(db.session, current_user.id)
    return render("auth/account.html", logout_form=LogoutForm(), tenants=tenants, units=units)


@bp.route("/me/devices")
@login_required
def devices() -> Response:
    return render(
        "auth/devices.html",
        logins=list(reversed(sessions.live_sessions(db.session, current_user.id))),
        this_login=current_login(),
        form=LogoutForm(),
    )


@bp.route("/me/devices/<int:login_id>/end", methods=("POST",))
@login_required
def end_device(login_id: int) -> Response:
    form = LogoutForm()
    live = {row.id: row for row in sessions.live_sessions(db.session, current_user.id)}
    if not form.validate_on_submit() or login_id not in live:
        abort(404)
    sessions.end(live[login_id], sessions.ENDED_BY_USER)
    db.session.commit()
    flash(_("That device is logged out."), "success")
    return redirect(url_for(".devices"), code=303)


@bp.route("/me/devices/end-others", methods=("POST",))
@login_required
def end_other_devices() -> Response:
    if not LogoutForm().validate_on_submit():
        abort(400)
    sessions.end_all(db.session, current_user.id, sessions.ENDED_BY_USER, keep=current_login())
    db.session.commit()
    flash(_("Every other device is logged out."), "success")
    return redirect(url_for(".devices"), code=303)


@bp.route("/me/password", methods=("GET", "POST"))
@login_required
def change_password() -> Response:
    """The current password, then a new one under the policy; every other device is logged
    out (whoever knew the old password is shut out) and this login counts as fresh."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        right = service.verify_password(current_user.password_hash, form.current.data)
        wrong = _("That is not your current password.")
        refused = refused_by_throttle(current_user.phone, right, form.current, wrong)
        if not refused and policy_allows(current_user, form.password):
            login = current_login()
            current_user.password_hash = service.hash_password(form.password.data)
            sessions.end_all(db.session, current_user.id, sessions.ENDED_PASSWORD, keep=login)
            login.password_at = utcnow()
            db.session.commit()
            flash(_("Your password is changed; every other device is logged out."), "success")
            return redirect(url_for(".account"), code=303)
        db.session.commit()  # failures are counted
    return render("auth/password.html", form=form, status=422 if form.errors else 200)


@bp.route("/me/keep-alive", methods=("POST",))
@login_required
def keep_alive() -> Response:
    """The warning's button: counts as activity, nothing else (the loader wrote last seen)."""
    return Response(status=204)


def _secret_serializer() -> URLSafeTimedSerializer:
    from flask import current_app

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="shouwang.totp")


@bp.route("/me/authenticator", methods=("GET", "POST"))
@login_required
def authenticator() -> Response:
    """Enrolment: a QR drawn by the server (inline SVG, nothing fetched), then one code to
    prove the app has it. Setting it up needs the password of the last 10 minutes."""
    user = current_user._get_current_object()
    if user.totp_sealed:
        return render("auth/authenticator.html", enrolled=True, form=None)
    if not step_up.password_is_fresh(current_login()):
        return password_prompt("step_up", user)
    form = EnrolForm(next=request.args.get("next", ""))
    try:
        pending = _secret_serializer().loads(form.secret.data or "", max_age=900)
        secret = pending["s"] if pending["u"] == user.id else abort(400)
    except (BadSignature, KeyError, TypeError):
        secret = step_up.new_totp_secret()
        form.secret.data = _secret_serializer().dumps({"s": secret, "u": user.id})
    if form.validate_on_submit():
        if step_up.enrol(user, secret, form.code.data):
            current_login().totp_at = utcnow()
            db.session.commit()
            flash(_("The authenticator is set up."), "success")
            return redirect(safe_next(form.next.data) or url_for(".account"), code=303)
        form.code.errors.append(code_refused_message())
    uri = step_up.provisioning_uri(secret, user.phone_masked)
    return render(
        "auth/authenticator.html",
        enrolled=False,
        form=form,
        qr=segno.make(uri, error="m").svg_inline(scale=4, omitsize=True, dark="#000", light="#fff"),
        secret_text=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        status=422 if form.errors else 200,
    )


@bp.route("/locale", methods=("POST",))
def set_locale() -> Response:
    form = LocaleForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("tenants.home"), code=303)
