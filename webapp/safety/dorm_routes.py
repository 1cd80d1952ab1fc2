"""The boarders' dorm: rooms and beds, and the nightly headcount (查寝) by room.

The headcount page works like the roll call: tap a boarder who is not in the room and choose
why, then "the others are in the room". A boarder not accounted for alerts the dorm
supervisors, the class teacher and the safety leads at once.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.children.models import Child
from webapp.core.htmx import render, wants_partial
from webapp.core.i18n import local_today
from webapp.core.permissions import can, permission_required
from webapp.extensions import db
from webapp.safety import queries, service
from webapp.safety.forms import BedForm, RoomForm, SheetForm, mark_field
from webapp.safety.models import BedAssignment, DormRoom, DormStatus
from webapp.safety.routes import sheet_day

bp = Blueprint("dorm", __name__, url_prefix="/safety/dorm")

HEADCOUNT = "headcount"


def load_room(dorm_room_id: int) -> DormRoom:
    room = db.session.get(DormRoom, dorm_room_id)  # another school's room is simply not found
    if room is None:
        abort(404)
    return room


@bp.route("/")
@permission_required("safety.dorm")
def rooms() -> Response:
    day = local_today()
    return render(
        "safety/dorm.html",
        day=day,
        rooms=queries.dorm_rooms(db.session, day),
        unhoused=len(queries.boarders_without_bed(db.session, day))
        if can("safety.dorm_setup")
        else 0,
    )


@bp.route("/<int:dorm_room_id>", methods=("GET", "POST"))
@permission_required("safety.dorm")
def headcount(dorm_room_id: int) -> Response:
    room = load_room(dorm_room_id)
    day = sheet_day()
    sheet = queries.headcount_sheet(db.session, room, day)
    form = SheetForm(statuses=DormStatus, children=[row.child for row in sheet.rows])
    if form.validate_on_submit():
        try:
            service.take_headcount(
                db.session,
                uid=form.uid_value,
                room=room,
                day=day,
                sent=form.sent,
                shown=form.shown_marks(),
                actor_id=current_user.id,
                now=form.counted_at,  # kept offline: when it was taken
            )
        except service.UidTaken:
            abort(400)
        db.session.commit()
        return headcount_saved(room, day)
    return render(
        "safety/headcount.html",
        partial="safety/_headcount.html",
        target=HEADCOUNT,
        status=422 if form.errors else 200,
        form=form,
        sheet=sheet,
        room=room,
        day=day,
        statuses=list(DormStatus),
        mark_field=mark_field,
    )


def headcount_saved(room: DormRoom, day) -> Response:
    sheet = queries.headcount_sheet(db.session, room, day)
    if wants_partial(HEADCOUNT):
        return render(
            "safety/headcount.html",
            partial="safety/_headcount_saved.html",
            target=HEADCOUNT,
            sheet=sheet,
            room=room,
            day=day,
            statuses=list(DormStatus),
            missing=DormStatus.MISSING,
        )
    tally = sheet.tally
    message = _(
        "Headcount saved: %(here)d of %(expected)d in the room.",
        here=tally.here,
        expected=tally.expected,
    )
    flash(message, "warning" if tally.counts.get(DormStatus.MISSING) else "success")
    return redirect(url_for(".headcount", dorm_room_id=room.id, day=day.isoformat()), code=303)


# Rooms and beds ------------------------------------------------------------------------------


@bp.route("/rooms/new", methods=("GET", "POST"))
@permission_required("safety.dorm_setup")
def new_room() -> Response:
    form = RoomForm()
    if form.validate_on_submit():
        try:
            room, _created = service.add_room(
                db.session,
                uid=form.uid_value,
                name=form.name.data,
                building=form.building.data,
                beds=form.beds.data,
                actor_id=current_user.id,
            )
        except service.RoomNameTaken:
            form.name.errors.append(_("There is a room of this name already."))
        else:
            db.session.commit()
            return redirect(url_for(".beds", dorm_room_id=room.id), code=303)
    return render("safety/room_new.html", status=422 if form.errors else 200, form=form)


@bp.route("/<int:dorm_room_id>/beds", methods=("GET", "POST"))
@permission_required("safety.dorm_setup")
def beds(dorm_room_id: int) -> Response:
    room = load_room(dorm_room_id)
    day = local_today()
    boarders = queries.boarders_without_bed(db.session, day)
    form = BedForm(boarders=boarders)
    if form.validate_on_submit():
        child = db.session.get(Child, form.child_id.data)
        try:
            service.assign_bed(
                db.session,
                uid=form.uid_value,
                room=room,
                child=child,
                bed=form.bed.data,
                on=day,
                actor_id=current_user.id,
            )
        except service.BedTaken:
            form.bed.errors.append(_("Another boarder sleeps in this bed."))
        except service.RoomFull:
            form.bed.errors.append(_("Every bed of this room is taken."))
        except service.UidTaken:
            abort(400)
        if not form.errors:
            db.session.commit()
            flash(_("%(name)s sleeps in %(room)s now.", name=child.name, room=room.name), "success")
            return redirect(url_for(".beds", dorm_room_id=room.id), code=303)
    return render(
        "safety/beds.html",
        status=422 if form.errors else 200,
        form=form,
        room=room,
        occupants=queries.room_beds(db.session, room, day),
        boarders=boarders,
    )


@bp.route("/beds/<int:bed_id>/end", methods=("POST",))
@permission_required("safety.dorm_setup")
def end_bed(bed_id: int) -> Response:
    assignment = db.session.get(BedAssignment, bed_id)
    if assignment is None:
        abort(404)
    service.end_bed(db.session, assignment, on=local_today(), actor_id=current_user.id)
    db.session.commit()
    flash(_("Moved out of the room."), "success")
    return redirect(url_for(".beds", dorm_room_id=assignment.room_id), code=303)
