"""Quick entry of care records, a record with its amendments, and a child's timeline.

One set of views serves every kind (see kinds.py). Entry starts from a child: the today list,
the card, or the picker, which shows the person's own children first and finds the others.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.care import queries, service
from webapp.care.access import RECORD_PERMISSION, may_read, may_record
from webapp.care.forms import AmendForm, FollowUpDoneForm
from webapp.care.kinds import KINDS, KindSpec, spec_for
from webapp.care.models import CareKind, CareRecord
from webapp.care.today import alerted_about
from webapp.children.access import Access
from webapp.children.models import Child
from webapp.children.routes import load_child
from webapp.core.files import load_photo
from webapp.core.htmx import render, wants_partial
from webapp.core.i18n import local_today
from webapp.core.permissions import can, permission_required
from webapp.extensions import db

bp = Blueprint("care", __name__, url_prefix="/care")

ENTRY = "care-entry"  # the entry form, swapped in place by htmx
TIMELINE = "timeline"
TIMELINE_MORE = "timeline-more"


def load_spec(kind: str) -> KindSpec:
    spec = spec_for(kind)
    if spec is None:
        abort(404)
    if not can(RECORD_PERMISSION[spec.kind]):
        abort(403)
    return spec


def load_record(record_id: int) -> tuple[CareRecord, Child, Access]:
    """A record this person may read, with its child; anything else is simply not found."""
    record = db.session.get(CareRecord, record_id)
    if record is None:
        abort(404)
    child, access = load_child(record.child_id)
    original = db.session.get(CareRecord, record.amends_id) if record.amends_id else record
    # An alert addressed to this person (a concern, to the counsellor) lets them read its talk.
    if not may_read(original, current_user.id, access, g.roles) and not alerted_about(
        db.session, original.id, current_user.id
    ):
        abort(404)
    return record, child, access


def entry_context(spec: KindSpec, child: Child, access: Access) -> dict:
    """What a form shows above itself, folded: the last two of its kind, open follow-ups."""
    who = {"user_id": current_user.id, "access": access, "roles": g.roles}
    return {
        "recent": queries.recent_records(db.session, child, kind=spec.kind, **who),
        "follow_ups": queries.open_follow_ups(db.session, child, **who),
    }


@bp.route("/records/new/<kind>", methods=("GET", "POST"))
@permission_required("care.timeline")  # and the kind's own permission: see load_spec
def new_record(kind: str) -> Response:
    spec = load_spec(kind)
    child_id = request.values.get("child_id", type=int)
    if child_id is None:
        return pick_child(spec)
    child, access = load_child(child_id)
    if not may_record(spec.kind, access, g.roles):
        abort(404)
    form = spec.form(**spec.form_options(child))
    if form.validate_on_submit():
        saved = service.record_care(
            db.session,
            uid=form.uid_value,
            child=child,
            kind=spec.kind,
            author_id=current_user.id,
            happened_on=form.happened_on.data,
            **form.record_values(),
        )
        if saved.created:
            spec.after_create(saved.record, form, current_user.id)
        db.session.commit()
        return saved_response(spec, child, saved.record)
    return render(
        "care/new.html",
        partial="care/_entry.html",
        target=ENTRY,
        status=422 if form.errors else 200,
        spec=spec,
        child=child,
        form=form,
        **entry_context(spec, child, access),
    )


def saved_response(spec: KindSpec, child: Child, record: CareRecord) -> Response:
    """The answer leads to the record: in place for htmx, else a redirect to it."""
    if wants_partial(ENTRY):
        return render(
            "care/new.html",
            partial="care/_saved.html",
            target=ENTRY,
            spec=spec,
            child=child,
            record=record,
        )
    flash(_("Saved: %(kind)s with %(name)s.", kind=spec.kind.label, name=child.name), "success")
    return redirect(url_for(".show_record", record_id=record.id), code=303)


def pick_child(spec: KindSpec) -> Response:
    text = request.args.get("q", "")[:30]
    found = queries.find_children(db.session, current_user.id, g.roles, text, local_today())
    return render(
        "care/pick_child.html",
        partial="care/_pick_results.html",
        target="pick-results",
        spec=spec,
        q=text,
        found=found,
        own=[] if text else queries.own_children(db.session, current_user.id, g.roles),
    )


@bp.route("/records/<int:record_id>")
@permission_required("care.timeline")
def show_record(record_id: int) -> Response:
    record, child, _access = load_record(record_id)
    if record.amends_id is not None:  # an amendment is read beside its original
        return redirect(url_for(".show_record", record_id=record.amends_id) + f"#r{record.id}")
    return render(
        "care/record.html",
        record=record,
        child=child,
        spec=KINDS[record.kind],
        amendments=service.amendments_of(db.session, [record.id]).get(record.id, []),
        may_edit=service.may_edit(record, current_user.id),
        editable_until=service.editable_until(record),
        may_amend=may_amend(record),
    )


def may_amend(record: CareRecord) -> bool:
    """The author corrects their own record; the school's leaders may correct any."""
    return record.amends_id is None and (
        record.author_id == current_user.id or can("children.view_all")
    )


@bp.route("/records/<int:record_id>/edit", methods=("GET", "POST"))
@permission_required("care.timeline")
def edit_record(record_id: int) -> Response:
    record, child, _access = load_record(record_id)
    if not service.may_edit(record, current_user.id):
        flash(_("This record can no longer be changed; add a correction instead."), "info")
        return redirect(url_for(".show_record", record_id=record.id), code=303)
    spec = KINDS[record.kind]
    form = spec.form(**spec.form_options(child))
    if not form.is_submitted():
        form.from_record(record)
    if form.validate_on_submit():
        service.edit_record(
            db.session,
            record,
            actor_id=current_user.id,
            happened_on=form.happened_on.data,
            **form.record_values(),
        )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".show_record", record_id=record.id), code=303)
    return render(
        "care/edit.html",
        record=record,
        child=child,
        spec=spec,
        form=form,
        amend_form=None,
        status=422 if form.errors else 200,
    )


@bp.route("/records/<int:record_id>/amend", methods=("GET", "POST"))
@permission_required("care.timeline")
def amend_record(record_id: int) -> Response:
    record, child, _access = load_record(record_id)
    if not may_amend(record):
        abort(404)
    spec = KINDS[record.kind]
    form, amend_form = spec.form(**spec.form_options(child)), AmendForm()
    if not form.is_submitted():
        form.from_record(record)
    if form.validate_on_submit() & amend_form.validate_on_submit():
        values = form.record_values() | {"happened_on": form.happened_on.data}
        saved = service.amend_record(
            db.session,
            record,
            uid=form.uid_value,
            actor_id=current_user.id,
            child=child,
            reason=amend_form.reason.data,
            **values,
        )
        db.session.commit()
        return redirect(
            url_for(".show_record", record_id=record.id) + f"#r{saved.record.id}", code=303
        )
    return render(
        "care/edit.html",
        record=record,
        child=child,
        spec=spec,
        form=form,
        amend_form=amend_form,
        status=422 if form.errors or amend_form.errors else 200,
    )


@bp.route("/records/<int:record_id>/follow-up", methods=("POST",))
@permission_required("care.timeline")
def follow_up_done(record_id: int) -> Response:
    record, _child, _access = load_record(record_id)
    if FollowUpDoneForm().validate_on_submit() and record.follow_up_open:
        service.close_follow_up(db.session, record, actor_id=current_user.id, on=local_today())
        db.session.commit()
    target = f"follow-up-{record.id}"
    if wants_partial(target):  # the follow-up wherever it is listed, now marked done
        return render(
            "care/record.html", partial="care/_follow_up.html", target=target, record=record
        )
    flash(_("Follow-up marked done."), "success")
    return redirect(url_for(".show_record", record_id=record.id), code=303)


@bp.route("/children/<int:child_id>/timeline")
@permission_required("care.timeline")
def timeline(child_id: int) -> Response:
    child, access = load_child(child_id)
    kind = CareKind._value2member_map_.get(request.args.get("kind", ""))
    page = queries.timeline(
        db.session,
        child,
        user_id=current_user.id,
        access=access,
        roles=g.roles,
        page=max(1, request.args.get("page", 1, type=int)),
        kind=kind,
    )
    partial = "care/_timeline_more.html" if wants_partial(TIMELINE_MORE) else "care/_timeline.html"
    return render(
        "care/timeline.html",
        partial=partial,
        target=TIMELINE_MORE if wants_partial(TIMELINE_MORE) else TIMELINE,
        child=child,
        page=page,
        kind=kind,
        kinds=[k for k in CareKind if k in KINDS],
        specs=KINDS,
        recordable=[s for s in KINDS.values() if may_record(s.kind, access, g.roles)],
    )


@bp.route("/records/<int:record_id>/photos/<int:photo_id>")
@permission_required("care.timeline")
def photo(record_id: int, photo_id: int) -> Response:
    """A photo of a record, to whoever may read the record; never cached."""
    record, _child, _access = load_record(record_id)
    found = next((p for p in record.photos if p.id == photo_id), None)
    if found is None:
        abort(404)
    response = make_response(load_photo(record.tenant_id, found.photo_uid))
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Cache-Control"] = "no-store"
    return response
