"""The school's side of grants to see names, under /s/<tenant_slug>/oversight-grants/: the
principal reads who asks for the school's names and why, and approves or refuses."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.core.db import utcnow
from webapp.core.htmx import render
from webapp.core.permissions import permission_required
from webapp.extensions import db
from webapp.oversight import grants, service
from webapp.oversight.forms import DecisionForm
from webapp.oversight.models import OversightGrant

bp = Blueprint("oversight_grants", __name__, url_prefix="/oversight-grants")


@bp.app_context_processor
def _waiting_grants() -> dict:
    # Called by the today page only for a principal; a function, so no other page pays for it.
    return {"oversight_grants_waiting": lambda: grants.waiting_count(db.session)}


@bp.route("/")
@permission_required("oversight.decide_grants")
def index() -> Response:
    return render(
        "oversight/school_grants.html",
        grants=grants.of_school(db.session),
        form=DecisionForm(),
        now=utcnow(),
    )


@bp.route("/<int:oversight_grant_id>/decide", methods=("POST",))
@permission_required("oversight.decide_grants")
def decide(oversight_grant_id: int) -> Response:
    grant = db.get_or_404(OversightGrant, oversight_grant_id)  # another school's grant is not found
    form = DecisionForm()
    decision = request.form.get("decision")
    if not form.validate_on_submit() or decision not in ("approve", "refuse"):
        abort(400)
    try:
        service.decide_grant(
            db.session,
            grant,
            approve=decision == "approve",
            decided_by_id=current_user.id,
            now=utcnow(),
        )
    except service.GrantNotWaiting:
        flash(_("This request was answered already."), "info")
    else:
        db.session.commit()
        if decision == "approve":
            flash(
                _("Approved: %(name)s may see the names until it ends.", name=grant.user.name),
                "success",
            )
        else:
            flash(_("Refused."), "success")
    return redirect(url_for(".index"), code=303)
