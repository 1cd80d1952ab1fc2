"""The asset ledger (资产台账): the list, an item's page (where a scanned QR label lands, and
where things are lent and returned), new and changed items, acceptance, stock, the printable
sheet of QR labels and the school's lending rules.

Loans, stocktakes and write-offs have blueprints of their own, nested under this one.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from webapp.assets import queries, service
from webapp.assets.forms import AcceptForm, ItemForm, SettingsForm, StockForm, yuan
from webapp.assets.isbn import format_isbn
from webapp.assets.loading import load_item, refusal, render_item, school_settings
from webapp.assets.loan_routes import bp as loans_bp
from webapp.assets.models import Category
from webapp.assets.stocktake_routes import bp as stocktakes_bp
from webapp.assets.write_off_routes import bp as write_offs_bp
from webapp.core.htmx import render
from webapp.core.i18n import local_today
from webapp.core.permissions import can, permission_required
from webapp.extensions import db

bp = Blueprint("assets", __name__, url_prefix="/assets")
bp.register_blueprint(loans_bp)
bp.register_blueprint(stocktakes_bp)
bp.register_blueprint(write_offs_bp)

LEDGER_LIST = "ledger-list"


def ledger_filters() -> queries.LedgerFilters:
    args = request.args
    return queries.LedgerFilters(
        text=args.get("q", "")[:40],
        category=Category._value2member_map_.get(args.get("category", "")),
        room_id=args.get("room_id", type=int),
        state=args.get("state", "") if args.get("state") in queries.STATES else "",
        page=max(1, args.get("page", 1, type=int)),
    )


@bp.route("/")
@permission_required("assets.view")
def ledger() -> Response:
    filters = ledger_filters()
    return render(
        "assets/ledger.html",
        partial="assets/_ledger_list.html",
        target=LEDGER_LIST,
        filters=filters,
        page=queries.ledger(db.session, filters),
        summary=queries.summary(db.session, local_today()),
        rooms=queries.rooms(db.session),
        categories=list(Category),
        states=queries.STATES,
        stocktake=service.open_stocktake(db.session),
    )


@bp.route("/new", methods=("GET", "POST"))
@permission_required("assets.manage")
def new_item() -> Response:
    form = ItemForm(rooms=queries.rooms(db.session))
    if form.validate_on_submit():
        made = service.add_item(
            db.session,
            uid=form.uid_value,
            settings=school_settings(),
            actor_id=current_user.id,
            **form.item_values(),
        )
        db.session.commit()
        if made.created:
            flash(_("%(code)s is in the ledger. Print its label.", code=made.row.code), "success")
        return redirect(url_for(".item", code=made.row.code), code=303)
    return render("assets/item_form.html", form=form, item=None, status=422 if form.errors else 200)


@bp.route("/i/<code>")
@permission_required("assets.view")
def item(code: str) -> Response:
    """Where a scanned label lands: the item, its loans, and lending and returning."""
    return render_item(load_item(code))


@bp.route("/i/<code>/edit", methods=("GET", "POST"))
@permission_required("assets.manage")
def edit_item(code: str) -> Response:
    found = load_item(code)
    form = ItemForm(rooms=queries.rooms(db.session))
    if not form.is_submitted():
        form.from_item(found)
    if form.validate_on_submit():
        try:
            service.edit_item(db.session, found, actor_id=current_user.id, **form.item_values())
        except service.Refused as error:
            form.quantity.errors.append(refusal(error))
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".item", code=found.code), code=303)
    return render(
        "assets/item_form.html", form=form, item=found, status=422 if form.errors else 200
    )


@bp.route("/i/<code>/accept", methods=("POST",))
@permission_required("assets.view")  # the keeper's or the head's signature: see below
def accept(code: str) -> Response:
    found = load_item(code)
    as_head = request.form.get("as") == "head"
    if not can("assets.countersign" if as_head else "assets.manage"):
        abort(403)
    if AcceptForm().validate_on_submit():
        try:
            service.sign_acceptance(db.session, found, actor_id=current_user.id, as_head=as_head)
        except service.Refused as error:
            flash(refusal(error), "error")
        else:
            db.session.commit()
    return redirect(url_for(".item", code=found.code), code=303)


@bp.route("/i/<code>/stock", methods=("POST",))
@permission_required("assets.manage")
def change_stock(code: str) -> Response:
    found = load_item(code)
    form = StockForm()
    if form.validate_on_submit():
        try:
            service.change_stock(
                db.session,
                uid=form.uid_value,
                item=found,
                change=form.change.data,
                actor_id=current_user.id,
                note=form.note.data,
            )
        except service.Refused as error:
            form.change.errors.append(refusal(error))
        except service.UidTaken:
            abort(400)
        else:
            db.session.commit()
            flash(_("Stock now: %(num)d.", num=found.in_stock), "success")
            return redirect(url_for(".item", code=found.code), code=303)
    return render_item(found, stock_form=form, status=422)


@bp.route("/labels")
@permission_required("assets.manage")
def labels() -> Response:
    """An A4 sheet of QR labels; each QR holds the item's whole URL, so any phone camera or
    WeChat's scanner opens the item page."""
    room_id = request.args.get("room_id", type=int)
    category = Category._value2member_map_.get(request.args.get("category", ""))
    codes = [c for c in request.args.get("codes", "").replace(",", " ").split() if c][:240]
    items = queries.label_items(db.session, room_id=room_id, category=category, codes=codes)
    return render(
        "assets/labels.html",
        labels=[
            (found, qr_svg(url_for(".item", code=found.code, _external=True))) for found in items
        ],
        rooms=queries.rooms(db.session),
        categories=list(Category),
        room_id=room_id,
        category=category,
        codes=" ".join(codes),
    )


def qr_svg(url: str) -> Markup:
    """The QR code of a URL as inline SVG, drawn on the server (no script on the page)."""
    import segno

    code = segno.make(url, error="m")
    # segno writes only its own markup (a path of modules); the URL is ours, not typed text.
    return Markup(code.svg_inline(scale=1, border=2, omitsize=True))


@bp.route("/settings", methods=("GET", "POST"))
@permission_required("assets.settings")
def settings() -> Response:
    current = school_settings()
    form = SettingsForm(obj=None)
    if not form.is_submitted():
        form.code_prefix.data = current.code_prefix
        form.child_limit.data = current.child_limit
        form.book_days.data = str(current.book_days)
        form.equipment_days.data = str(current.equipment_days)
        form.kit_days.data = str(current.kit_days)
    if form.validate_on_submit():
        service.save_settings(db.session, current, **form.settings_values())
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".ledger"), code=303)
    return render("assets/settings.html", form=form, status=422 if form.errors else 200)


@bp.app_template_filter("isbn")
def isbn_filter(value: str | None) -> str:
    return format_isbn(value)


@bp.app_template_filter("yuan")
def yuan_filter(fen: int | None) -> str:
    return yuan(fen)
