"""Write-offs (报废): the keeper asks (or sends the draft a stocktake made), a department head
countersigns, the principal approves or rejects; a printable form with signature lines goes in
the paper ledger. Until the principal approves, the items stay in the ledger."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.assets import queries, service
from webapp.assets.forms import DecisionForm, reasons_form, reasons_of, write_off_form
from webapp.assets.loading import load_write_off, refusal
from webapp.assets.models import WriteOff, WriteOffStatus, normalise_code
from webapp.core.htmx import render
from webapp.core.permissions import can, permission_required
from webapp.extensions import db

bp = Blueprint("write_offs", __name__, url_prefix="/write-offs")

# Who acts on a write-off at each step.
STEP_PERMISSION = {
    WriteOffStatus.DRAFT: "assets.manage",
    WriteOffStatus.REQUESTED: "assets.countersign",
    WriteOffStatus.SIGNED: "assets.approve",
}


@bp.route("/")
@permission_required("assets.view")
def index() -> Response:
    return render("assets/write_offs.html", write_offs=queries.write_offs(db.session))


@bp.route("/new", methods=("GET", "POST"))
@permission_required("assets.manage")
def new() -> Response:
    """Ask to write items off: the missing ones are offered, and the item the keeper came
    from (``?code=``) is ticked."""
    codes = request.values.getlist("code")
    candidates = queries.write_off_candidates(db.session, codes)
    wanted = {normalise_code(c) for c in codes}
    form = write_off_form(candidates, {i.id for i in candidates if i.code in wanted})
    if form.validate_on_submit():
        lines, missing_reason = [], False
        for item in candidates:
            if not getattr(form, f"take_{item.id}").data:
                continue
            reason = getattr(form, f"reason_{item.id}").data
            if not reason:
                getattr(form, f"reason_{item.id}").errors.append(_("Say why."))
                missing_reason = True
            pieces = getattr(form, f"pieces_{item.id}").data or 1
            lines.append((item, pieces if item.category.counted else 1, reason or ""))
        if not missing_reason:
            try:
                made = service.request_write_off(
                    db.session,
                    uid=form.uid_value,
                    lines=lines,
                    actor_id=current_user.id,
                    note=form.note.data,
                )
            except service.Refused as error:
                form.note.errors.append(refusal(error))
            else:
                db.session.commit()
                flash(_("Write-off requested: a department head signs it next."), "success")
                return redirect(url_for(".show", write_off_id=made.row.id), code=303)
    return render(
        "assets/write_off_new.html",
        form=form,
        candidates=candidates,
        codes=codes,
        status=422 if form.errors or request.method == "POST" else 200,
    )


def show_page(write_off: WriteOff, *, status: int = 200, **extra: object) -> Response:
    ids = [line.id for line in write_off.lines]
    return render(
        "assets/write_off.html",
        status=status,
        write_off=write_off,
        reasons_form=extra.pop("reasons_form", None)
        or reasons_form(
            ids, label=_("Why"), data={line.id: line.reason for line in write_off.lines}
        ),
        decision_form=DecisionForm(formdata=None),
        may_act=may_act(write_off),
        **extra,
    )


def may_act(write_off: WriteOff) -> bool:
    permission = STEP_PERMISSION.get(write_off.status)
    return permission is not None and can(permission)


@bp.route("/<int:write_off_id>")
@permission_required("assets.view")
def show(write_off_id: int) -> Response:
    return show_page(load_write_off(write_off_id))


@bp.route("/<int:write_off_id>/sign", methods=("POST",))
@permission_required("assets.view")  # and the step's own permission: see STEP_PERMISSION
def sign(write_off_id: int) -> Response:
    """The next signature: the keeper sends a draft, the head countersigns, the principal
    approves or rejects. Signing a step already signed changes nothing."""
    write_off = load_write_off(write_off_id)
    status = write_off.status
    if status not in STEP_PERMISSION or request.form.get("step", status.value) != status.value:
        # signed already (a double tap, or someone else signed meanwhile): show where it is
        return redirect(url_for(".show", write_off_id=write_off.id), code=303)
    if not can(STEP_PERMISSION[status]):
        abort(403)
    try:
        if status == WriteOffStatus.DRAFT:
            ids = [line.id for line in write_off.lines]
            form = reasons_form(ids, label=_("Why"))
            if not form.validate_on_submit():
                return show_page(write_off, status=422, reasons_form=form)
            service.send_draft(
                db.session, write_off, reasons=reasons_of(form, ids), actor_id=current_user.id
            )
            said = _("Write-off requested: a department head signs it next.")
        elif status == WriteOffStatus.REQUESTED:
            if not DecisionForm().validate_on_submit():
                abort(400)
            service.countersign(db.session, write_off, actor_id=current_user.id)
            said = _("Signed: the principal decides next.")
        else:
            form = DecisionForm()
            if not form.validate_on_submit():
                abort(400)
            approve = request.form.get("decision") != "reject"
            service.decide(
                db.session,
                write_off,
                approve=approve,
                actor_id=current_user.id,
                note=form.note.data,
            )
            said = (
                _("Approved: the items leave the ledger and keep their history.")
                if approve
                else _("Rejected: the items stay in the ledger.")
            )
    except service.Refused as error:
        flash(refusal(error), "error")
        return redirect(url_for(".show", write_off_id=write_off.id), code=303)
    db.session.commit()
    flash(said, "success")
    return redirect(url_for(".show", write_off_id=write_off.id), code=303)


@bp.route("/<int:write_off_id>/print")
@permission_required("assets.view")
def print_form(write_off_id: int) -> Response:
    """The paper form (报废申请表) with signature lines, for the paper ledger."""
    write_off = load_write_off(write_off_id)
    return render(
        "assets/write_off_print.html",
        write_off=write_off,
        total_fen=sum((line.item.value_fen or 0) * line.quantity for line in write_off.lines),
    )
