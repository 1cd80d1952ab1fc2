"""Quick entry of care records, a record with its amendments, and a child's timeline; the
group talk; care activities.

One set of views serves every kind (see kinds.py). Entry starts from a child: the today list,
the card, or the picker, which shows the person's own children first and finds the others.
A group talk writes one record per child; a care activity is a row of its own with its
participants, shown beside the timeline.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, abort, flash, g, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from webapp.care import queries, service
from webapp.care.access import RECORD_PERMISSION, may_read, may_record, sees_restricted
from webapp.care.forms import ActivityForm, AmendForm, FollowUpDoneForm, GroupTalkForm
from webapp.care.kinds import KINDS, KindSpec, spec_for, view_template
from webapp.care.models import RESTRICTED_KINDS, ActivityTheme, CareActivity, CareKind, CareRecord
from webapp.care.today import alerted_about
from webapp.children.access import Access
from webapp.children.models import Child, SchoolClass
from webapp.children.routes import load_child
from webapp.core.db import writes_on_get
from webapp.core.files import load_photo
from webapp.core.htmx import render, wants_partial
from webapp.core.i18n import local_today
from webapp.core.permissions import can, permission_required
from webapp.extensions import db
from webapp.privacy.models import ConsentKind
from webapp.privacy.queries import without_consent

bp = Blueprint("care", __name__, url_prefix="/care")

ENTRY = "care-entry"  # the entry form, swapped in place by htmx
GROUP_ENTRY = "group-entry"
ACTIVITY_ENTRY = "activity-entry"
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
    if form.validate_on_submit() and photos_allowed(form, [child]):
        try:
            saved = service.record_care(
                db.session,
                uid=form.uid_value,
                child=child,
                kind=spec.kind,
                author_id=current_user.id,
                happened_on=form.happened_on.data,
                now=form.counted_at,  # kept offline: when it was filled in
                **form.record_values(),
            )
        except service.UidTaken:
            abort(400)  # a form copied from another child's page: reload and start afresh
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


def photos_allowed(form: Any, children: list[Child]) -> bool:
    """Photos only of children whose guardian agreed to photos; else the form says who not."""
    if not getattr(form, "shrunk_photos", None):
        return True
    refusal = photo_refusal(children)
    if refusal:
        form.photos.errors.append(refusal)
    return not refusal


def photo_refusal(children: list[Child]) -> str | None:
    """Why no photo may be kept of these children (no consent in force), or None."""
    refused = without_consent(db.session, [c.id for c in children], ConsentKind.PHOTOS)
    if not refused:
        return None
    return _(
        "No consent to photos for %(names)s: the guardian has not agreed. Save without "
        "photos, or record the consent on the card first.",
        names="、".join(c.name for c in children if c.id in refused),
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
@writes_on_get
@permission_required("care.timeline")
def show_record(record_id: int) -> Response:
    record, child, _access = load_record(record_id)
    if record.amends_id is not None:  # an amendment is read beside its original
        return redirect(url_for(".show_record", record_id=record.amends_id) + f"#r{record.id}")
    if record.is_restricted:  # opening a counselling record is a disclosure, and is logged
        service.record_opened(
            db.session,
            child_id=child.id,
            subject="care_record",
            subject_id=record.id,
            actor_id=current_user.id,
        )
        db.session.commit()
    return render(
        "care/record.html",
        record=record,
        child=child,
        spec=KINDS.get(record.kind),
        view_template=view_template(record.kind),
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
    spec = KINDS.get(record.kind) or abort(404)
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
    spec = KINDS.get(record.kind) or abort(404)
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
    if record.kind == CareKind.GROWTH:
        flash(_("Wish marked fulfilled."), "success")
    else:
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
    restricted = sees_restricted(g.roles)  # not even the name of a restricted kind to others
    return render(
        "care/timeline.html",
        partial=partial,
        target=TIMELINE_MORE if wants_partial(TIMELINE_MORE) else TIMELINE,
        child=child,
        page=page,
        kind=kind,
        kinds=[k for k in CareKind if k in KINDS and (k not in RESTRICTED_KINDS or restricted)],
        specs=KINDS,
        recordable=[s for s in KINDS.values() if may_record(s.kind, access, g.roles)],
        access=access,
        Access=Access,
        activities=queries.child_activities(db.session, child),
    )


@bp.route("/records/<int:record_id>/photos/<int:photo_id>")
@permission_required("care.timeline")
def photo(record_id: int, photo_id: int) -> Response:
    """A photo of a record, to whoever may read the record; never cached."""
    record, _child, _access = load_record(record_id)
    found = next((p for p in record.photos if p.id == photo_id), None)
    if found is None:
        abort(404)
    return photo_response(record.tenant_id, found.photo_uid)


def photo_response(tenant_id: int, photo_uid: uuid.UUID) -> Response:
    response = make_response(load_photo(tenant_id, photo_uid))
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Cache-Control"] = "no-store"
    return response


# Group talk: one entry, one record per child ---------------------------------------------------


@bp.route("/talks/group", methods=("GET", "POST"))
@permission_required("care.talk")
def group_talk() -> Response:
    children = queries.group_talk_children(db.session, current_user.id)
    form = GroupTalkForm(children=children)
    if form.validate_on_submit():
        chosen = set(form.children.data)
        saved = service.record_group(
            db.session,
            group_uid=form.uid_value,
            children=[child for child in children if child.id in chosen],
            kind=CareKind.TALK,
            author_id=current_user.id,
            happened_on=form.happened_on.data,
            **form.record_values(),
        )
        db.session.commit()
        if not wants_partial(GROUP_ENTRY):
            flash(ngettext("Saved: %(num)d talk.", "Saved: %(num)d talks.", len(saved)), "success")
            return redirect(url_for(".group_talk_saved", group_uid=form.uid_value), code=303)
        return render(
            "care/group_talk.html",
            partial="care/_group_saved.html",
            target=GROUP_ENTRY,
            records=[s.record for s in saved],
        )
    return render(
        "care/group_talk.html",
        partial="care/_group_entry.html",
        target=GROUP_ENTRY,
        status=422 if form.errors else 200,
        form=form,
        children=children,
    )


@bp.route("/talks/groups/<uuid:group_uid>")
@permission_required("care.talk")
def group_talk_saved(group_uid: uuid.UUID) -> Response:
    """What a group entry made, for its author: one link per child's record."""
    records = queries.group_records(db.session, group_uid, current_user.id)
    if not records:
        abort(404)
    return render("care/group_saved.html", records=records)


# Care activities -----------------------------------------------------------------------------


@bp.route("/activities/")
@permission_required("care.activity")
def activities() -> Response:
    page = max(1, request.args.get("page", 1, type=int))
    found, has_next = queries.recent_activities(db.session, page)
    return render("care/activities.html", activities=found, page=page, has_next=has_next)


@bp.route("/activities/new", methods=("GET", "POST"))
@permission_required("care.activity")
def new_activity() -> Response:
    classes = queries.activity_classes(db.session, current_user.id, g.roles)
    school_class = chosen_class(classes, request.values.get("class_id", type=int))
    if school_class is None:  # first the class, then its children as chips
        return render("care/activity_new.html", classes=classes, school_class=None)
    children = queries.class_children(db.session, school_class, current_user.id, g.roles)
    form = ActivityForm(children=children)
    if form.validate_on_submit() and photos_allowed(
        form, [c for c in children if c.id in set(form.participant_ids())]
    ):
        saved = service.record_activity(
            db.session,
            uid=form.uid_value,
            title=form.title.data,
            theme=ActivityTheme(form.theme.data),
            happened_on=form.happened_on.data,
            place=form.place.data,
            summary=form.summary.data,
            class_id=school_class.id,
            organiser_id=current_user.id,
            child_ids=form.participant_ids(),
        )
        if saved.created:
            for data in form.shrunk_photos:
                service.add_activity_photo(
                    db.session, saved.activity, data, actor_id=current_user.id
                )
        db.session.commit()
        return activity_saved_response(saved.activity)
    return render(
        "care/activity_new.html",
        partial="care/_activity_entry.html",
        target=ACTIVITY_ENTRY,
        status=422 if form.errors else 200,
        form=form,
        school_class=school_class,
        classes=classes,
    )


def chosen_class(classes: list[SchoolClass], class_id: int | None) -> SchoolClass | None:
    """The class asked for; else one's own class, or the only one there is."""
    if class_id is not None:
        found = next((c for c in classes if c.id == class_id), None)
        if found is None:
            abort(404)
        return found
    own = [c for c in classes if c.teacher_id == current_user.id]
    if len(own) == 1:
        return own[0]
    return classes[0] if len(classes) == 1 else None


def activity_saved_response(activity: CareActivity) -> Response:
    if wants_partial(ACTIVITY_ENTRY):
        return render(
            "care/activity_new.html",
            partial="care/_activity_saved.html",
            target=ACTIVITY_ENTRY,
            activity=activity,
        )
    flash(_("Saved: %(title)s.", title=activity.title), "success")
    return redirect(url_for(".show_activity", activity_id=activity.id), code=303)


def load_activity(activity_id: int) -> CareActivity:
    activity = db.session.get(CareActivity, activity_id)  # another school's: not found
    if activity is None:
        abort(404)
    return activity


@bp.route("/activities/<int:activity_id>")
@permission_required("care.activity")
def show_activity(activity_id: int) -> Response:
    activity = load_activity(activity_id)
    seen = queries.activity_participants(db.session, activity, current_user.id, g.roles)
    return render(
        "care/activity.html",
        activity=activity,
        school_class=db.session.get(SchoolClass, activity.class_id) if activity.class_id else None,
        seen=seen,
        unseen=len(activity.participants) - len(seen),
        photos=queries.activity_photos(db.session, activity),
    )


@bp.route("/activities/<int:activity_id>/photos/<int:photo_id>")
@permission_required("care.activity")
def activity_photo(activity_id: int, photo_id: int) -> Response:
    """A photo of an activity, to whoever may open the activity; never cached."""
    activity = load_activity(activity_id)
    found = next(
        (p for p in queries.activity_photos(db.session, activity) if p.id == photo_id), None
    )
    if found is None:
        abort(404)
    return photo_response(activity.tenant_id, found.photo_uid)
