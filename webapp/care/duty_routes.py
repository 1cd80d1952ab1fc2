"""The duty engine's pages: the school's coverage board with its drill-downs, the cadences a
principal sets, and the acknowledgement of an alert from the today page."""

from __future__ import annotations

from datetime import date

from babel import Locale
from babel.dates import format_date
from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp.auth.models import User
from webapp.care import duties, service
from webapp.care.duty_forms import cadences_form
from webapp.care.models import CareAlert, DutyKey
from webapp.children import queries as children_queries
from webapp.children.models import SchoolClass
from webapp.core.htmx import render, wants_partial
from webapp.core.i18n import local_today
from webapp.core.permissions import permission_required
from webapp.extensions import db

bp = Blueprint("duties", __name__, url_prefix="/care")


@bp.app_template_filter("month_day")
def month_day(value: date | None) -> str:
    """11月29日 (Nov 29): a date near enough that the year goes without saying."""
    if value is None:
        return ""
    locale = Locale.parse(str(get_locale()))
    return format_date(value, locale.datetime_skeletons["MMMd"], locale=locale)


@bp.app_template_global()
def period_now(period: duties.Period) -> str:
    return str(duties.PERIOD_NOW[period])


@bp.route("/coverage")
@permission_required("care.coverage")
def coverage() -> Response:
    today = local_today()
    board = duties.duty_board(db.session, today)
    return render(
        "care/coverage.html",
        today=today,
        board=board,
        classes=children_queries.school_classes(db.session),
        cells=board.coverage(),
        totals=board.school_coverage(),
    )


@bp.route("/coverage/<duty>/<int:class_id>")
@permission_required("care.coverage")
def coverage_class(duty: str, class_id: int) -> Response:
    """The children behind one cell of the board, the most overdue first."""
    key = DutyKey._value2member_map_.get(duty)
    school_class = db.session.get(SchoolClass, class_id)
    if key is None or school_class is None:
        abort(404)
    today = local_today()
    board = duties.duty_board(db.session, today, class_id=class_id)
    statuses = [s for s in board.statuses if s.duty == key]
    return render(
        "care/coverage_class.html",
        today=today,
        duty=key,
        school_class=school_class,
        cadence=board.cadences.get(key),
        statuses=statuses,
        done=sum(s.is_done for s in statuses),
        names=user_names({s.responsible_id for s in statuses} - {None}),
    )


@bp.route("/coverage/unpaired")
@permission_required("care.coverage")
def unpaired() -> Response:
    """Left-behind children on the roll with no proxy parent yet."""
    board = duties.duty_board(db.session, local_today())
    children = sorted(board.unpaired, key=lambda c: (c.class_name or "", c.child_name))
    return render("care/unpaired.html", children=children)


def user_names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all())


@bp.route("/cadences", methods=("GET", "POST"))
@permission_required("care.cadences")
def cadences() -> Response:
    current = duties.cadences(db.session)
    form = cadences_form(current)
    if form.validate_on_submit():
        changed = 0
        for duty, (period, enabled) in form.values().items():
            if (period, enabled) != (current[duty].period, current[duty].enabled):
                service.set_cadence(
                    db.session, duty, period=period, enabled=enabled, actor_id=current_user.id
                )
                changed += 1
        db.session.commit()
        flash(_("Cadences saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for(".cadences"), code=303)
    return render(
        "care/cadences.html",
        status=422 if form.errors else 200,
        form=form,
        duties=list(DutyKey),
        defaults=duties.DUTIES,
    )


@bp.route("/alerts/<int:alert_id>/acknowledge", methods=("POST",))
@permission_required("care.timeline")
def acknowledge_alert(alert_id: int) -> Response:
    """已知悉: the alert leaves this person's list, and only theirs."""
    alert = db.session.get(CareAlert, alert_id)
    if alert is None or alert.recipient_id != current_user.id:
        abort(404)
    service.acknowledge_alert(db.session, alert)  # CSRF is checked for every POST
    db.session.commit()
    if wants_partial(f"alert-{alert.id}"):
        return Response("", status=200)  # the item is swapped for nothing
    flash(_("Noted."), "success")
    return redirect(url_for("school.home.today"), code=303)
