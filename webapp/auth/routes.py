"""Login, logout and the account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from webapp.auth import service
from webapp.auth.forms import LocaleForm, LoginForm, LogoutForm
from webapp.auth.models import User
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


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: a login link must not lead somewhere else."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=("GET", "POST"))
def login() -> Response:
    if current_user.is_authenticated:
        return redirect(url_for("tenants.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        result = service.authenticate(db.session, form.phone.data, form.password.data)
        db.session.commit()  # a failure is counted even though nobody logs in
        if isinstance(result, User):
            locale = session.get("locale")
            session.clear()  # a fresh session for the new login
            if locale:
                session["locale"] = locale
            login_user(result)
            return redirect(safe_next(form.next.data) or url_for("tenants.home"), code=303)
        form.password.errors.append(refusal_message(result))
    return render(
        "auth/login.html",
        form=form,
        logged_out=bool(request.args.get("bye")),
        status=422 if form.errors else 200,
    )


@bp.route("/logout", methods=("GET", "POST"))
def logout() -> Response:
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        # Said by the login page itself: this answer's cookies are cleared with everything else.
        response = redirect(url_for("auth.login", bye=1), code=303)
        # A shared phone keeps nothing of this person: pages, cookies, storage.
        response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
    return render("auth/logout.html", form=form)


@bp.route("/me")
@login_required
def account() -> Response:
    tenants, units = places_of(db.session, current_user.id)
    return render("auth/account.html", logout_form=LogoutForm(), tenants=tenants, units=units)


@bp.route("/locale", methods=("POST",))
def set_locale() -> Response:
    form = LocaleForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("tenants.home"), code=303)
