"""Pickups at dismissal (放学接送): the class board, a child's panel of the persons who may
collect them, the red path for anyone else, today's collectors, and closing the dismissal.

The board and a child's panel share one place on the page (#pickup): tapping a name opens the
panel, tapping a person releases the child and brings the board back. Without JavaScript the
same taps are plain form submissions and redirects.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, g, make_response, redirect, request, url_for
from flask_babel import format_time, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from webapp.children.access import ON_ROLL, access_to, may_call
from webapp.children.models import Child, SchoolClass
from webapp.core.files import load_photo
from webapp.core.forms import BaseForm
from webapp.core.htmx import render, wants_partial
from webapp.core.i18n import SCHOOL_TIMEZONE, local_today
from webapp.core.permissions import permission_required
from webapp.extensions import db
from webapp.safety.models import DayPart
from webapp.transport import queries, service
from webapp.transport.forms import RefusalForm, ReleaseForm, TodayCollectorForm
from webapp.transport.models import PickupRefusal, Release, ReleaseKind

bp = Blueprint("pickups", __name__, url_prefix="/pickups")

PANEL = "pickup"  # the board, or one child's panel, swapped in place


@bp.app_template_filter("clock")
def clock(value) -> str:
    """15:32, Beijing time."""
    return format_time(value, "HH:mm") if value else ""


def load_class(class_id: int) -> SchoolClass:
    """A class with pickups that this person hands over; any other is not found."""
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None or not queries.may_handle(school_class, current_user.id, g.roles):
        abort(404)
    return school_class


def load_child(child_id: int) -> tuple[Child, SchoolClass]:
    child = db.session.get(Child, child_id)
    if child is None or child.status not in ON_ROLL or child.class_id is None:
        abort(404)
    return child, load_class(child.class_id)


def is_class_teacher(school_class: SchoolClass) -> bool:
    return school_class.teacher_id == current_user.id


@bp.route("/")
@permission_required("transport.pickup")
def index() -> Response:
    classes = queries.pickup_classes(db.session, current_user.id, g.roles)
    if len(classes) == 1 and not queries.sees_every_pickup(g.roles):
        return redirect(url_for(".board", class_id=classes[0].id))
    day = local_today()
    return render(
        "transport/pickups.html",
        classes=classes,
        waiting=queries.waiting_counts(db.session, classes, day),
        today=day,
    )


@bp.route("/classes/<int:class_id>")
@permission_required("transport.pickup")
def board(class_id: int) -> Response:
    """The class at dismissal; with ?child_id= one child's panel in its place."""
    school_class = load_class(class_id)
    child_id = request.args.get("child_id", type=int)
    if child_id is None:
        return render_board(school_class, local_today())
    child = db.session.get(Child, child_id)
    if child is None or child.class_id != school_class.id or child.status not in ON_ROLL:
        abort(404)
    return render_child(child, school_class, local_today())


def render_board(
    school_class: SchoolClass,
    day: date,
    *,
    status: int = 200,
    just: Release | None = None,
    problem: str | None = None,
    push: bool = False,
) -> Response:
    """The board; after a tap (``push``) the address bar follows the swap."""
    response = render(
        "transport/board.html",
        partial="transport/_board.html",
        target=PANEL,
        status=status,
        board=queries.board(db.session, school_class, day),
        just=just,
        released_message=released_message,
        problem=problem,
    )
    if push:
        response.headers["HX-Push-Url"] = url_for(".board", class_id=school_class.id)
    return response


def render_child(
    child: Child,
    school_class: SchoolClass,
    day: date,
    *,
    status: int = 200,
    form: ReleaseForm | None = None,
    problem: str | None = None,
    push: bool = False,
) -> Response:
    release = queries.standing_release(db.session, child.id, day)
    response = render(
        "transport/child.html",
        partial="transport/_child.html",
        target=PANEL,
        status=status,
        child=child,
        school_class=school_class,
        persons=queries.authorised_persons(db.session, child, day),
        release=release,
        refusals=queries.refusals_of(db.session, child.id, day),
        on_leave=child.id in queries.on_leave(db.session, day, DayPart.AFTERNOON),
        closed=_closed(school_class, day),
        form=form or ReleaseForm(formdata=None),
        problem=problem,
        is_class_teacher=is_class_teacher(school_class),
        may_call=may_call(access_to(db.session, child, current_user.id, g.roles), g.roles),
    )
    if push:
        url = url_for(".board", class_id=school_class.id, child_id=child.id)
        response.headers["HX-Push-Url"] = url
    return response


def _closed(school_class: SchoolClass, day: date) -> bool:
    dismissal = queries.dismissal_of(db.session, school_class.id, day)
    return dismissal is not None and dismissal.is_closed


def released_message(release: Release) -> str:
    name = release.child.name
    if release.kind == ReleaseKind.COLLECTED:
        return _("%(child)s was collected by %(person)s.", child=name, person=release.collected_by)
    if release.kind == ReleaseKind.AFTER_CARE:
        return _("%(child)s went to after-school care.", child=name)
    return _("%(child)s is not in school today.", child=name)


def already_message(release: Release) -> str:
    if release.kind == ReleaseKind.COLLECTED:
        return _(
            "Already collected by %(person)s at %(time)s.",
            person=release.collected_by,
            time=clock(release.released_at),
        )
    return _(
        "Already accounted for at %(time)s: %(how)s.",
        time=clock(release.released_at),
        how=release.kind.label,
    )


def closed_message() -> str:
    return _("Dismissal is closed for today; nothing more can change.")


@bp.route("/children/<int:child_id>/release", methods=("POST",))
@permission_required("transport.pickup")
def release(child_id: int) -> Response:
    """One tap on a person: the child goes with them, if and only if they are on the list."""
    child, school_class = load_child(child_id)
    day = local_today()
    form = ReleaseForm()
    if not form.validate_on_submit():
        return render_child(child, school_class, day, form=form, status=422)
    now = form.counted_at  # kept offline: the day and time the child was handed over
    if form.captured_at_value is not None:
        day = now.astimezone(SCHOOL_TIMEZONE).date()
    try:
        made = service.release_child(
            db.session,
            uid=form.uid_value,
            child=child,
            day=day,
            kind=form.release_kind,
            person_key=form.person.data,
            actor_id=current_user.id,
            now=now,
        )
    except service.UidTaken:
        abort(400)
    except service.NotAuthorised:
        problem = _(
            "This person is not on the list: do not hand %(child)s over. Take the red path.",
            child=child.name,
        )
        return render_child(child, school_class, day, status=422, problem=problem)
    except service.AlreadyReleased as already:
        return render_child(
            child, school_class, day, status=422, problem=already_message(already.release)
        )
    except service.DismissalClosed:
        return render_child(child, school_class, day, status=422, problem=closed_message())
    db.session.commit()
    if wants_partial(PANEL):
        return render_board(school_class, day, just=made.row, push=True)
    flash(released_message(made.row), "success")
    return redirect(url_for(".board", class_id=school_class.id), code=303)


@bp.route("/releases/<int:release_id>/undo", methods=("POST",))
@permission_required("transport.pickup")
def undo(release_id: int) -> Response:
    """A wrong tap taken back: the child is waiting again, and the release is kept."""
    release = db.session.get(Release, release_id)
    if release is None:
        abort(404)
    child, school_class = load_child(release.child_id)
    day = local_today()
    if release.day != day or not BaseForm().validate_on_submit():
        abort(404 if release.day != day else 400)
    try:
        service.undo_release(db.session, release, actor_id=current_user.id)
    except service.DismissalClosed:
        return render_board(school_class, day, status=422, problem=closed_message())
    db.session.commit()
    if wants_partial(PANEL):
        return render_child(child, school_class, day, push=True)
    flash(_("Taken back: %(child)s is waiting again.", child=child.name), "info")
    return redirect(url_for(".board", class_id=school_class.id, child_id=child.id), code=303)


@bp.route("/classes/<int:class_id>/close", methods=("POST",))
@permission_required("transport.pickup")
def close(class_id: int) -> Response:
    """Dismissal is over, once every child is accounted for."""
    school_class = load_class(class_id)
    day = local_today()
    if not BaseForm().validate_on_submit():
        abort(400)
    try:
        service.close_dismissal(
            db.session, school_class=school_class, day=day, actor_id=current_user.id
        )
    except service.Unaccounted as unaccounted:
        db.session.rollback()
        problem = ngettext(
            "%(num)d child is not accounted for: %(names)s. Dismissal cannot close yet.",
            "%(num)d children are not accounted for: %(names)s. Dismissal cannot close yet.",
            len(unaccounted.children),
            names="、".join(c.name for c in unaccounted.children),
        )
        return render_board(school_class, day, status=422, problem=problem)
    db.session.commit()
    if wants_partial(PANEL):
        return render_board(school_class, day)
    flash(_("Dismissal of %(class_name)s is closed.", class_name=school_class.name), "success")
    return redirect(url_for(".board", class_id=school_class.id), code=303)


@bp.route("/children/<int:child_id>/refusals/new", methods=("GET", "POST"))
@permission_required("transport.pickup")
def refuse(child_id: int) -> Response:
    """The red path: not on the list. No release; call the guardian; write the person down;
    the class teacher is told."""
    child, school_class = load_child(child_id)
    form = RefusalForm()
    if form.validate_on_submit():
        try:
            service.record_refusal(
                db.session,
                uid=form.uid_value,
                child=child,
                day=local_today(),
                actor_id=current_user.id,
                **form.person_values(),
            )
        except service.UidTaken:
            abort(400)
        db.session.commit()
        flash(
            _(
                "Written down: %(name)s may not take %(child)s. The class teacher has been told.",
                name=form.name.data,
                child=child.name,
            ),
            "warning",
        )
        return redirect(url_for(".board", class_id=school_class.id, child_id=child.id), code=303)
    access = access_to(db.session, child, current_user.id, g.roles)
    return render(
        "transport/refuse.html",
        status=422 if form.errors else 200,
        form=form,
        child=child,
        school_class=school_class,
        may_call=may_call(access, g.roles),
    )


@bp.route("/children/<int:child_id>/collectors/new", methods=("GET", "POST"))
@permission_required("transport.pickup")
def new_collector(child_id: int) -> Response:
    """Today collected by: someone the class teacher allows for this day only."""
    child, school_class = load_child(child_id)
    if not is_class_teacher(school_class):
        abort(404)
    form = TodayCollectorForm()
    if form.validate_on_submit():
        try:
            made = service.add_today_collector(
                db.session,
                uid=form.uid_value,
                child=child,
                day=local_today(),
                actor_id=current_user.id,
                **form.person_values(),
            )
        except service.UidTaken:
            abort(400)
        db.session.commit()
        flash(
            _("%(name)s may collect %(child)s today.", name=made.row.name, child=child.name),
            "success",
        )
        return redirect(url_for(".board", class_id=school_class.id, child_id=child.id), code=303)
    return render(
        "transport/collector.html",
        status=422 if form.errors else 200,
        form=form,
        child=child,
        school_class=school_class,
    )


def load_refusal(refusal_id: int) -> tuple[PickupRefusal, Child, SchoolClass]:
    refusal = db.session.get(PickupRefusal, refusal_id)
    if refusal is None:
        abort(404)
    child, school_class = load_child(refusal.child_id)
    return refusal, child, school_class


@bp.route("/refusals/<int:refusal_id>/allow", methods=("POST",))
@permission_required("transport.pickup")
def allow(refusal_id: int) -> Response:
    """The guardian confirmed on the phone: the class teacher allows the person for today."""
    refusal, child, school_class = load_refusal(refusal_id)
    if not is_class_teacher(school_class) or refusal.day != local_today():
        abort(404)
    if not BaseForm().validate_on_submit():
        abort(400)
    collector = service.allow_refused_for_today(db.session, refusal, actor_id=current_user.id)
    db.session.commit()
    flash(
        _("%(name)s may collect %(child)s today.", name=collector.name, child=child.name),
        "success",
    )
    return redirect(url_for(".board", class_id=school_class.id, child_id=child.id), code=303)


@bp.route("/refusals/<int:refusal_id>/noted", methods=("POST",))
@permission_required("transport.pickup")
def noted(refusal_id: int) -> Response:
    """已知悉: the refusal leaves the class teacher's today page."""
    refusal = db.session.get(PickupRefusal, refusal_id)
    if refusal is None or refusal.teacher_id != current_user.id:
        abort(404)
    if not BaseForm().validate_on_submit():
        abort(400)
    service.acknowledge_refusal(db.session, refusal)
    db.session.commit()
    if wants_partial(f"refusal-{refusal.id}"):
        return Response("", status=200)  # the alert is swapped for nothing
    flash(_("Noted."), "success")
    return redirect(url_for("school.home.today"), code=303)


@bp.route("/children/<int:child_id>/guardians/<int:guardian_id>/photo")
@permission_required("transport.pickup")
def guardian_photo(child_id: int, guardian_id: int) -> Response:
    """The photo of a person who may collect the child, to compare with the face at the door."""
    child, _school_class = load_child(child_id)
    guardian = next((x for x in queries.authorised_guardians(child) if x.id == guardian_id), None)
    if guardian is None or guardian.photo_uid is None:
        abort(404)
    response = make_response(load_photo(child.tenant_id, guardian.photo_uid))
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Cache-Control"] = "no-store"
    return response
