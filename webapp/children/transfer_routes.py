"""Transfers: sending a child's archive to another school in the deployment, and accepting one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import partial

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.care.models import CareKind
from webapp.children import queries, service, transfers
from webapp.children.access import Access, access_to
from webapp.children.disclosure import masked_value
from webapp.children.models import (
    CareAbility,
    ChildStatus,
    ChildTransfer,
    Gender,
    GuardianKind,
    GuardianRelation,
    LeftBehindType,
    ParentRelation,
    ParentSituation,
    StatusKind,
    TransferStatus,
)
from webapp.children.routes import duplicate_message, load_child
from webapp.children.transfer_forms import (
    AcceptForm,
    CancelForm,
    DeclineForm,
    SchoolSearchForm,
    SendForm,
)
from webapp.core.audit import AuditAction
from webapp.core.db import writes_on_get
from webapp.core.htmx import render
from webapp.core.i18n import local_today, long_date
from webapp.core.permissions import can, permission_required
from webapp.extensions import db
from webapp.privacy.queries import NoProtectionOfficer

bp = Blueprint("transfers", __name__, url_prefix="/transfers")

REFUSALS = {
    "school": _l("Choose another school of this system."),
    "status": _l("Only a child at school can be transferred."),
    "decided": _l("This transfer has already been decided."),
}


@bp.route("/")
@permission_required("children.transfer")
def index() -> Response:
    return render("transfers/index.html", lists=transfers.transfer_lists(db.session))


@bp.route("/children/<int:child_id>/send", methods=("GET", "POST"))
@permission_required("children.transfer")
def send(child_id: int) -> Response:
    child, _access = load_child(child_id, Access.FULL)
    search = SchoolSearchForm(request.args)
    form = SendForm()
    if child.status != ChildStatus.ACTIVE:
        flash(str(REFUSALS["status"]), "error")
        return redirect(url_for("school.children.card", child_id=child.id), code=303)
    if form.validate_on_submit():
        school = transfers.school_by_slug(db.session, form.school.data)
        try:
            if school is None:
                raise transfers.TransferRefused("school")
            transfers.send(
                db.session,
                child,
                to_school=school,
                actor_id=current_user.id,
                note=form.note.data,
                on=local_today(),
            )
        except transfers.TransferRefused as refused:
            form.school.errors.append(str(REFUSALS[refused.reason]))
        else:
            db.session.commit()
            flash(
                _("%(name)s's card was sent to %(school)s.", name=child.name, school=school.name),
                "success",
            )
            return redirect(url_for("school.children.card", child_id=child.id), code=303)
    return render(
        "transfers/send.html",
        partial="transfers/_schools.html",
        target="school-choices",
        child=child,
        form=form,
        search=search,
        schools=_school_choices(search.q.data or "", form.school.data),
        status=422 if form.errors else 200,
    )


def _school_choices(text: str, chosen_slug: str | None) -> list:
    """The schools found by the search, and the one already chosen (a form sent back to be
    corrected keeps its choice even though the search was typed on another request)."""
    schools = transfers.find_schools(db.session, text)
    chosen = transfers.school_by_slug(db.session, chosen_slug) if chosen_slug else None
    if chosen is not None and chosen not in schools and chosen.id != g.tenant.id:
        schools.insert(0, chosen)
    return schools


@bp.route("/children/<int:child_id>/cancel", methods=("POST",))
@permission_required("children.transfer")
def cancel(child_id: int) -> Response:
    child, _access = load_child(child_id, Access.FULL)
    if CancelForm().validate_on_submit():
        try:
            transfers.cancel(db.session, child, actor_id=current_user.id, on=local_today())
        except transfers.TransferRefused:
            flash(_("This transfer can no longer be taken back."), "error")
        else:
            db.session.commit()
            flash(
                _("The transfer was taken back; %(name)s is at school.", name=child.name), "success"
            )
    return redirect(url_for("school.children.card", child_id=child.id), code=303)


def load_transfer(transfer_id: int) -> ChildTransfer:
    transfer = db.session.get(ChildTransfer, transfer_id)
    if transfer is None:
        abort(404)
    return transfer


def may_read_copy(transfer: ChildTransfer) -> bool:
    """The copy of an accepted transfer is read by leaders and by whoever sees the new card."""
    if transfer.status != TransferStatus.ACCEPTED or transfer.received_child is None:
        return False
    if can("children.transfer"):
        return True
    access = access_to(db.session, transfer.received_child, current_user.id, g.roles)
    return access == Access.FULL


def preview_of(transfer: ChildTransfer) -> list[tuple[str, str]]:
    """What the receiving school sees before it accepts: enough to choose a class."""
    card = transfers.read_snapshot(transfer)["card"]
    born = date.fromisoformat(card["birth_date"])
    return [
        (_("Sex"), Gender(card["gender"]).label),
        (_("Born"), long_date(born)),
        (_("Class"), _text(card.get("class_name"))),
    ]


def render_transfer(transfer: ChildTransfer, *, accept_form=None, decline_form=None, status=200):
    return render(
        "transfers/transfer.html",
        transfer=transfer,
        preview=preview_of(transfer) if transfer.status == TransferStatus.PENDING else [],
        accept_form=accept_form
        or AcceptForm(classes=queries.school_classes(db.session), effective_on=local_today()),
        decline_form=decline_form or DeclineForm(),
        status=status,
    )


@bp.route("/<int:transfer_id>")
@writes_on_get
@permission_required("children.view")  # leaders decide; the new class's teacher reads the copy
def show(transfer_id: int) -> Response:
    transfer = load_transfer(transfer_id)
    if transfer.status == TransferStatus.ACCEPTED:
        if not may_read_copy(transfer):
            abort(404)
        service.record_disclosure(
            db.session,
            transfer.received_child,
            AuditAction.VIEW,
            actor_id=current_user.id,
            field="",
            subject="child_transfer",
            subject_id=transfer.id,
        )
        db.session.commit()
        return render(
            "transfers/copy.html",
            transfer=transfer,
            sections=copy_sections(transfers.read_snapshot(transfer)),
        )
    if not can("children.transfer"):
        abort(404)
    return render_transfer(transfer)


@bp.route("/<int:transfer_id>/accept", methods=("POST",))
@permission_required("children.transfer")
def accept(transfer_id: int) -> Response:
    transfer = load_transfer(transfer_id)
    classes = queries.school_classes(db.session)
    form = AcceptForm(classes=classes)
    if form.validate_on_submit():
        school_class = next(c for c in classes if c.id == form.class_id.data)
        try:
            child = transfers.accept(
                db.session,
                transfer,
                school_class=school_class,
                actor_id=current_user.id,
                on=form.effective_on.data,
            )
        except transfers.TransferRefused as refused:
            flash(str(REFUSALS[refused.reason]), "error")
            return redirect(url_for(".index"), code=303)
        except service.DuplicateIdNumber as duplicate:
            form.class_id.errors.append(duplicate_message(duplicate.existing))
        except NoProtectionOfficer as missing:
            db.session.rollback()
            flash(str(missing.message), "error")
            return redirect(url_for("school.privacy.index"), code=303)
        else:
            db.session.commit()
            flash(
                _("%(name)s joins %(class_name)s.", name=child.name, class_name=school_class.name),
                "success",
            )
            return redirect(url_for("school.children.card", child_id=child.id), code=303)
    return render_transfer(transfer, accept_form=form, status=422)


@bp.route("/<int:transfer_id>/decline", methods=("POST",))
@permission_required("children.transfer")
def decline(transfer_id: int) -> Response:
    transfer = load_transfer(transfer_id)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            transfers.decline(
                db.session,
                transfer,
                actor_id=current_user.id,
                reason=form.reason.data,
                on=local_today(),
            )
        except transfers.TransferRefused as refused:
            flash(str(REFUSALS[refused.reason]), "error")
        else:
            db.session.commit()
            flash(
                _("Declined; %(school)s has been told why.", school=transfer.from_tenant.name),
                "success",
            )
        return redirect(url_for(".index"), code=303)
    return render_transfer(transfer, decline_form=form, status=422)


@dataclass
class CopySection:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    empty: str = ""


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _label(choice: type, value: str | None) -> str:
    return choice(value).label if value else _("Not recorded")


def _text(value: object) -> str:
    return str(value) if value not in (None, "") else _("Not recorded")


def _day(value: str | None) -> str:
    return long_date(date.fromisoformat(value)) if value else _("Not recorded")


def copy_sections(copy: dict) -> list[CopySection]:
    """The copy of a card as the paper form reads it: sensitive values masked, never revealed
    here (the card made from it holds them, behind its own reveal)."""
    card = copy["card"]
    masked = partial(masked_value, "child")
    identity = CopySection(
        _("Card at %(school)s", school=copy["school"]),
        [
            (_("Name"), card["name"]),
            (_("Sex"), _label(Gender, card["gender"])),
            (_("Born"), _day(card["birth_date"])),
            (_("Ethnicity"), _text(card.get("ethnicity"))),
            (_("ID number"), masked("id_number", card.get("id_number"))),
            (_("Student register no."), masked("student_no", card.get("student_no"))),
            (_("Class"), _text(card.get("class_name"))),
            (_("Enrolled"), _day(card.get("enrolled_on"))),
            (_("Address"), masked("address", card.get("address"))),
            (_("Household registration"), masked("hukou_place", card.get("hukou_place"))),
            (_("Boarding"), _yes_no(card.get("is_boarder"))),
            (_("School bus"), card.get("bus_note") or _yes_no(card.get("rides_bus"))),
            (_("Allergies"), masked("allergies", card.get("allergies"))),
            (_("Chronic illness"), masked("chronic_illness", card.get("chronic_illness"))),
            (_("Disability"), masked("disability", card.get("disability"))),
            (_("Character"), _text(card.get("character"))),
            (_("Interests"), _text(card.get("interests"))),
            (_("Education register"), _label(LeftBehindType, card.get("left_behind_type"))),
            (_("Migrant child"), _yes_no(card.get("is_migrant"))),
            (_("Difficulties"), masked("difficulty_types", card.get("difficulty_types"))),
            (_("Three specials"), masked("three_special", card.get("three_special"))),
            (_("Family type"), masked("family_types", card.get("family_types"))),
        ],
    )
    sections = [identity]
    for parent in copy["parents"]:
        title = ParentRelation(parent["relation"]).label
        sections.append(
            CopySection(
                f"{title} · {parent['name']}" if parent.get("name") else title,
                [
                    (_("Where"), _label(ParentSituation, parent.get("situation"))),
                    (
                        _("Works in"),
                        _text(
                            (parent.get("work_province") or "") + (parent.get("work_city") or "")
                        ),
                    ),
                    (_("Away since"), _day(parent.get("away_since"))),
                    (_("Expected home"), _text(parent.get("expected_return"))),
                    (_("Employer"), masked_value("parent", "employer", parent.get("employer"))),
                    (_("Phone"), masked_value("parent", "phone", parent.get("phone"))),
                ],
            )
        )
    for guardian in copy["guardians"]:
        rows = [
            (_("Role"), _label(GuardianKind, guardian.get("kind"))),
            (_("Age"), _text(guardian.get("age"))),
            (_("Able to care"), _label(CareAbility, guardian.get("care_ability"))),
            (_("Phone"), masked_value("guardian", "phone", guardian.get("phone"))),
            (_("Address"), masked_value("guardian", "address", guardian.get("address"))),
            (_("Collects the child"), _yes_no(guardian.get("may_pick_up"))),
        ]
        if guardian.get("ended_on"):
            rows.append((_("No longer cares for the child from"), _day(guardian["ended_on"])))
        relation = _label(GuardianRelation, guardian.get("relation"))
        sections.append(CopySection(f"{guardian['name']} · {relation}", rows))
    history = CopySection(_("Status history"))
    for change in copy["history"]:
        kind = StatusKind(change["kind"])
        values = ChildStatus if kind == StatusKind.ENROLMENT else LeftBehindType
        text = _(
            "%(kind)s: %(before)s → %(after)s",
            kind=kind.label,
            before=values(change["from"]).label,
            after=values(change["to"]).label,
        )
        extra = [part for part in (change.get("school"), change.get("reason")) if part]
        history.rows.append((_day(change["effective_on"]), " · ".join([text, *extra])))
    sections.append(history)
    records = CopySection(_("Care records"), empty=_("No record yet."))
    for record in copy.get("records", []):
        label = CareKind(record["kind"]).label
        who = " · ".join(part for part in (label, record.get("author")) if part)
        records.rows.append((_day(record["happened_on"]), f"{who}：{record.get('notes') or ''}"))
    sections.append(records)
    return sections
