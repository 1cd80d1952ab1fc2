"""Setting up the children's home: its rooms, their keepers and their opening hours (term
hours and holiday hours per weekday). The principal, the coordinator and the keeper do it."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp.auth.models import User
from webapp.core.htmx import render
from webapp.core.org import Membership
from webapp.core.permissions import Role, permission_required
from webapp.extensions import db
from webapp.room import queries, service
from webapp.room.forms import WEEKDAYS, HoursForm, RoomForm, UndoForm
from webapp.room.models import Room, RoomHours

bp = Blueprint("room_setup", __name__, url_prefix="/room/setup")

KEEPER_ROLES = (Role.ROOM_KEEPER, Role.TEACHER, Role.CLASS_TEACHER)


def keepers() -> list[tuple[int, str]]:
    """This school's staff who may keep a room: the keeper of the home and teachers on duty.

    Membership is a kernel table outside the tenant filter: filtered by the school here, as
    the class-teacher choices of the school set-up are.
    """
    rows = db.session.execute(
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.tenant_id == g.tenant.id,
            Membership.role.in_(KEEPER_ROLES),
            User.is_active,
        )
        .distinct()
        .order_by(User.name)
    )
    return [(row.id, row.name) for row in rows]


def duplicate_message(name: str) -> str:
    return _("The children's home already has a room named %(name)s.", name=name)


@bp.route("/")
@permission_required("room.setup")
def rooms() -> Response:
    return render("room/setup.html", rooms=queries.all_rooms(db.session), weekdays=dict(WEEKDAYS))


@bp.route("/new", methods=("GET", "POST"))
@permission_required("room.setup")
def new_room() -> Response:
    form = RoomForm(keepers=keepers())
    del form.is_active
    if form.validate_on_submit():
        try:
            saved = service.create_room(
                db.session, uid=form.uid_value, actor_id=current_user.id, **form.room_values()
            )
        except service.DuplicateName:
            form.name.errors.append(duplicate_message(form.name.data))
        else:
            db.session.commit()
            if saved.created:
                flash(_("Room %(name)s added: now its hours.", name=saved.room.name), "success")
            return redirect(url_for(".edit_room", room_id=saved.room.id), code=303)
    return render("room/room_form.html", form=form, room=None, status=422 if form.errors else 200)


def load_room(room_id: int) -> Room:
    room = db.session.get(Room, room_id)  # another school's room: not found
    if room is None:
        abort(404)
    return room


@bp.route("/<int:room_id>", methods=("GET", "POST"))
@permission_required("room.setup")
def edit_room(room_id: int) -> Response:
    room = load_room(room_id)
    form = RoomForm(obj=room, keepers=keepers())
    if not form.is_submitted():
        form.keeper_id.data = room.keeper_id or 0
        form.kind.data = room.kind.value
    if form.validate_on_submit():
        try:
            service.update_room(
                db.session,
                room,
                is_active=form.is_active.data,
                actor_id=current_user.id,
                **form.room_values(),
            )
        except service.DuplicateName:
            form.name.errors.append(duplicate_message(form.name.data))
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".edit_room", room_id=room.id), code=303)
    return hours_page(room, form=form, hours_form=HoursForm(formdata=None))


def hours_page(room: Room, *, form: RoomForm, hours_form: HoursForm) -> Response:
    return render(
        "room/room_form.html",
        room=room,
        form=form,
        hours_form=hours_form,
        remove_form=UndoForm(formdata=None),
        weekdays=dict(WEEKDAYS),
        status=422 if form.errors or hours_form.errors else 200,
    )


@bp.route("/<int:room_id>/hours", methods=("POST",))
@permission_required("room.setup")
def add_hours(room_id: int) -> Response:
    room = load_room(room_id)
    hours_form = HoursForm()
    if hours_form.validate_on_submit():
        added = service.add_hours(
            db.session,
            room,
            weekdays=hours_form.weekdays.data,
            opens=hours_form.opens.data,
            closes=hours_form.closes.data,
            in_holidays=hours_form.in_holidays.data,
            actor_id=current_user.id,
        )
        db.session.commit()
        if added:
            flash(_("Hours added."), "success")
        return redirect(url_for(".edit_room", room_id=room.id) + "#hours", code=303)
    form = RoomForm(formdata=None, obj=room, keepers=keepers())
    form.keeper_id.data, form.kind.data = room.keeper_id or 0, room.kind.value
    return hours_page(room, form=form, hours_form=hours_form)


@bp.route("/<int:room_id>/hours/<int:hours_id>/remove", methods=("POST",))
@permission_required("room.setup")
def remove_hours(room_id: int, hours_id: int) -> Response:
    room = load_room(room_id)
    hours = db.session.get(RoomHours, hours_id)
    if hours is not None and hours.room_id != room.id:
        abort(404)
    if hours is not None and UndoForm().validate_on_submit():  # gone already: a double tap
        service.remove_hours(db.session, hours, actor_id=current_user.id)
        db.session.commit()
        flash(_("Hours removed."), "success")
    return redirect(url_for(".edit_room", room_id=room.id) + "#hours", code=303)
