"""The school dashboard: the figures the leaders look at first, each linked to its list."""

from __future__ import annotations

from flask import Blueprint, Response, g
from flask_login import current_user

from webapp.core import kept
from webapp.core.htmx import render
from webapp.core.i18n import local_today
from webapp.core.permissions import permission_required
from webapp.extensions import db
from webapp.families import queries as families_queries
from webapp.incidents.access import visible_incidents
from webapp.reports import dashboard

bp = Blueprint("dashboard", __name__, url_prefix="/reports/dashboard")


@bp.route("/")
@permission_required("reports.dashboard")
def show() -> Response:
    today = local_today()
    term = families_queries.term_of(families_queries.school_terms(db.session), today)
    found = dashboard.build(
        db.session,
        today,
        term,
        visible_incidents(current_user.id, g.roles),
        max_age=kept.max_age("REPORT_FIGURES_MAX_AGE"),
    )
    return render("reports/dashboard.html", board=found, today=today, term=term)
