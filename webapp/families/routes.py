"""Guardian meetings and training (家长会 / 监护人培训 / 家长学校): a term's list with its
count (at least twice a term), a new meeting with the families of a class as chips, who came,
and the photos."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.children.models import SchoolClass
from webapp.core.files import load_photo
from webapp.core.htmx import render
from webapp.core.i18n import local_today
from webapp.core.permissions import permission_required
from webapp.extensions import db
from webapp.families import queries, service
from webapp.families.forms import AttendanceForm, MeetingForm
from webapp.families.models import MEETINGS_PER_TERM, GuardianMeeting

bp = Blueprint("families", __name__, url_prefix="/families")


def chosen_class(classes: list[SchoolClass], class_id: int | None) -> SchoolClass | None:
    """The class asked for (one the person may record families of), else none."""
    if class_id is None:
        return None
    found = next((c for c in classes if c.id == class_id), None)
    if found is None:
        abort(404)
    return found


@bp.route("/meetings/")
@permission_required("families.meetings")
def meetings() -> Response:
    terms = queries.school_terms(db.session)
    wanted = request.args.get("term_id", type=int)
    term = (
        next((t for t in terms if t.id == wanted), None)
        if wanted is not None
        else queries.term_of(terms, local_today())
    )
    if wanted is not None and term is None:
        abort(404)
    rows = queries.meetings_between(db.session, term.starts_on, term.ends_on) if term else []
    return render(
        "families/meetings.html",
        terms=terms,
        term=term,
        rows=rows,
        needed=MEETINGS_PER_TERM,
    )


@bp.route("/meetings/new", methods=("GET", "POST"))
@permission_required("families.meetings")
def new_meeting() -> Response:
    classes = queries.meeting_classes(db.session, current_user.id, g.roles)
    school_class = chosen_class(classes, request.values.get("class_id", type=int))
    families = queries.class_families(db.session, school_class) if school_class else []
    form = MeetingForm(families=families)
    if form.validate_on_submit():
        saved = service.record_meeting(
            db.session, uid=form.uid_value, organiser_id=current_user.id, **form.meeting_values()
        )
        if saved.created:
            service.set_attendance(
                db.session,
                saved.meeting,
                offered=families,
                came=form.came(),
                actor_id=current_user.id,
            )
            for data in form.shrunk_photos:
                service.add_meeting_photo(db.session, saved.meeting, data, actor_id=current_user.id)
        db.session.commit()
        flash(_("Saved: %(title)s.", title=saved.meeting.title), "success")
        return redirect(url_for(".show_meeting", meeting_id=saved.meeting.id), code=303)
    return render(
        "families/meeting_new.html",
        form=form,
        classes=classes,
        school_class=school_class,
        status=422 if form.errors else 200,
    )


def load_meeting(meeting_id: int) -> GuardianMeeting:
    meeting = db.session.get(GuardianMeeting, meeting_id)  # another school's: not found
    if meeting is None:
        abort(404)
    return meeting


@bp.route("/meetings/<int:meeting_id>")
@permission_required("families.meetings")
def show_meeting(meeting_id: int) -> Response:
    meeting = load_meeting(meeting_id)
    return render(
        "families/meeting.html",
        meeting=meeting,
        groups=queries.attendance_by_class(db.session, meeting, current_user.id, g.roles),
        classes=queries.meeting_classes(db.session, current_user.id, g.roles),
        photos=queries.meeting_photos(db.session, meeting),
    )


@bp.route("/meetings/<int:meeting_id>/attendance", methods=("GET", "POST"))
@permission_required("families.meetings")
def attendance(meeting_id: int) -> Response:
    meeting = load_meeting(meeting_id)
    classes = queries.meeting_classes(db.session, current_user.id, g.roles)
    school_class = chosen_class(classes, request.values.get("class_id", type=int))
    if school_class is None:
        return redirect(url_for(".show_meeting", meeting_id=meeting.id), code=303)
    families = queries.class_families(db.session, school_class)
    form = AttendanceForm(families=families)
    if not form.is_submitted():
        form.families.data = queries.attended_in(
            db.session, meeting, [f.child_id for f in families]
        )
    if form.validate_on_submit():
        service.set_attendance(
            db.session,
            meeting,
            offered=families,
            came=form.came(),
            actor_id=current_user.id,
        )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".show_meeting", meeting_id=meeting.id), code=303)
    return render(
        "families/attendance.html",
        meeting=meeting,
        form=form,
        school_class=school_class,
        status=422 if form.errors else 200,
    )


@bp.route("/meetings/<int:meeting_id>/photos/<int:meeting_photo_id>")
@permission_required("families.meetings")
def meeting_photo(meeting_id: int, meeting_photo_id: int) -> Response:
    meeting = load_meeting(meeting_id)
    found = next(
        (p for p in queries.meeting_photos(db.session, meeting) if p.id == meeting_photo_id), None
    )
    if found is None:
        abort(404)
    response = make_response(load_photo(meeting.tenant_id, found.photo_uid))
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Cache-Control"] = "no-store"
    return response
