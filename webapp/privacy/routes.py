"""Data protection pages: the officer, grants and their decisions, alerts, consents.

Two hooks run at the end of every request: a grant that let a look through is written to the
audit log, and a "not found" on a record address is counted towards a probing alert. A failed
login is checked against the login's own counters for an alert to the schools of the account.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from webapp.auth.models import LoginThrottle, User
from webapp.auth.step_up import step_up_required
from webapp.children.access import Access, access_to
from webapp.children.models import Child
from webapp.children.queries import school_classes
from webapp.core.cn import PhoneError, normalise_phone
from webapp.core.crypto import cipher
from webapp.core.db import utcnow
from webapp.core.htmx import render
from webapp.core.i18n import SCHOOL_TIMEZONE, local_today
from webapp.core.org import Membership
from webapp.core.permissions import can, permission_required, refusal_status
from webapp.core.tenancy import tenant_context
from webapp.extensions import db
from webapp.privacy import queries, service, subject_export
from webapp.privacy.forms import (
    ConsentForm,
    DecisionForm,
    GrantRequestForm,
    GuardianRequestForm,
    OfficerForm,
    WithdrawForm,
)
from webapp.privacy.models import (
    AccessGrant,
    AlertKind,
    Consent,
    ConsentKind,
    ConsentMethod,
    FieldCategory,
    GrantKind,
    PrivacyAlert,
)

log = logging.getLogger(__name__)
bp = Blueprint("privacy", __name__, url_prefix="/privacy")

# A record's address: /s/<school>/…/<number>…
RECORD_PATH = re.compile(r"^/s/[^/]+/.+/\d+(/|$)")


def officer_only() -> None:
    if not queries.is_officer(db.session, current_user.id):
        abort(404)


@bp.route("/")
@permission_required("privacy.overview")
def index() -> Response:
    now = utcnow()
    named = queries.officer(db.session)
    is_officer = named is not None and named.user_id == current_user.id
    return render(
        "privacy/index.html",
        officer=named,
        is_officer=is_officer,
        officer_form=OfficerForm(people=queries.members(db.session))
        if can("privacy.name_officer")
        else None,
        my_grants=queries.grants_of(db.session, current_user.id),
        waiting=queries.waiting_grants(db.session) if is_officer else [],
        in_force=queries.grants_in_force(db.session, now) if is_officer else [],
        alerts=queries.unseen_alerts(db.session) if is_officer else [],
        decision_form=DecisionForm(),
        now=now,
    )


@bp.route("/officer", methods=("POST",))
@permission_required("privacy.name_officer")
def name_officer() -> Response:
    form = OfficerForm(people=queries.members(db.session))
    if form.validate_on_submit():
        named = service.name_officer(db.session, form.user_id.data, actor_id=current_user.id)
        db.session.commit()
        flash(
            _("%(name)s is now the children's-data protection officer.", name=named.user.name),
            "success",
        )
        return redirect(url_for(".index"), code=303)
    flash(_("Choose a member of the school."), "error")
    return redirect(url_for(".index"), code=303)


@bp.route("/grants/new", methods=("GET", "POST"))
@permission_required("privacy.overview")
def request_grant() -> Response:
    classes = school_classes(db.session)
    form = GrantRequestForm(
        classes=classes,
        kind=request.args.get("kind", GrantKind.CLASS.value),
        class_id=request.args.get("class_id", type=int),
    )
    if form.validate_on_submit():
        service.request_grant(
            db.session,
            user_id=current_user.id,
            kind=GrantKind(form.kind.data),
            class_id=form.class_id.data,
            category=FieldCategory(form.category.data) if form.category.data else None,
            reason=form.reason.data,
            days=form.days.data,
        )
        db.session.commit()
        flash(_("Your request was sent to the protection officer."), "success")
        return redirect(url_for(".index"), code=303)
    return render(
        "privacy/grant_form.html",
        form=form,
        officer=queries.officer(db.session),
        status=422 if form.errors else 200,
    )


def _pending_grant(grant_id: int) -> AccessGrant:
    officer_only()
    grant = db.session.get(AccessGrant, grant_id)
    if grant is None:
        abort(404)
    return grant


@bp.route("/grants/<int:grant_id>/approve", methods=("POST",))
@permission_required("privacy.overview")
def approve_grant(grant_id: int) -> Response:
    return _decide(grant_id, approve=True)


@bp.route("/grants/<int:grant_id>/refuse", methods=("POST",))
@permission_required("privacy.overview")
def refuse_grant(grant_id: int) -> Response:
    return _decide(grant_id, approve=False)


def _decide(grant_id: int, *, approve: bool) -> Response:
    grant = _pending_grant(grant_id)
    form = DecisionForm()
    if form.validate_on_submit():
        service.decide_grant(
            db.session, grant, approve=approve, actor_id=current_user.id, note=form.note.data
        )
        db.session.commit()
        flash(_("Grant approved.") if approve else _("Grant refused."), "success")
    return redirect(url_for(".index"), code=303)


@bp.route("/alerts/<int:privacy_alert_id>/seen", methods=("POST",))
@permission_required("privacy.overview")
def alert_seen(privacy_alert_id: int) -> Response:
    officer_only()
    alert = db.session.get(PrivacyAlert, privacy_alert_id)
    if alert is None:
        abort(404)
    if DecisionForm().validate_on_submit():
        service.mark_alert_seen(db.session, alert, actor_id=current_user.id)
        db.session.commit()
    return redirect(request.referrer or url_for(".index"), code=303)


# --- Consents --------------------------------------------------------------------------------


def _child_in_full(child_id: int) -> Child:
    child = db.session.get(Child, child_id)
    if child is None or access_to(db.session, child, current_user.id, g.roles) < Access.FULL:
        abort(404)
    return child


@bp.route("/children/<int:child_id>/consents", methods=("GET", "POST"))
@permission_required("privacy.consent")
def consents(child_id: int) -> Response:
    child = _child_in_full(child_id)
    form = ConsentForm(
        kind=request.args.get("kind"),
        given_on=local_today(),
        method=ConsentMethod.PAPER_FORM.value,
    )
    if form.validate_on_submit():
        service.record_consent(
            db.session,
            child.id,
            kind=ConsentKind(form.kind.data),
            given_by=form.given_by.data,
            given_on=form.given_on.data,
            method=ConsentMethod(form.method.data),
            form_reference=form.form_reference.data,
            actor_id=current_user.id,
        )
        db.session.commit()
        flash(_("Consent recorded."), "success")
        return redirect(url_for(".consents", child_id=child.id), code=303)
    return render(
        "privacy/consents.html",
        child=child,
        form=form,
        consents=queries.consents_of(db.session, child.id),
        withdraw_form=WithdrawForm(withdrawn_on=local_today()),
        status=422 if form.errors else 200,
    )


@bp.route("/consents/<int:consent_id>/withdraw", methods=("POST",))
@permission_required("privacy.consent")
def withdraw(consent_id: int) -> Response:
    consent = db.session.get(Consent, consent_id)
    if consent is None:
        abort(404)
    child = _child_in_full(consent.child_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        service.withdraw_consent(
            db.session,
            consent,
            withdrawn_by=form.withdrawn_by.data,
            on=form.withdrawn_on.data,
            actor_id=current_user.id,
        )
        db.session.commit()
        flash(_("Consent withdrawn; what it covered is no longer allowed."), "success")
    else:
        flash(_("Enter who withdrew it and when."), "error")
    return redirect(url_for(".consents", child_id=child.id), code=303)


# --- End-of-request hooks --------------------------------------------------------------------


@bp.after_app_request
def _log_grant_uses(response: Response) -> Response:
    uses = g.pop("grant_uses", None)
    if uses and response.status_code < 400 and current_user.is_authenticated:
        try:
            service.record_grant_uses(db.session, uses, actor_id=current_user.id)
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("grant use not logged")
    return response


@bp.after_app_request
def _count_not_found(response: Response) -> Response:
    if (
        response.status_code == 404
        and RECORD_PATH.match(request.path)
        and current_user.is_authenticated
    ):
        try:
            db.session.rollback()
            tenant = g.get("tenant")
            tenant_ids = [tenant.id] if tenant else service.tenants_of(db.session, current_user.id)
            service.note_not_found(db.session, current_user.id, tenant_ids)
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("not-found hit not counted")
    return response


@bp.after_app_request
def _check_failed_login(response: Response) -> Response:
    if (
        request.endpoint == "auth.login"
        and request.method == "POST"
        and response.status_code >= 400
    ):
        try:
            _alert_failed_logins(request.form.get("phone", ""))
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("failed login not checked")
    return response


def _alert_failed_logins(typed: str) -> None:
    try:
        phone = normalise_phone(typed)
    except PhoneError:
        return
    throttle = db.session.get(LoginThrottle, cipher().blind_index(phone, "login_throttle"))
    if throttle is None or throttle.failures < service.FAILED_LOGINS:
        return
    user = db.session.scalar(
        select(User).where(User.phone_hash.in_(User.phone.lookup_hashes(phone)))
    )
    if user is None:
        return
    day = throttle.first_failure_at.astimezone(SCHOOL_TIMEZONE).date()
    tenant_ids = db.session.scalars(
        select(Membership.tenant_id).where(Membership.user_id == user.id).distinct()
    ).all()
    for tenant_id in tenant_ids:
        with tenant_context(db.session, tenant_id):
            service.raise_alert(
                db.session,
                AlertKind.FAILED_LOGINS,
                user.id,
                day,
                count=throttle.failures,
            )
    db.session.commit()


def officer_or_principal(view: Callable[..., Any]) -> Callable[..., Any]:
    """Guardians' requests are answered by the principal or the protection officer."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not (can("privacy.guardian_export") or queries.is_officer(db.session, current_user.id)):
            abort(refusal_status())  # a child's URL: refused as if there were no such child
        return view(*args, **kwargs)

    return checked


@bp.route("/children/<int:child_id>/export", methods=("GET", "POST"))
@permission_required("privacy.overview")
@officer_or_principal
@step_up_required
def guardian_export(child_id: int) -> Response:
    child = db.session.get(Child, child_id)  # another school's child is simply not found
    if child is None:
        abort(404)
    form = GuardianRequestForm()
    if form.validate_on_submit():
        export = subject_export.gather(db.session, child)
        now = datetime.now(SCHOOL_TIMEZONE)
        data = subject_export.build_zip(
            export,
            school_name=g.tenant.name,
            requester=form.requester.data,
            reference=form.reference.data,
            now=now,
        )
        service.record_guardian_export(
            db.session,
            child,
            actor_id=current_user.id,
            reference=form.reference.data,
            requester=form.requester.data,
            note=form.note.data,
            tables=[section.table for section in export.sections if section.rows],
        )
        db.session.commit()  # the copy leaves only once its audit row is written
        name = f"{child.name}_个人信息_{now:%Y%m%d}.zip"
        response = Response(data, mimetype="application/zip")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="child-{child.id}-records.zip"; '
            f"filename*=UTF-8''{quote(name, safe='')}"
        )
        return response
    return render(
        "privacy/guardian_export.html",
        form=form,
        child=child,
        withheld=subject_export.WITHHELD_NOTES,
        status=422 if form.errors else 200,
    )
