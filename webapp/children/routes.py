"""The child list, the card, its edits, and every disclosure (reveal, call, history)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, g, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from webapp.auth.step_up import step_up_required
from webapp.care.kinds import contact_after_call
from webapp.children import queries, service, transfers
from webapp.children.access import (
    Access,
    access_to,
    may_call,
    may_edit,
    may_reveal,
    note_grant_use,
)
from webapp.children.disclosure import field_label, fields_of, phone_of, resolve
from webapp.children.forms import (
    CallForm,
    CareForm,
    EndGuardianForm,
    GuardianForm,
    IdentityForm,
    LivingForm,
    ParentForm,
    PhotoForm,
    RevealForm,
    StatusForm,
)
from webapp.children.models import Child, ChildStatus, Guardian, ParentRelation, ThreeSpecial
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.db import utcnow, writes_on_get
from webapp.core.files import NotAnImage, load_photo
from webapp.core.htmx import is_htmx_request, render, wants_partial
from webapp.core.i18n import local_today, long_date, short_datetime
from webapp.core.permissions import can, permission_required
from webapp.extensions import db
from webapp.incidents.access import audit_actor_label
from webapp.privacy import queries as privacy_queries
from webapp.privacy import service as privacy_service

bp = Blueprint("children", __name__, url_prefix="/children")

SECTIONS = {"identity": IdentityForm, "living": LivingForm, "care": CareForm}


# The class comes with the child: the access check and nearly every page read it.
WITH_CLASS = (joinedload(Child.school_class),)
# The whole card in one query: a child has two parents, a few guardians and status changes.
WITH_CARD = (
    *WITH_CLASS,
    joinedload(Child.parents),
    joinedload(Child.guardians),
    joinedload(Child.status_changes),
)


def load_child(
    child_id: int, need: Access = Access.ROSTER, options: tuple = WITH_CLASS
) -> tuple[Child, Access]:
    """The child and how much of the card the user may see; a child out of reach is not found."""
    child = db.session.get(Child, child_id, options=options)
    if child is None:
        abort(404)
    access = access_to(db.session, child, current_user.id, g.roles)
    if access < need:
        abort(404)
    return child, access


def filters_from(args: MultiDict) -> queries.ChildFilters:
    care = args.get("care", "")
    three = args.get("three_special", "")
    return queries.ChildFilters(
        text=args.get("q", "")[:30],
        class_id=args.get("class_id", type=int),
        care=care if care in queries.CARE_FILTERS else "",
        three_special=three if three in ThreeSpecial._value2member_map_ else "",
        boarder=args.get("boarder") == "1",
        bus=args.get("bus") == "1",
        incomplete=args.get("incomplete") == "1",
        left_school=args.get("left") == "1",
        page=max(1, args.get("page", 1, type=int)),
    )


@bp.route("/")
@permission_required("children.list")
def index() -> Response:
    filters = filters_from(request.args)
    page = queries.search_children(db.session, current_user.id, g.roles, filters, local_today())
    return render(
        "children/index.html",
        partial="children/_list.html",
        target="child-list",
        page=page,
        filters=filters,
        # The list alone (htmx) draws no filters: their classes are not read for it.
        classes=[]
        if wants_partial("child-list")
        else queries.visible_classes(db.session, current_user.id, g.roles),
        care_filters=queries.CARE_FILTERS,
        three_special_choices=ThreeSpecial.choices(),
    )


@bp.route("/new", methods=("GET", "POST"))
@permission_required("children.create")
def new() -> Response:
    if privacy_queries.officer(db.session) is None:
        return render("privacy/officer_needed.html", status=409)
    classes = queries.visible_classes(db.session, current_user.id, g.roles)
    form = IdentityForm(classes=classes, class_id=request.args.get("class_id", type=int))
    if form.validate_on_submit():
        values = form.card_values()
        class_id = values.pop("class_id")  # once: not inside the search (a second class failed)
        school_class = next((c for c in classes if c.id == class_id), None)
        try:
            child = service.register_child(
                db.session, actor_id=current_user.id, school_class=school_class, **values
            )
        except service.DuplicateIdNumber as duplicate:
            form.id_number.errors.append(duplicate_message(duplicate.existing))
        else:
            db.session.commit()
            flash(_("%(name)s's card was created.", name=child.name), "success")
            return redirect(url_for(".card", child_id=child.id), code=303)
    return render("children/new.html", form=form, status=422 if form.errors else 200)


def duplicate_message(existing: Child) -> str:
    return _(
        "This school already has a card with this ID number (%(name)s, %(class_name)s).",
        name=existing.name,
        class_name=existing.school_class.name if existing.school_class else _("no class"),
    )


@bp.route("/<int:child_id>")
@writes_on_get
@permission_required("children.view")
def card(child_id: int) -> Response:
    child, access = load_child(child_id, options=WITH_CARD)
    if access >= Access.PAIRING:
        service.record_disclosure(
            db.session, child, AuditAction.VIEW, actor_id=current_user.id, field=""
        )
        privacy_service.note_card_view(db.session, current_user.id)
    family_withheld = privacy_queries.family_withheld(
        db.session, child.id, full_card=access == Access.FULL, roles=g.roles
    )
    response = render(
        "children/card.html",
        child=child,
        access=access,
        Access=Access,
        child_fields=fields_of(child, "child", child),
        child_fields_for=fields_of,
        may_edit=may_edit(access, g.roles),
        may_reveal=may_reveal(access, g.roles),
        may_call=may_call(access, g.roles) and not family_withheld,
        family_withheld=family_withheld,
        consents=privacy_queries.consents_in_force(db.session, child.id)
        if access >= Access.PAIRING
        else [],
        granted_fields=privacy_queries.granted_field_names(db.session, current_user.id)
        if access == Access.PAIRING
        else frozenset(),
        gaps=queries.archive_gaps(child) if access == Access.FULL else [],
        may_export_for_guardian=access == Access.FULL
        and (
            can("privacy.guardian_export")
            or privacy_queries.is_officer(db.session, current_user.id)
        ),
        today=local_today(),
        **_transfer_context(child, access),
    )
    # The look is logged before the page leaves: committed after drawing it, so the commit's
    # expiry does not make the drawing load the card a second time.
    db.session.commit()
    return response


def _transfer_context(child: Child, access: Access) -> dict:
    """Where a waiting transfer goes, and the copy a card was made from (full cards only)."""
    if access != Access.FULL:
        return {"destination": None, "received": None}
    pending = child.status == ChildStatus.TRANSFER_PENDING
    came_from_elsewhere = any(
        change.other_tenant_id and change.to_value == ChildStatus.ACTIVE
        for change in child.status_changes
    )
    return {
        "destination": transfers.destination_of(db.session, child) if pending else None,
        "received": transfers.received_from(db.session, child) if came_from_elsewhere else None,
    }


def _audit_edit_opened(child: Child, keys: list[str]) -> None:
    """Opening an edit form shows the plain values: that is a disclosure, and is logged."""
    shown = [key for key in keys if (field := resolve(child, key)) and field.value]
    if shown:
        for key in shown:
            service.record_disclosure(
                db.session,
                child,
                AuditAction.REVEAL,
                actor_id=current_user.id,
                field=key,
                reason=_("Opened to edit"),
            )
        db.session.commit()


@bp.route("/<int:child_id>/edit/<section>", methods=("GET", "POST"))
@writes_on_get
@permission_required("children.edit")
def edit(child_id: int, section: str) -> Response:
    child, _access = load_child(child_id, Access.FULL)
    if section not in SECTIONS:
        abort(404)
    classes = queries.visible_classes(db.session, current_user.id, g.roles)
    options = {"classes": classes} if section == "identity" else {}
    form = SECTIONS[section](obj=child, **options)
    if form.validate_on_submit():
        try:
            service.update_child(
                db.session,
                child,
                actor_id=current_user.id,
                expected_version=form.expected_version(),
                **form.card_values(),
            )
        except service.DuplicateIdNumber as duplicate:
            form.id_number.errors.append(duplicate_message(duplicate.existing))
        except service.StaleCard:
            db.session.rollback()  # nothing of this save is kept but what was typed
            return _edit_conflict(form, child, section, options)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".card", child_id=child.id) + f"#{section}", code=303)
    elif request.method == "GET":
        _audit_edit_opened(child, [f"child.{name}" for name in form.data])
    return render(
        "children/edit.html",
        form=form,
        child=child,
        section=section,
        status=422 if form.errors else 200,
    )


def _edit_conflict(form: Any, child: Child, section: str, options: dict) -> Response:
    """Someone saved the card after this form was opened: the typed values stay in the form,
    the saved ones are shown beside them, and saving again overwrites knowingly."""
    saved = SECTIONS[section](formdata=None, obj=child, **options)
    conflict = _conflict(form, saved, child, child, "child")
    return render(
        "children/edit.html",
        form=form,
        child=child,
        section=section,
        conflict=conflict,
        status=422,
    )


def _conflict(form: Any, saved: Any, child: Child, record: Any, subject: str) -> dict:
    """What the conflict box says: who saved the record and when, and the fields where what
    they saved differs from what was typed. Showing the saved values is a disclosure, as
    opening the form is, and is logged the same way."""
    differences = [
        (mine.label.text, shown_value(saved[mine.name]), shown_value(mine))
        for mine in form
        if mine.type not in ("CSRFTokenField", "HiddenField", "FileField")
        and shown_value(saved[mine.name]) != shown_value(mine)
    ]
    form.keep_typed_over(record.version)
    owner_id = None if subject == "child" else record.id
    last = queries.last_card_change(db.session, child.id, subject, owner_id)
    if last is not None and last[0]:
        message = _(
            "%(name)s changed this card at %(time)s, after you opened it.",
            name=last[0],
            time=short_datetime(last[1]),
        )
    else:
        message = _("Someone changed this card after you opened it.")
    prefix = "child" if subject == "child" else f"{subject}.{record.id}"
    _audit_edit_opened(child, [f"{prefix}.{mine.name}" for mine in form])
    return {"message": message, "differences": differences}


def shown_value(field: Any) -> str:
    """A field's value as a person reads it: the label of a choice, 是/否, a date in words."""
    data = field.data
    if field.type == "BooleanField":
        return _("Yes") if data else _("No")
    if hasattr(field, "iter_choices"):
        return "、".join(str(option.label.text) for option in field if option.checked) or "—"
    if isinstance(data, date):
        return long_date(data)
    return str(data) if data not in (None, "") else "—"


@bp.route("/<int:child_id>/parents/<relation>", methods=("GET", "POST"))
@writes_on_get
@permission_required("children.edit")
def edit_parent(child_id: int, relation: str) -> Response:
    child, _access = load_child(child_id, Access.FULL)
    if relation not in ParentRelation._value2member_map_:
        abort(404)
    parent = child.parent(ParentRelation(relation))
    form = ParentForm(obj=parent)
    conflict = None
    if form.validate_on_submit():
        conflict = _save_person(form, child, parent, "parent", service.update_parent)
        if conflict is None:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".card", child_id=child.id) + "#parents", code=303)
    if request.method == "GET":
        _audit_edit_opened(child, [f"parent.{parent.id}.{name}" for name in form.data])
    return render(
        "children/person_form.html",
        form=form,
        child=child,
        person=parent,
        title=parent.relation.label,
        conflict=conflict,
        status=422 if form.errors or conflict else 200,
    )


def _save_person(
    form: ParentForm | GuardianForm, child: Child, person: Any, subject: str, update: Any
) -> dict | None:
    """Saves a parent or guardian at the version the form was opened at: None when saved, else
    the conflict box (someone saved it meanwhile; nothing of this save is kept but what was
    typed)."""
    values = form.parent_values() if subject == "parent" else form.guardian_values()
    try:
        update(
            db.session,
            person,
            actor_id=current_user.id,
            expected_version=form.expected_version(),
            **values,
        )
    except service.StaleCard:
        db.session.rollback()
        saved = type(form)(formdata=None, obj=person)
        return _conflict(form, saved, child, person, subject)
    return None


@bp.route("/<int:child_id>/guardians/new", methods=("GET", "POST"))
@permission_required("children.edit")
def new_guardian(child_id: int) -> Response:
    child, _access = load_child(child_id, Access.FULL)
    form = GuardianForm()
    if form.validate_on_submit():
        guardian = service.add_guardian(
            db.session, child, actor_id=current_user.id, **form.guardian_values()
        )
        if _saved_photo(form, guardian):
            db.session.commit()
            return redirect(url_for(".card", child_id=child.id) + "#guardians", code=303)
    return render(
        "children/person_form.html",
        form=form,
        child=child,
        person=None,
        title=_("New guardian"),
        status=422 if form.errors else 200,
    )


def _saved_photo(form: GuardianForm, guardian: Guardian) -> bool:
    upload = form.photo.data
    if not upload:
        return True
    try:
        service.set_photo(db.session, guardian, upload.read(), actor_id=current_user.id)
    except NotAnImage:
        db.session.rollback()
        form.photo.errors.append(_("This file is not a photo we can use."))
        return False
    return True


@bp.route("/<int:child_id>/guardians/<int:guardian_id>", methods=("GET", "POST"))
@writes_on_get
@permission_required("children.edit")
def edit_guardian(child_id: int, guardian_id: int) -> Response:
    child, _access = load_child(child_id, Access.FULL)
    guardian = next((x for x in child.guardians if x.id == guardian_id), None) or abort(404)
    form = GuardianForm(obj=guardian)
    conflict = None
    if form.validate_on_submit():
        conflict = _save_person(form, child, guardian, "guardian", service.update_guardian)
        if conflict is None and _saved_photo(form, guardian):
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".card", child_id=child.id) + "#guardians", code=303)
    if request.method == "GET":
        _audit_edit_opened(child, [f"guardian.{guardian.id}.{name}" for name in form.data])
    return render(
        "children/person_form.html",
        form=form,
        child=child,
        person=guardian,
        title=guardian.name,
        end_form=EndGuardianForm(ended_on=local_today()),
        conflict=conflict,
        status=422 if form.errors or conflict else 200,
    )


@bp.route("/<int:child_id>/guardians/<int:guardian_id>/end", methods=("POST",))
@permission_required("children.edit")
def end_guardian(child_id: int, guardian_id: int) -> Response:
    child, _access = load_child(child_id, Access.FULL)
    guardian = next((x for x in child.guardians if x.id == guardian_id), None) or abort(404)
    form = EndGuardianForm()
    if form.validate_on_submit():
        service.end_guardian(db.session, guardian, actor_id=current_user.id, on=form.ended_on.data)
        db.session.commit()
        flash(
            _("%(name)s no longer cares for the child; the record is kept.", name=guardian.name),
            "success",
        )
    return redirect(url_for(".card", child_id=child.id) + "#guardians", code=303)


@bp.route("/<int:child_id>/photo/edit", methods=("GET", "POST"))
@permission_required("children.edit")
def edit_photo(child_id: int) -> Response:
    child, _access = load_child(child_id, Access.FULL)
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            service.set_photo(db.session, child, form.photo.data.read(), actor_id=current_user.id)
        except NotAnImage:
            form.photo.errors.append(_("This file is not a photo we can use."))
        else:
            db.session.commit()
            return redirect(url_for(".card", child_id=child.id), code=303)
    return render(
        "children/photo_form.html", form=form, child=child, status=422 if form.errors else 200
    )


def _photo_response(tenant_id: int, photo_uid) -> Response:
    response = make_response(load_photo(tenant_id, photo_uid))
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:child_id>/photo")
@permission_required("children.view")
def photo(child_id: int) -> Response:
    child, _access = load_child(child_id, Access.FULL)
    if child.photo_uid is None:
        abort(404)
    return _photo_response(child.tenant_id, child.photo_uid)


@bp.route("/<int:child_id>/guardians/<int:guardian_id>/photo")
@permission_required("children.view")
def guardian_photo(child_id: int, guardian_id: int) -> Response:
    child, _access = load_child(child_id, Access.FULL)
    guardian = next((x for x in child.guardians if x.id == guardian_id), None)
    if guardian is None or guardian.photo_uid is None:
        abort(404)
    return _photo_response(child.tenant_id, guardian.photo_uid)


@bp.route("/<int:child_id>/status", methods=("GET", "POST"))
@permission_required("children.status")
def change_status(child_id: int) -> Response:
    child, _access = load_child(child_id, Access.FULL)
    form = StatusForm(status=child.status, effective_on=local_today())
    if form.validate_on_submit():
        service.change_status(
            db.session,
            child,
            actor_id=current_user.id,
            to=ChildStatus(form.status.data),
            effective_on=form.effective_on.data,
            reason=form.reason.data,
        )
        db.session.commit()
        flash(_("Status changed; the earlier status is kept in the history."), "success")
        return redirect(url_for(".card", child_id=child.id), code=303)
    return render(
        "children/status.html", form=form, child=child, status=422 if form.errors else 200
    )


@bp.route("/<int:child_id>/reveal", methods=("GET", "POST"))
@permission_required("children.view")  # children.reveal, or a field grant: checked below
@step_up_required
def reveal(child_id: int) -> Response:
    child, access = load_child(child_id, Access.PAIRING)
    form = RevealForm(field=request.args.get("field", ""))
    field = resolve(child, form.field.data or "")
    if field is None:
        abort(404)
    grant = None
    if not may_reveal(access, g.roles):
        # Beyond the role: a grant of this kind of field, in force, lets a paired carer see it.
        category = privacy_queries.category_of(field.subject, field.attribute)
        grant = privacy_queries.field_grant(db.session, current_user.id, category, utcnow())
        if grant is None:
            abort(404 if can("children.reveal") else 403)
    shown = None
    status = 200
    if form.validate_on_submit():
        try:
            privacy_service.check_reveal_allowed(db.session, current_user.id)
        except privacy_service.RevealLimitReached:
            db.session.commit()  # the officer's alert stays
            form.reason.errors.append(REVEAL_LIMIT_MESSAGE)
            return _reveal_page(form, child, field, None, status=429)
        if grant is not None:
            note_grant_use(grant.id, child.id)
        service.record_disclosure(
            db.session,
            child,
            AuditAction.REVEAL,
            actor_id=current_user.id,
            field=field.key,
            subject=field.subject,
            subject_id=field.owner_id,
            reason=form.reason_text(),
        )
        db.session.commit()
        shown = field.shown
    elif form.errors:
        status = 422
    return _reveal_page(form, child, field, shown, status=status)


REVEAL_LIMIT_MESSAGE = _l(
    "You have revealed 30 fields today, the most a day allows. The school's protection officer "
    "has been told; ask them if you need more."
)


def _reveal_page(
    form: RevealForm, child: Child, field: Any, shown: str | None, *, status: int
) -> Response:
    partial = "children/_revealed.html" if shown is not None else "children/_reveal_form.html"
    return render(
        "children/reveal.html",
        partial=partial,
        target=field.dom_id,
        form=form,
        child=child,
        field=field,
        shown=shown,
        status=status,
    )


@bp.route("/<int:child_id>/call", methods=("POST",))
@permission_required("children.call")
def call(child_id: int) -> Response:
    child, access = load_child(child_id, Access.PAIRING)
    form = CallForm()
    person = phone_of(child, form.person.data or "") if form.validate_on_submit() else None
    if person is None or not may_call(access, g.roles):
        abort(404)
    if privacy_queries.family_withheld(
        db.session, child.id, full_card=access == Access.FULL, roles=g.roles
    ):
        abort(404)  # the guardian has not agreed to share the family with volunteers
    subject, subject_id, name, phone = person
    service.record_disclosure(
        db.session,
        child,
        AuditAction.CALL,
        actor_id=current_user.id,
        field=f"{subject}.{subject_id}.phone",
        subject=subject,
        subject_id=subject_id,
    )
    db.session.commit()
    # The contact record, filled in (that person, by phone, we called, today), opens with the
    # dialler, so the call is written down while it is fresh.
    contact = contact_after_call(child, f"{subject}.{subject_id}", access, g.roles)
    entry = {"spec": contact[0], "form": contact[1], "heading": _("Write down the call")}
    entry = entry if contact else {}
    if not is_htmx_request():
        return render("children/call.html", child=child, name=name, phone=phone, **entry)
    # The number travels in an event app.js hands to the dialler: the page never holds it.
    dial = {"HX-Trigger": json.dumps({"dial": {"number": phone}})}
    if not contact:
        return Response(status=204, headers=dial)
    response = render(
        "children/call.html", partial="care/_entry.html", target="care-entry", child=child, **entry
    )
    response.headers.update(dial)
    return response


@bp.route("/<int:child_id>/history")
@permission_required("children.audit")
def history(child_id: int) -> Response:
    child, _access = load_child(child_id, Access.FULL)
    events = audit.events_for_child(db.session, child.id)
    return render(
        "children/history.html",
        child=child,
        events=events,
        field_labels=lambda event: "、".join(field_label(name) for name in event.fields),
        hidden_actor=lambda event: audit_actor_label(event, g.roles),
    )
