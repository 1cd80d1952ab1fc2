"""Leave (请假): entered once, often while a grandparent is on the phone, and listed per day.

Entry starts from the child: one's own children first, the others found by name or pinyin
initials. The reason is sealed and shown only to the class teacher, the school's leaders and the
person who entered it.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.care import queries as care_queries
from webapp.children.models import Child
from webapp.children.routes import load_child
from webapp.core.htmx import render
from webapp.core.i18n import local_today
from webapp.core.permissions import can, permission_required
from webapp.extensions import db
from webapp.safety import queries, service
from webapp.safety.forms import LeaveForm
from webapp.safety.models import DayPart, Leave, LeaveKind

bp = Blueprint("leave", __name__, url_prefix="/safety/leave")

LIST_DAYS = 60  # how far the list looks back and ahead


def may_manage(leave: Leave, child: Child) -> bool:
    """The class teacher, the school's leaders and whoever entered it read the reason and may
    cancel the leave."""
    teacher_id = child.school_class.teacher_id if child.school_class else None
    return (
        can("children.view_all")
        or leave.recorded_by_id == current_user.id
        or teacher_id == current_user.id
    )


def list_day() -> date:
    today = local_today()
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return today
    return min(max(day, today - timedelta(days=LIST_DAYS)), today + timedelta(days=LIST_DAYS))


@bp.route("/")
@permission_required("safety.leave")
def leaves() -> Response:
    day = list_day()
    found = queries.leaves_for_day(db.session, day, current_user.id, g.roles)
    return render(
        "safety/leaves.html",
        day=day,
        today=local_today(),
        leaves=[(leave, child, may_manage(leave, child)) for leave, child in found],
        one_day=timedelta(days=1),
    )


@bp.route("/new", methods=("GET", "POST"))
@permission_required("safety.leave")
def new_leave() -> Response:
    child_id = request.values.get("child_id", type=int)
    if child_id is None:
        return pick_child()
    child, _access = load_child(child_id)
    form = LeaveForm()
    if form.validate_on_submit():
        try:
            saved = service.record_leave(
                db.session,
                uid=form.uid_value,
                child=child,
                kind=LeaveKind(form.kind.data),
                starts_on=form.starts_on.data,
                days=form.days.data,
                part=DayPart(form.part.data),
                asked_by=form.asked_by.data,
                reason=form.reason.data,
                actor_id=current_user.id,
            )
        except service.UidTaken:
            abort(400)  # a form copied from another child's page
        db.session.commit()
        flash(
            _("Leave saved: %(name)s, %(kind)s.", name=child.name, kind=saved.leave.kind.label),
            "success",
        )
        return redirect(url_for(".leaves", day=saved.leave.starts_on.isoformat()), code=303)
    return render(
        "safety/leave_new.html",
        status=422 if form.errors else 200,
        form=form,
        child=child,
        guardians=child.active_guardians,
    )


def pick_child() -> Response:
    text = request.args.get("q", "")[:30]
    found = care_queries.find_children(db.session, current_user.id, g.roles, text, local_today())
    own = [] if text else care_queries.own_children(db.session, current_user.id, g.roles)
    return render(
        "safety/leave_pick.html",
        partial="safety/_leave_pick_results.html",
        target="pick-results",
        q=text,
        found=found,
        own=own,
    )


@bp.route("/<int:leave_id>/cancel", methods=("POST",))
@permission_required("safety.leave")
def cancel_leave(leave_id: int) -> Response:
    leave = db.session.get(Leave, leave_id)
    if leave is None:
        abort(404)
    child, _access = load_child(leave.child_id)
    if not may_manage(leave, child):
        abort(404)
    service.cancel_leave(db.session, leave, actor_id=current_user.id)
    db.session.commit()
    flash(_("Leave cancelled: %(name)s.", name=child.name), "success")
    return redirect(url_for(".leaves", day=request.form.get("day", "")), code=303)
