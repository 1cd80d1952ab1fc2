"""What every assets view starts from: the row named in the URL (another school's is simply not
found), the school's lending rules, and the words for a refusal."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from babel import Locale
from babel.dates import format_date
from flask import Response, abort, g, request, session
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp.assets import queries, service
from webapp.assets.forms import LendForm, StockForm
from webapp.assets.models import (
    AssetItem,
    AssetSettings,
    Loan,
    Stocktake,
    StocktakeLine,
    WriteOff,
)
from webapp.core.htmx import render, wants_partial
from webapp.core.i18n import local_today
from webapp.core.permissions import can
from webapp.extensions import db


def month_day(value: date) -> str:
    """11月29日: a due date is near enough that the year goes without saying."""
    locale = Locale.parse(str(get_locale()))
    return format_date(value, locale.datetime_skeletons["MMMd"], locale=locale)


def load_item(code: str) -> AssetItem:
    item = queries.find_item(db.session, code)
    if item is None:
        abort(404)
    return item


def load_loan(loan_id: int) -> Loan:
    loan = db.session.get(Loan, loan_id)
    if loan is None:
        abort(404)
    return loan


def load_stocktake(stocktake_id: int) -> Stocktake:
    stocktake = db.session.get(Stocktake, stocktake_id)
    if stocktake is None:
        abort(404)
    return stocktake


def load_write_off(write_off_id: int) -> WriteOff:
    write_off = db.session.get(WriteOff, write_off_id)
    if write_off is None:
        abort(404)
    return write_off


def school_settings() -> AssetSettings:
    if "asset_settings" not in g:
        g.asset_settings = service.settings_of(db.session, g.tenant.name)
    return g.asset_settings


def refusal(error: service.Refused) -> str:
    """A refused write, said in the reader's language."""
    facts = error.facts
    messages = {
        "room_only": lambda: _("This item stays in the room: it cannot be lent."),
        "consumable": lambda: _("Consumables are handed out, not lent."),
        "written_off": lambda: _("This item was written off."),
        "not_available": lambda: _("None left to lend: every piece is out or missing."),
        "limit": lambda: ngettext(
            "%(name)s already has %(num)d item on loan, the most a child may borrow at once.",
            "%(name)s already has %(num)d items on loan, the most a child may borrow at once.",
            facts.get("limit", 0),
            name=facts.get("name", ""),
        ),
        "not_on_loan": lambda: _("This item is not on loan: there is nothing to return."),
        "which_loan": lambda: _("Several loans are open: choose which one comes back."),
        "renewals": lambda: ngettext(
            "This loan was renewed %(num)d time already, the most allowed.",
            "This loan was renewed %(num)d times already, the most allowed.",
            facts.get("most", 0),
        ),
        "same_person": lambda: _("The second signature must be someone else's."),
        "not_counted": lambda: _("Only kits and consumables are counted in pieces."),
        "not_enough": lambda: ngettext(
            "Only %(num)d piece is in stock.",
            "Only %(num)d pieces are in stock.",
            facts.get("left", 0),
        ),
        "quantity_below_use": lambda: ngettext(
            "%(num)d piece is out or missing: the quantity cannot be lower.",
            "%(num)d pieces are out or missing: the quantity cannot be lower.",
            facts.get("floor", 0),
        ),
        "stocktake_open": lambda: _("A stocktake is already open: finish it first."),
        "stocktake_closed": lambda: _("This stocktake is closed."),
        "no_code": lambda: _("Type the code under the QR label."),
        "reasons": lambda: _("Give a reason for every missing item before closing."),
        "no_lines": lambda: _("Tick at least one item and say why."),
        "already_pending": lambda: _(
            "%(code)s is already on a write-off waiting for a decision.", code=facts.get("code", "")
        ),
        "too_many": lambda: _(
            "%(code)s: more pieces than are in the room.", code=facts.get("code", "")
        ),
    }
    return messages.get(error.reason, lambda: _("This cannot be done now."))()


LOAN_PANEL = "loan-panel"
BORROWERS = "borrowers"


def new_uid() -> str:
    return str(uuid.uuid4())


def basket_key() -> str:
    return f"asset_basket.{g.tenant.id}"


def basket_ids() -> list[int]:
    return [i for i in session.get(basket_key(), []) if isinstance(i, int)]


def loan_panel_context(
    item: AssetItem, *, lend_form: LendForm | None = None, q: str | None = None
) -> dict[str, Any]:
    """What the loan panel of an item shows: its open loans with their return and renew
    forms, and the lend form with the children in the room now (or those found)."""
    settings = school_settings()
    days = service.loan_days(item, settings)
    text = (request.args.get("q", "") if q is None else q)[:30]
    found = (
        queries.find_borrowers(
            db.session,
            tenant_id=g.tenant.id,
            user_id=current_user.id,
            roles=g.roles,
            text=text,
            today=local_today(),
        )
        if text
        else []
    )
    loans = queries.open_loans_of(db.session, item.id)
    out = sum(loan.quantity for loan in loans)
    return {
        "item": item,
        "loans": loans,
        "left": item.in_stock - out,
        "lend_form": lend_form or LendForm(formdata=None, default_days=days),
        "here": [
            queries.child_borrower(c)
            for c in queries.children_here(db.session, local_today(), item.room_id)
        ]
        if not text
        else [],
        "found": found,
        "q": text,
        "today": local_today(),
        "new_uid": new_uid,
        "may_lend": can("assets.manage"),
    }


def render_item(
    item: AssetItem,
    *,
    lend_form: LendForm | None = None,
    stock_form: StockForm | None = None,
    status: int = 200,
    partial: str = "assets/_loan_panel.html",
    target: str = LOAN_PANEL,
    **extra: Any,
) -> Response:
    context = loan_panel_context(item, lend_form=lend_form) | extra
    if wants_partial(target):  # the panel alone: nothing else of the page is read
        return render("assets/item.html", partial=partial, target=target, status=status, **context)
    stocktake = service.open_stocktake(db.session)
    line = (
        db.session.scalar(
            select(StocktakeLine).where(
                StocktakeLine.stocktake_id == stocktake.id, StocktakeLine.item_id == item.id
            )
        )
        if stocktake is not None
        else None
    )
    context |= {
        "stocktake": stocktake,
        "stocktake_line": line,
        "in_basket": item.id in basket_ids(),
        "stock_form": stock_form or StockForm(formdata=None),
        "history": queries.history(db.session, item.id),
        "loan_days": service.loan_days(item, school_settings()),
    }
    return render("assets/item.html", partial=partial, target=target, status=status, **context)
