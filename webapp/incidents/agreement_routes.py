"""Safety responsibility agreements (安全责任书) and custody agreements (托管协议): per class and
school year, who has signed and who is still missing; recording one with its scan; the scan,
served only to those who keep the class's paperwork and never cached."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.children.models import Child
from webapp.core.files import PDF, load_sealed
from webapp.core.htmx import render
from webapp.core.i18n import local_today
from webapp.core.permissions import can, permission_required
from webapp.extensions import db
from webapp.incidents import queries, service
from webapp.incidents.forms import AgreementForm
from webapp.incidents.lesson_routes import load_class
from webapp.incidents.models import Agreement, AgreementKind
from webapp.tenants.models import SchoolYear

bp = Blueprint("agreements", __name__, url_prefix="/agreements")


def chosen_kind() -> AgreementKind:
    return AgreementKind._value2member_map_.get(request.args.get("kind", ""), AgreementKind.SAFETY)


def chosen_year() -> SchoolYear:
    year = queries.school_year_of(db.session, request.args.get("year_id", type=int), local_today())
    if year is None:
        abort(404)  # no school year set up yet, or another school's
    return year


@bp.route("/")
@permission_required("incidents.safety_paperwork")
def index() -> Response:
    classes = queries.paperwork_classes(db.session, current_user.id, g.roles)
    if len(classes) == 1 and not can("incidents.every_class"):
        return redirect(url_for(".class_agreements", class_id=classes[0].id))
    year = queries.school_year_of(db.session, request.args.get("year_id", type=int), local_today())
    return render(
        "incidents/agreements/index.html",
        classes=classes,
        year=year,
        years=queries.school_years(db.session),
        board=queries.agreement_board(db.session, classes, year) if year else {},
        kinds=list(AgreementKind),
    )


@bp.route("/classes/<int:class_id>")
@permission_required("incidents.safety_paperwork")
def class_agreements(class_id: int) -> Response:
    school_class = load_class(class_id)
    year, kind = chosen_year(), chosen_kind()
    return render(
        "incidents/agreements/class.html",
        school_class=school_class,
        year=year,
        years=queries.school_years(db.session),
        kind=kind,
        kinds=list(AgreementKind),
        found=queries.class_agreements(db.session, school_class, year, kind),
    )


def load_child_of_my_class(child_id: int) -> Child:
    child = db.session.get(Child, child_id)
    if child is None or child.class_id is None:
        abort(404)
    load_class(child.class_id)
    return child


@bp.route("/children/<int:child_id>/new", methods=("GET", "POST"))
@permission_required("incidents.safety_paperwork")
def new_agreement(child_id: int) -> Response:
    child = load_child_of_my_class(child_id)
    year, kind = chosen_year(), chosen_kind()
    existing = service.find_agreement(db.session, child.id, year.id, kind)
    if existing is not None and request.method == "GET":
        return redirect(url_for(".show_agreement", agreement_id=existing.id))
    form = AgreementForm()
    if not form.is_submitted():
        prefill_signer(form, child)
    if form.validate_on_submit():
        try:
            made = service.record_agreement(
                db.session,
                uid=form.uid_value,
                child=child,
                school_year=year,
                kind=kind,
                scan=form.prepared_scan,
                actor_id=current_user.id,
                **form.values(),
            )
        except service.UidTaken:
            abort(400)
        except service.AlreadyRecorded as recorded:
            flash(_("This agreement was recorded already; correct it here."), "info")
            return redirect(url_for(".show_agreement", agreement_id=recorded.agreement.id))
        db.session.commit()
        if made.created:
            flash(_("Saved: %(kind)s of %(name)s.", kind=kind.label, name=child.name), "success")
        return redirect(
            url_for(".class_agreements", class_id=child.class_id, kind=kind.value, year_id=year.id)
            + f"#child-{child.id}",
            code=303,
        )
    return render(
        "incidents/agreements/new.html",
        status=422 if form.errors else 200,
        form=form,
        child=child,
        year=year,
        kind=kind,
    )


def prefill_signer(form: AgreementForm, child: Child) -> None:
    """The child's first guardian, who signs most agreements; one tap to change."""
    guardian = next(iter(child.active_guardians), None)
    if guardian is not None:
        form.signer.data = guardian.name
        form.relation.data = guardian.relation.value


def load_agreement(agreement_id: int) -> Agreement:
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None:
        abort(404)
    load_child_of_my_class(agreement.child_id)
    return agreement


@bp.route("/<int:agreement_id>")
@permission_required("incidents.safety_paperwork")
def show_agreement(agreement_id: int) -> Response:
    agreement = load_agreement(agreement_id)
    return render(
        "incidents/agreements/show.html",
        agreement=agreement,
        year=db.session.get(SchoolYear, agreement.school_year_id),
    )


@bp.route("/<int:agreement_id>/edit", methods=("GET", "POST"))
@permission_required("incidents.safety_paperwork")
def edit_agreement(agreement_id: int) -> Response:
    agreement = load_agreement(agreement_id)
    form = AgreementForm()
    if not form.is_submitted():
        form.signer.data = agreement.signer
        form.relation.data = agreement.relation.value if agreement.relation else None
        form.signed_on.data = agreement.signed_on
    if form.validate_on_submit():
        service.correct_agreement(
            db.session,
            agreement,
            scan=form.prepared_scan,
            actor_id=current_user.id,
            **form.values(),
        )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".show_agreement", agreement_id=agreement.id), code=303)
    return render(
        "incidents/agreements/edit.html",
        status=422 if form.errors else 200,
        form=form,
        agreement=agreement,
    )


@bp.route("/<int:agreement_id>/scan")
@permission_required("incidents.safety_paperwork")
def scan(agreement_id: int) -> Response:
    agreement = load_agreement(agreement_id)
    if agreement.scan_uid is None:
        abort(404)
    response = make_response(load_sealed(agreement.tenant_id, agreement.scan_uid))
    response.headers["Content-Type"] = agreement.scan_type or "image/jpeg"
    response.headers["Cache-Control"] = "no-store"
    if agreement.scan_type == PDF:  # opened by the phone's own viewer, never in our pages
        response.headers["Content-Disposition"] = 'attachment; filename="agreement.pdf"'
    return response
