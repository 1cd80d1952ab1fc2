"""Class roll calls (点名): the page a class teacher takes it on, exceptions first then "the rest
are here"; the board of the day's roll calls; the follow-up of an unexplained absence; the
acknowledgement of a safety alert; the school's deadlines.

The roll-call page is one plain form: without JavaScript a tap on a name opens its status
buttons (``<details>``) and the submit button sends the page; htmx sends the same form and swaps
in a small answer (the counts and the exceptions). Reopening it shows the saved marks.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from webapp.children import queries as children_queries
from webapp.children.models import SchoolClass
from webapp.core.db import utcnow
from webapp.core.htmx import render, wants_partial
from webapp.core.i18n import local_today
from webapp.core.permissions import can, permission_required
from webapp.extensions import db
from webapp.safety import queries, service
from webapp.safety.forms import ReasonForm, SettingsForm, SheetForm, mark_field
from webapp.safety.models import (
    AbsenceReason,
    Attendance,
    DayPart,
    RollCall,
    RollCallMark,
    SafetyAlert,
    SafetyAlertKind,
    SafetySettings,
)

bp = Blueprint("safety", __name__, url_prefix="/safety")

ROLL_CALL = "roll-call"  # the sheet, swapped for the saved answer by htmx
HISTORY_DAYS = 30


@bp.app_template_filter("clock")
def clock(value: datetime | None) -> str:
    """08:05, Beijing time."""
    return format_datetime(value, "HH:mm") if value is not None else ""


@bp.app_template_filter("is_there")
def is_there(status) -> bool:
    return queries.is_there(status)


def sheet_day() -> date:
    """The day a sheet is for: today, or a day of the last month given as ?day=2026-11-26."""
    today = local_today()
    try:
        day = date.fromisoformat(request.values.get("day", ""))
    except ValueError:
        return today
    if day > today or day < today - timedelta(days=queries.SHEET_DAYS_BACK):
        abort(404)
    return day


def sheet_part(school: SafetySettings, now: datetime) -> DayPart:
    wanted = DayPart._value2member_map_.get(request.values.get("part", ""))
    return wanted if wanted in school.parts else queries.part_now(school, now)


def load_class(class_id: int) -> SchoolClass:
    """A class whose roll this person takes: their own, or any for the board's holders."""
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None or not (
        can("safety.roll_call_board") or school_class.teacher_id == current_user.id
    ):
        abort(404)
    return school_class


@bp.route("/")
@permission_required("safety.alerts")
def index() -> Response:
    """Where safety work starts: one's classes' roll calls today, leave, the dorm."""
    day = local_today()
    classes = (
        children_queries.classes_taught_by(db.session, current_user.id)
        if can("safety.roll_call")
        else []
    )
    return render(
        "safety/index.html",
        today=day,
        classes=classes,
        school=queries.settings(db.session),
    )


@bp.route("/roll-calls/<int:class_id>", methods=("GET", "POST"))
@permission_required("safety.roll_call")
def roll_call(class_id: int) -> Response:
    school_class = load_class(class_id)
    school, now = queries.settings(db.session), utcnow()
    day, part = sheet_day(), sheet_part(school, now)
    children = queries.class_children(db.session, school_class)
    form = SheetForm(statuses=Attendance, children=children)
    if form.validate_on_submit():
        try:
            service.take_roll_call(
                db.session,
                uid=form.uid_value,
                school_class=school_class,
                day=day,
                part=part,
                sent=form.sent,
                shown=form.shown_marks(),
                actor_id=current_user.id,
                now=form.counted_at,  # kept offline: when it was taken
            )
        except service.UidTaken:
            abort(400)  # a page sent for another class or day: reload and start afresh
        db.session.commit()
        return roll_call_saved(school_class, day, part)
    return render(
        "safety/roll_call.html",
        partial="safety/_roll_call.html",
        target=ROLL_CALL,
        status=422 if form.errors else 200,
        form=form,
        sheet=queries.roll_call_sheet(db.session, school_class, day, part, children),
        school_class=school_class,
        day=day,
        part=part,
        school=school,
        statuses=list(Attendance),
        mark_field=mark_field,
    )


def roll_call_saved(school_class: SchoolClass, day: date, part: DayPart) -> Response:
    """The answer leads to the roll call: in place for htmx (a few lines, whatever the size of
    the class), else back to the page, which shows the saved marks."""
    sheet = queries.roll_call_sheet(db.session, school_class, day, part)
    if wants_partial(ROLL_CALL):
        return render(
            "safety/roll_call.html",
            partial="safety/_roll_call_saved.html",
            target=ROLL_CALL,
            sheet=sheet,
            school_class=school_class,
            day=day,
            part=part,
            statuses=list(Attendance),
        )
    tally = sheet.tally
    flash(
        _(
            "Roll call saved: %(here)d of %(expected)d here.",
            here=tally.here,
            expected=tally.expected,
        ),
        "success",
    )
    return redirect(
        url_for(".roll_call", class_id=school_class.id, day=day.isoformat(), part=part.value),
        code=303,
    )


@bp.route("/roll-calls/")
@permission_required("safety.roll_call_board")
def board() -> Response:
    """The day's roll calls of every class: the ones not taken by the deadline first."""
    day = sheet_day()
    school = queries.settings(db.session)
    found = queries.board(db.session, day, utcnow(), school)
    order = [queries.BoardState.LATE, queries.BoardState.WAITING, queries.BoardState.TAKEN]
    return render(
        "safety/board.html",
        board=found,
        rows=sorted(found.rows, key=lambda row: order.index(row.state)),
        day=day,
        today=local_today(),
        school=school,
        one_day=timedelta(days=1),
    )


# Unexplained absences: the class teacher's follow-up -----------------------------------------


def load_absence(roll_mark_id: int) -> tuple[RollCallMark, RollCall, SchoolClass]:
    """An absence its class teacher or the school's leaders follow up; else not found."""
    mark = db.session.get(RollCallMark, roll_mark_id)
    if mark is None or mark.status != Attendance.ABSENT:
        abort(404)
    roll_call = db.session.get(RollCall, mark.roll_call_id)
    school_class = db.session.get(SchoolClass, roll_call.class_id)
    if not (can("children.view_all") or school_class.teacher_id == current_user.id):
        abort(404)
    return mark, roll_call, school_class


@bp.route("/absences/<int:roll_mark_id>", methods=("GET", "POST"))
@permission_required("safety.roll_call")
def absence(roll_mark_id: int) -> Response:
    mark, roll_call, school_class = load_absence(roll_mark_id)
    form = ReasonForm()
    if mark.explained_at is None and form.validate_on_submit():
        service.explain_absence(
            db.session,
            mark,
            reason=AbsenceReason(form.reason.data),
            notes=form.notes.data,
            actor_id=current_user.id,
        )
        db.session.commit()
        flash(_("Reason recorded: the follow-up is done."), "success")
        return redirect(url_for(".absence", roll_mark_id=mark.id), code=303)
    since = roll_call.day - timedelta(days=HISTORY_DAYS)
    return render(
        "safety/absence.html",
        status=422 if form.errors else 200,
        form=form,
        mark=mark,
        roll_call=roll_call,
        school_class=school_class,
        child=mark.child,
        history=queries.marks_of_child(db.session, mark.child_id, since),
    )


# Alerts and settings -------------------------------------------------------------------------


@bp.route("/alerts/<int:safety_alert_id>/acknowledge", methods=("POST",))
@permission_required("safety.alerts")
def acknowledge_alert(safety_alert_id: int) -> Response:
    """已知悉. A follow-up is not noted away: it is done by recording the reason."""
    alert = db.session.get(SafetyAlert, safety_alert_id)
    if (
        alert is None
        or alert.recipient_id != current_user.id
        or alert.kind == SafetyAlertKind.ABSENCE_FOLLOW_UP
    ):
        abort(404)
    service.acknowledge_alert(db.session, alert)  # CSRF is checked for every POST
    db.session.commit()
    if wants_partial(f"safety-alert-{alert.id}"):
        return Response("", status=200)  # the item is swapped for nothing
    flash(_("Noted."), "success")
    return redirect(url_for("school.home.today"), code=303)


@bp.route("/settings", methods=("GET", "POST"))
@permission_required("safety.attendance_settings")
def settings() -> Response:
    current = queries.settings(db.session)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        service.save_settings(
            db.session,
            morning_deadline=form.morning_deadline.data,
            afternoon_roll_call=form.afternoon_roll_call.data,
            afternoon_deadline=form.afternoon_deadline.data or current.afternoon_deadline,
            actor_id=current_user.id,
        )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".settings"), code=303)
    return render("safety/settings.html", status=422 if form.errors else 200, form=form)
