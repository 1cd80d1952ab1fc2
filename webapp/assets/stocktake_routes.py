"""Stocktakes (清查) as sessions: start one (a room or the whole ledger), tick or scan each
item (the label opens the item page, whose count button ticks it; or type the code), watch the
running counts, and close with a reason for everything missing, which drafts a write-off."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.assets import queries, service
from webapp.assets.forms import CountForm, StartStocktakeForm, reasons_form, reasons_of
from webapp.assets.loading import load_stocktake, refusal
from webapp.assets.models import Stocktake
from webapp.core.htmx import render, wants_partial
from webapp.core.permissions import permission_required
from webapp.extensions import db

bp = Blueprint("stocktakes", __name__, url_prefix="/stocktakes")

SCAN = "stocktake-scan"


@bp.route("/", methods=("GET", "POST"))
@permission_required("assets.manage")
def index() -> Response:
    form = StartStocktakeForm(rooms=queries.rooms(db.session))
    if form.validate_on_submit():
        try:
            made = service.start_stocktake(
                db.session, uid=form.uid_value, room_id=form.room_value, actor_id=current_user.id
            )
        except service.Refused as error:
            form.room_id.errors.append(refusal(error))
        else:
            db.session.commit()
            return redirect(url_for(".show", stocktake_id=made.row.id), code=303)
    return render(
        "assets/stocktakes.html",
        form=form,
        stocktakes=queries.stocktakes(db.session),
        status=422 if form.errors else 200,
    )


def missing_lines(stocktake: Stocktake) -> list:
    return [line for line in stocktake.lines if line.item_id is not None and line.missing]


def page(stocktake: Stocktake, *, status: int = 200, **extra: object) -> Response:
    missing = missing_lines(stocktake) if stocktake.is_open else []
    close_form = extra.pop("close_form", None) or reasons_form(
        [line.id for line in missing], label=_("Why it is missing")
    )
    return render(
        "assets/stocktake.html",
        partial="assets/_stocktake_scan.html",
        target=SCAN,
        status=status,
        stocktake=stocktake,
        counts=queries.stocktake_counts(db.session, stocktake),
        lines=queries.stocktake_lines(db.session, stocktake),
        missing=missing,
        count_form=extra.pop("count_form", None) or CountForm(formdata=None),
        close_form=close_form,
        **extra,
    )


@bp.route("/<int:stocktake_id>")
@permission_required("assets.manage")
def show(stocktake_id: int) -> Response:
    return page(load_stocktake(stocktake_id))


COUNTED = {
    "counted": ("success", lambda code: _("%(code)s counted.", code=code)),
    "already": ("info", lambda code: _("%(code)s is already counted.", code=code)),
    "unknown": (
        "warning",
        lambda code: _("%(code)s is not in the ledger: kept on this stocktake.", code=code),
    ),
    "unknown_again": ("info", lambda code: _("%(code)s is already noted.", code=code)),
    "not_expected": (
        "warning",
        lambda code: _(
            "%(code)s is not on this stocktake's list: noted to be looked into.", code=code
        ),
    ),
}


@bp.route("/<int:stocktake_id>/count", methods=("POST",))
@permission_required("assets.manage")
def count(stocktake_id: int) -> Response:
    """Tick an item by its code: from the list, the item page, or the code typed."""
    stocktake = load_stocktake(stocktake_id)
    form = CountForm()
    back_to_item = request.form.get("back") == "item"
    if not form.validate_on_submit():
        return page(stocktake, status=422, count_form=form)
    try:
        counted = service.count_item(
            db.session,
            stocktake,
            code=form.code.data,
            actor_id=current_user.id,
            found=form.found.data,
        )
    except service.Refused as error:
        form.code.errors.append(refusal(error))
        return page(stocktake, status=422, count_form=form)
    db.session.commit()
    category, words = COUNTED[counted.outcome]
    code = counted.item.code if counted.item else counted.line.unknown_code
    said = words(code)
    if wants_partial(SCAN):
        return page(stocktake, said=said, said_kind=category)
    flash(said, category)
    if back_to_item and counted.item is not None:
        return redirect(url_for("school.assets.item", code=counted.item.code), code=303)
    return redirect(url_for(".show", stocktake_id=stocktake.id), code=303)


@bp.route("/<int:stocktake_id>/close", methods=("POST",))
@permission_required("assets.manage")
def close(stocktake_id: int) -> Response:
    stocktake = load_stocktake(stocktake_id)
    if not stocktake.is_open:
        return redirect(url_for(".show", stocktake_id=stocktake.id), code=303)
    missing = missing_lines(stocktake)
    ids = [line.id for line in missing]
    form = reasons_form(ids, label=_("Why it is missing"))
    if not form.validate_on_submit():
        return page(stocktake, status=422, close_form=form)
    try:
        write_off = service.close_stocktake(
            db.session, stocktake, reasons=reasons_of(form, ids), actor_id=current_user.id
        )
    except service.Refused as error:
        for line_id in error.facts.get("lines", ()):
            getattr(form, f"reason_{line_id}").errors.append(_("Say why it is missing."))
        return page(stocktake, status=422, close_form=form, close_refused=refusal(error))
    db.session.commit()
    if write_off is not None:
        flash(
            _("Stocktake closed. A write-off of the missing items is drafted: check and send it."),
            "success",
        )
        return redirect(
            url_for("school.assets.write_offs.show", write_off_id=write_off.id), code=303
        )
    flash(_("Stocktake closed: everything is accounted for."), "success")
    return redirect(url_for(".show", stocktake_id=stocktake.id), code=303)
