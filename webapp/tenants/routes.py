"""Landing: the home redirect, the school switcher and a school's today page (a unit's pages are
in webapp.oversight)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, g, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from webapp.assets import today as assets_today
from webapp.care import duties
from webapp.care import today as care_today
from webapp.care.access import RECORD_PERMISSION
from webapp.care.kinds import KINDS
from webapp.children import queries as children_queries
from webapp.children import survey, transfers
from webapp.core.db import utcnow
from webapp.core.htmx import render
from webapp.core.i18n import local_today
from webapp.core.org import places_of
from webapp.core.permissions import Role, can, permission_required
from webapp.extensions import db
from webapp.incidents import today as incidents_today
from webapp.privacy import today as privacy_today
from webapp.reports import today as reports_today
from webapp.room import today as room_today
from webapp.safety import today as safety_today
from webapp.transport import today as transport_today

SHOWN = care_today.CHILDREN_SHOWN

bp = Blueprint("tenants", __name__)
school_home_bp = Blueprint("home", __name__)


@bp.route("/healthz")
def healthz() -> Response:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        return Response("database unavailable", status=503, mimetype="text/plain")
    return Response("ok", mimetype="text/plain")


@bp.route("/")
@login_required
def home() -> Response:
    tenants, units = places_of(db.session, current_user.id)
    if len(tenants) == 1 and not units:
        return redirect(url_for("school.home.today", tenant_slug=tenants[0].slug))
    if len(units) == 1 and not tenants:
        return redirect(url_for("unit.home.overview", unit_slug=units[0].slug))
    return redirect(url_for("tenants.switch"))


@bp.route("/switch")
@login_required
def switch() -> Response:
    tenants, units = places_of(db.session, current_user.id)
    return render("tenants/switch.html", tenants=tenants, units=units)


@school_home_bp.route("/")
@permission_required("school.today")
def today() -> Response:
    """What waits for this person today: care work, the survey, their classes. The calendar
    and the person's classes are read once and shared by what needs them."""
    day = local_today()
    surveys = can("children.survey") or can("children.survey_progress")
    school = duties.load_calendar(db.session, day) if surveys else None  # else the board's own
    if can("children.view_all"):  # the school's classes, the person's own among them
        school_classes = children_queries.school_classes(db.session)
        my_classes = [c for c in school_classes if c.teacher_id == current_user.id]
    else:
        school_classes = []
        my_classes = children_queries.classes_taught_by(db.session, current_user.id)
    # The person's own classes: counted from their cards, read anyway for what they lack.
    counts, incomplete = children_queries.class_cards(db.session, [c.id for c in my_classes])
    others = [c.id for c in school_classes if c.id not in counts]
    if others:
        counts |= children_queries.children_per_class(db.session, others)
    return render(
        "tenants/today.html",
        today=day,
        my_classes=my_classes,
        school_classes=school_classes,
        counts=counts,
        incomplete=incomplete,
        survey_summary=survey.today_summary(
            db.session,
            current_user.id,
            g.roles,
            day,
            term=school.latest,
            taught=my_classes,
            classes_of_school=school_classes if can("children.view_all") else None,
        )
        if school is not None
        else None,
        school_total=sum(counts[c.id] for c in school_classes if c.id in counts),
        transfers_waiting=transfers.waiting_count(db.session) if can("children.transfer") else 0,
        room_panel=room_today.panel(db.session, current_user.id, g.roles, day, utcnow()),
        assets_panel=assets_today.panel(db.session, current_user.id, g.roles, day),
        safety=safety_today.panel(db.session, current_user.id, g.roles, day),
        transport=transport_today.panel(db.session, current_user.id, g.roles, day, my_classes),
        incident_panel=incidents_today.panel(db.session, current_user.id, g.roles, utcnow()),
        monthly_reminder=reports_today.panel(db.session, current_user.id, g.roles, day),
        privacy_panel=privacy_today.panel(db.session, current_user.id, g.roles),
        **care_work(day, school, teaches=bool(my_classes)),
    )


def care_work(day: date, school: duties.SchoolCalendar | None, *, teaches: bool) -> dict:
    """The duties this person answers for, the alerts addressed to them (class teachers and
    counsellors receive them) and the follow-ups of their own records that are due."""
    board = duties.duty_board(db.session, day, responsible_id=current_user.id, school=school)
    return {
        "agenda": care_today.agenda(board, limit=None if request.args.get("all") else SHOWN),
        "waiting": care_today.waiting_for(
            db.session,
            current_user.id,
            day,
            alerts=teaches or Role.COUNSELLOR in g.roles,
            follow_ups=any(can(p) for p in RECORD_PERMISSION.values()),
        ),
        # A duty's tap opens its kind's entry form, once the kind has one.
        "entry_kinds": {k: s.kind.value for k, s in duties.DUTIES.items() if s.kind in KINDS},
    }
