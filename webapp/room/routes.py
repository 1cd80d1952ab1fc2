"""The children's home on the keeper's phone: the rooms, the sign-in board, the self sign-in
mode, a family call in two taps, an activity of who came today.

The board is one form: each name tile is a submit button (sign in, sign out, and "closing: sign
everyone out"), answered in place by htmx with an undo toast, or by a 303 back to the board
without JavaScript. Nothing asks "are you sure": every tap can be undone.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from webapp.auth.models import User
from webapp.auth.service import authenticate
from webapp.care import service as care_service
from webapp.care.access import may_record
from webapp.care.forms import people_choices
from webapp.care.models import ActivityTheme, CareKind
from webapp.children.routes import load_child
from webapp.core.db import utcnow
from webapp.core.htmx import render, wants_partial
from webapp.core.i18n import local_today
from webapp.core.permissions import Role, permission_required
from webapp.extensions import db
from webapp.room import queries, service
from webapp.room.forms import (
    BoardForm,
    LeaveSelfServiceForm,
    QuickCallForm,
    RoomActivityForm,
    StartSelfServiceForm,
    UndoForm,
)
from webapp.room.models import Room
from webapp.room.service import Outcome, Tapped

bp = Blueprint("room", __name__, url_prefix="/room")

BOARD = "board"
SELF_BOARD = "self-board"
CALL_ENTRY = "call-entry"
# The board finds children as the keeper does: by name and class, every child on the roll.
BOARD_REACH = frozenset({Role.ROOM_KEEPER})
SELF_SERVICE = "room_self_service"  # the session's self sign-in mode: {"tenant", "room"}
# What a phone in the self sign-in mode may open; anything else leads back to the names.
SELF_SERVICE_ENDPOINTS = frozenset(
    {
        "school.room.self_service",
        "school.room.self_tap",
        "school.room.undo",
        "school.room.leave_self_service",
        "auth.logout",
        "auth.login",
        "static",
    }
)


@bp.before_app_request
def keep_to_self_service() -> Response | None:
    """A phone handed to the children stays on their names until the keeper takes it back."""
    mode = session.get(SELF_SERVICE)
    if not mode or request.endpoint is None or request.endpoint in SELF_SERVICE_ENDPOINTS:
        return None
    return redirect(url_for("school.room.self_service", tenant_slug=mode["tenant"]))


def load_room(room_id: int) -> Room:
    """A room in use that this person runs; another school's room is simply not found."""
    room = db.session.get(Room, room_id)
    if room is None or not room.is_active or not may_run(room):
        abort(404)
    return room


def may_run(room: Room) -> bool:
    return queries.runs_every_room(g.roles) or room.keeper_id == current_user.id


@bp.route("/")
@permission_required("room.board")
def index() -> Response:
    now, today = utcnow(), local_today()
    holiday = queries.is_holiday(db.session, today)
    rooms = queries.rooms_run_by(db.session, current_user.id, g.roles)
    return render(
        "room/index.html",
        days=[queries.room_day(room, today, holiday=holiday) for room in rooms],
        counts=queries.counts_now(db.session),
        moment=queries.local_time(now),
    )


# The board -----------------------------------------------------------------------------------


def board_context(room: Room, q: str, *, toast: dict | None = None) -> dict[str, Any]:
    now, today = utcnow(), local_today()
    day = queries.room_day(room, today, holiday=queries.is_holiday(db.session, today))
    moment = queries.local_time(now)
    reach = g.roles | BOARD_REACH
    return {
        "room": room,
        "day": day,
        "opening": day.open_at(moment),
        "next_opening": day.next_opening(moment),
        "here": queries.here_now(db.session, room.id),
        "found": queries.find_tiles(db.session, current_user.id, reach, q, today),
        "frequent": [] if q else queries.frequent_tiles(db.session, room.id, today),
        "q": q,
        "form": BoardForm(formdata=None),
        "toast": toast,
        "today": today,
    }


def toast_for(tapped: Tapped) -> dict:
    """The message after a tap, with its Undo while the tap can still be undone."""
    name = tapped.child.name if tapped.child is not None else ""
    messages = {
        Outcome.SIGNED_IN: lambda: _("%(name)s signed in.", name=name),
        Outcome.MOVED: lambda: _(
            "%(name)s moved here from %(room)s.",
            name=name,
            room=tapped.from_room.name if tapped.from_room else "",
        ),
        Outcome.SIGNED_OUT: lambda: _("%(name)s signed out.", name=name),
        Outcome.CLOSED: lambda: ngettext(
            "%(num)d child signed out.", "%(num)d children signed out.", tapped.count
        ),
        Outcome.ALREADY_IN: lambda: _("%(name)s is already here.", name=name),
        Outcome.NOT_HERE: lambda: _("%(name)s is not in this room.", name=name),
        Outcome.EMPTY: lambda: _("Nobody is in the room."),
    }
    action = tapped.action
    if action is not None and action.undone_at is not None:
        return {"message": _("Undone."), "undo": None}
    return {
        "message": messages[tapped.outcome](),
        "undo": action.uid if action is not None and service.undoable(action) else None,
    }


def toast_from_args(room: Room) -> dict | None:
    """After a redirect (no JavaScript) the board shows the tap's toast from ?done=."""
    try:
        uid = uuid.UUID(request.args.get("done", ""))
    except ValueError:
        return None
    action = queries.find_action(db.session, uid)
    if action is None or action.room_id != room.id:
        return None
    return toast_for(service.describe(db.session, action))


@bp.route("/rooms/<int:room_id>/")
@permission_required("room.board")
def board(room_id: int) -> Response:
    room = load_room(room_id)
    q = request.args.get("q", "")[:30].strip()
    return render(
        "room/board.html",
        partial="room/_board.html",
        target=BOARD,
        rooms=queries.rooms_run_by(db.session, current_user.id, g.roles),
        **board_context(room, q, toast=toast_from_args(room)),
    )


@bp.route("/rooms/<int:room_id>/tap", methods=("POST",))
@permission_required("room.board")
def tap(room_id: int) -> Response:
    room = load_room(room_id)
    form = BoardForm()
    if not form.validate_on_submit():
        if not form.captured_at.errors:
            abort(400)
        # A tap kept on the phone too long: refused, and said why (the phone lists it).
        refused = {"message": form.captured_at.errors[0], "undo": None, "error": True}
        return render(
            "room/board.html",
            partial="room/_board.html",
            target=BOARD,
            status=422,
            rooms=queries.rooms_run_by(db.session, current_user.id, g.roles),
            **board_context(room, "", toast=refused),
        )
    tapped = _tap(room, form, self_service=False)
    db.session.commit()
    q = (form.q.data or "")[:30].strip()
    if wants_partial(BOARD):
        return render(
            "room/board.html",
            partial="room/_board.html",
            target=BOARD,
            **board_context(room, q, toast=toast_for(tapped)),
        )
    return after_tap(url_for(".board", room_id=room.id, q=q or None), tapped)


def _tap(room: Room, form: BoardForm, *, self_service: bool) -> Tapped:
    act, child_id = form.act()
    uid = service.tap_uid(form.uid_value, form.tap.data)
    # Kept offline: when it was tapped.
    who = {"uid": uid, "room": room, "actor_id": current_user.id, "now": form.counted_at}
    try:
        if act == "close":
            if self_service:
                abort(400)  # a child signs only themselves out
            return service.sign_everyone_out(db.session, **who)
        child = queries.child_on_roll(db.session, child_id)
        if child is None:
            abort(404)
        act_on = service.sign_in if act == "in" else service.sign_out
        return act_on(db.session, child=child, self_service=self_service, **who)
    except service.UidTaken:
        abort(400)  # a board copied from another room: reload and start afresh


def after_tap(board_url: str, tapped: Tapped) -> Response:
    """Without JavaScript: back to the board, which shows the toast of the tap (?done=)."""
    if tapped.action is None:
        flash(toast_for(tapped)["message"], "info")
        return redirect(board_url, code=303)
    joiner = "&" if "?" in board_url else "?"
    return redirect(f"{board_url}{joiner}done={tapped.action.uid}", code=303)


UNDO_REFUSED = {
    "left": lambda: _("Not undone: the child has been signed out since."),
    "too_late": lambda: _("Too late to undo: sign the child in or out again instead."),
}


@bp.route("/actions/<uuid:action_uid>/undo", methods=("POST",))
@permission_required("room.board")
def undo(action_uid: uuid.UUID) -> Response:
    action = queries.find_action(db.session, action_uid)
    if action is None:
        abort(404)
    room = load_room(action.room_id)
    if not UndoForm().validate_on_submit():
        abort(400)
    try:
        undone = service.undo(db.session, action, actor_id=current_user.id)
    except service.CannotUndo as refusal:
        message = UNDO_REFUSED[refusal.reason]()
    else:
        message = _("Undone.")
        if undone.left_alone:
            message = ngettext(
                "Undone, except %(num)d child who is in another room now.",
                "Undone, except %(num)d children who are in other rooms now.",
                len(undone.left_alone),
            )
    db.session.commit()
    toast = {"message": message, "undo": None}
    mode = session.get(SELF_SERVICE)
    if mode and mode["room"] == room.id:
        return self_answer(room, toast, class_id=action.child.class_id if action.child else None)
    if wants_partial(BOARD):
        return render(
            "room/board.html",
            partial="room/_board.html",
            target=BOARD,
            **board_context(room, request.form.get("q", "")[:30].strip(), toast=toast),
        )
    flash(message, "info")
    return redirect(url_for(".board", room_id=room.id), code=303)


# Self sign-in: the keeper's phone on the table, each child taps their own name ---------------


def self_service_room() -> Room | None:
    mode = session.get(SELF_SERVICE)
    if not mode or mode.get("tenant") != g.tenant.slug:
        return None
    room = db.session.get(Room, mode["room"])
    return room if room is not None and room.is_active else None


@bp.route("/rooms/<int:room_id>/self-service", methods=("POST",))
@permission_required("room.board")
def start_self_service(room_id: int) -> Response:
    room = load_room(room_id)
    if StartSelfServiceForm().validate_on_submit():
        session[SELF_SERVICE] = {"tenant": g.tenant.slug, "room": room.id}
    return redirect(url_for(".self_service"), code=303)


def self_answer(room: Room, toast: dict | None, class_id: int | None) -> Response:
    g.self_service = True  # the layout leaves out the tab bar
    classes = queries.classes_with_children(db.session)
    chosen = next((c for c in classes if c.id == class_id), None)
    if class_id is not None and chosen is None:
        abort(404)
    return render(
        "room/self.html",
        partial="room/_self_board.html",
        target=SELF_BOARD,
        room=room,
        classes=classes,
        chosen=chosen,
        tiles=queries.class_tiles(db.session, chosen.id) if chosen else [],
        form=BoardForm(formdata=None),
        toast=toast,
    )


@bp.route("/self")
@permission_required("room.board")
def self_service() -> Response:
    room = self_service_room()
    if room is None:
        session.pop(SELF_SERVICE, None)
        return redirect(url_for(".index"), code=303)
    toast = toast_from_args(room)
    return self_answer(room, toast, request.args.get("class_id", type=int))


@bp.route("/self/tap", methods=("POST",))
@permission_required("room.board")
def self_tap() -> Response:
    room = self_service_room()
    form = BoardForm()
    if room is None or not form.validate_on_submit():
        abort(400)
    tapped = _tap(room, form, self_service=True)
    db.session.commit()
    class_id = tapped.child.class_id if tapped.child is not None else None
    if wants_partial(SELF_BOARD):
        return self_answer(room, toast_for(tapped), class_id)
    return after_tap(url_for(".self_service", class_id=class_id), tapped)


LOGIN_REFUSED = {
    "locked": lambda minutes: ngettext(
        "Too many wrong passwords: try again in %(num)d minute.",
        "Too many wrong passwords: try again in %(num)d minutes.",
        minutes,
    ),
}


@bp.route("/self/leave", methods=("GET", "POST"))
@permission_required("room.board")
def leave_self_service() -> Response:
    """Only the keeper takes the phone back: their password ends the mode."""
    form = LeaveSelfServiceForm()
    if form.validate_on_submit():
        answer = authenticate(db.session, current_user.phone, form.password.data)
        db.session.commit()  # a wrong password counts toward the lockout
        if isinstance(answer, User) and answer.id == current_user.id:
            mode = session.pop(SELF_SERVICE, None) or {}
            room = db.session.get(Room, mode.get("room", 0))
            if room is None:
                return redirect(url_for(".index"), code=303)
            return redirect(url_for(".board", room_id=room.id), code=303)
        refused = LOGIN_REFUSED.get(getattr(answer, "reason", ""))
        form.password.errors.append(
            refused(answer.minutes_left) if refused else _("That is not the keeper's password.")
        )
    return render("room/leave_self.html", form=form, status=422 if form.errors else 200)


# A family call in two taps: the child, then how long ------------------------------------------


@bp.route("/rooms/<int:room_id>/family-call", methods=("GET", "POST"))
@permission_required("care.family_call")
def family_call(room_id: int) -> Response:
    room = load_room(room_id)
    child_id = request.values.get("child_id", type=int)
    if child_id is None:
        q = request.args.get("q", "")[:30].strip()
        reach = g.roles | BOARD_REACH
        return render(
            "room/call_pick.html",
            partial="room/_call_pick.html",
            target="call-pick",
            room=room,
            here=queries.here_now(db.session, room.id),
            found=queries.find_tiles(db.session, current_user.id, reach, q, local_today()),
            q=q,
        )
    child, access = load_child(child_id)
    if not may_record(CareKind.FAMILY_CALL, access, g.roles):
        abort(404)
    form = QuickCallForm(people=people_choices(child, named=False))
    if form.validate_on_submit():
        try:
            saved = care_service.record_care(
                db.session,
                uid=form.uid_value,
                child=child,
                kind=CareKind.FAMILY_CALL,
                author_id=current_user.id,
                happened_on=form.happened_on.data,
                now=form.counted_at,  # kept offline: when it was filled in
                **form.record_values(),
            )
        except care_service.UidTaken:
            abort(400)
        db.session.commit()
        if wants_partial(CALL_ENTRY):
            return render(
                "room/call.html",
                partial="room/_call_saved.html",
                target=CALL_ENTRY,
                room=room,
                child=child,
                record=saved.record,
            )
        flash(_("Saved: %(kind)s with %(name)s.", kind=CareKind.FAMILY_CALL.label, name=child.name))
        return redirect(url_for("school.care.show_record", record_id=saved.record.id), code=303)
    return render(
        "room/call.html",
        partial="room/_call_entry.html",
        target=CALL_ENTRY,
        status=422 if form.errors else 200,
        room=room,
        child=child,
        form=form,
    )


# An activity of who came today ----------------------------------------------------------------


@bp.route("/rooms/<int:room_id>/activity", methods=("GET", "POST"))
@permission_required("care.activity")
def new_activity(room_id: int) -> Response:
    room = load_room(room_id)
    today = local_today()
    children = queries.visitors_on(db.session, room.id, today)
    form = RoomActivityForm(children=children)
    if not form.is_submitted():
        form.place.data = room.name
        form.theme.data = ActivityTheme.INTEREST_GROUP.value
    if children and form.validate_on_submit():
        saved = care_service.record_activity(
            db.session,
            uid=form.uid_value,
            title=form.title.data,
            theme=ActivityTheme(form.theme.data),
            happened_on=form.happened_on.data,
            place=form.place.data,
            summary=form.summary.data,
            class_id=None,
            organiser_id=current_user.id,
            child_ids=form.participant_ids(),
        )
        if saved.created:
            for data in form.shrunk_photos:
                care_service.add_activity_photo(
                    db.session, saved.activity, data, actor_id=current_user.id
                )
        db.session.commit()
        flash(_("Saved: %(title)s.", title=saved.activity.title), "success")
        return redirect(
            url_for("school.care.show_activity", activity_id=saved.activity.id), code=303
        )
    return render(
        "room/activity.html",
        room=room,
        form=form,
        children=children,
        status=422 if form.errors else 200,
    )
