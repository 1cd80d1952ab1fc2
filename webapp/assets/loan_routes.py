"""Loans (借出 / 归还 / 续借): from the item page a scanned label opens, from the basket for
several items at once, the keeper's list of loans and overdue ones, and each class teacher's
reminder list.

Lending is scan + 2 taps (the borrower's tile, 借出), returning scan + 1 tap (归还, 完好
preset). Every form carries its own UUID: a double tap lends once. With htmx the loan panel is
swapped in place; without it the answer is a redirect to the item page.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from webapp.assets import queries, service
from webapp.assets.forms import AcceptForm, BasketLendForm, LendForm, RenewForm, ReturnForm
from webapp.assets.loading import (
    BORROWERS,
    LOAN_PANEL,
    basket_ids,
    basket_key,
    load_item,
    month_day,
    new_uid,
    refusal,
    render_item,
    school_settings,
)
from webapp.assets.models import AssetItem, Condition
from webapp.auth.models import User
from webapp.children.models import Child
from webapp.core.htmx import render, wants_partial
from webapp.core.i18n import local_today
from webapp.core.permissions import permission_required
from webapp.extensions import db

bp = Blueprint("loans", __name__)

BASKET_MAX = 10


def borrower_of(key: str | None) -> Child | User | None:
    return queries.load_borrower(
        db.session, key or "", g.tenant.id, current_user.id, g.roles, local_today()
    )


def as_borrower(person: Child | User) -> dict:
    if isinstance(person, Child):
        return {"child": person}
    return {"staff_id": person.id}


@bp.route("/i/<code>/borrowers")
@permission_required("assets.manage")
def borrowers(code: str) -> Response:
    """The borrower tiles: the children in the room now, or those a search finds."""
    return render_item(load_item(code), partial="assets/_borrowers.html", target=BORROWERS)


@bp.route("/i/<code>/lend", methods=("POST",))
@permission_required("assets.manage")
def lend(code: str) -> Response:
    item = load_item(code)
    settings = school_settings()
    form = LendForm(default_days=service.loan_days(item, settings))
    message = None
    if form.validate_on_submit():
        person = borrower_of(form.borrower.data)
        if person is None:
            form.borrower.errors.append(_("Choose who borrows it."))
        else:
            try:
                made = service.lend(
                    db.session,
                    uid=form.uid_value,
                    item=item,
                    due_on=local_today() + timedelta(days=form.due_days),
                    actor_id=current_user.id,
                    quantity=(form.quantity.data or 1) if item.category.counted else 1,
                    child_limit=settings.child_limit,
                    now=form.counted_at,  # kept offline: when it was lent
                    **as_borrower(person),
                )
            except service.Refused as error:
                message = refusal(error)
            except service.UidTaken:
                abort(400)
            else:
                db.session.commit()
                said = _(
                    "Lent to %(name)s, back by %(date)s.",
                    name=made.row.borrower_name,
                    date=month_day(made.row.due_on),
                )
                return done(item, said)
    return render_item(item, lend_form=form, status=422, message=message)


def done(item: AssetItem, said: str) -> Response:
    """A loan panel changed: in place for htmx, else back to the item page."""
    if wants_partial(LOAN_PANEL):
        return render_item(item, said=said)
    flash(said, "success")
    return redirect(url_for("school.assets.item", code=item.code), code=303)


def refused(item: AssetItem, message: str) -> Response:
    if wants_partial(LOAN_PANEL):
        return render_item(item, status=422, message=message)
    flash(message, "error")
    return redirect(url_for("school.assets.item", code=item.code), code=303)


@bp.route("/i/<code>/return", methods=("POST",))
@permission_required("assets.manage")
def return_item(code: str) -> Response:
    item = load_item(code)
    form = ReturnForm()
    if not form.validate_on_submit():  # a return kept too long on the phone says so
        return refused(item, next(iter(form.captured_at.errors), _("Choose the condition.")))
    condition = Condition(form.condition.data)
    try:
        returned = service.return_item(
            db.session,
            uid=form.uid_value,
            item=item,
            condition=condition,
            actor_id=current_user.id,
            loan_id=form.loan_value,
            note=form.note.data,
            now=form.counted_at,  # kept offline: when it came back
        )
    except service.Refused as error:
        return refused(item, refusal(error))
    except service.UidTaken:
        abort(400)
    db.session.commit()
    name = returned.loan.borrower_name
    if condition == Condition.LOST:
        said = _("Lost by %(name)s: it leaves stock until it is written off.", name=name)
    elif condition == Condition.DAMAGED:
        said = _("Back from %(name)s, damaged.", name=name)
    else:
        said = _("Back from %(name)s, in good condition.", name=name)
    return done(item, said)


@bp.route("/i/<code>/renew", methods=("POST",))
@permission_required("assets.manage")
def renew(code: str) -> Response:
    item = load_item(code)
    form = RenewForm()
    loan = next(
        (
            loan
            for loan in queries.open_loans_of(db.session, item.id)
            if str(loan.id) == form.loan_id.data
        ),
        None,
    )
    if not form.validate_on_submit() or loan is None:
        return refused(item, refusal(service.Refused("not_on_loan")))
    try:
        service.renew(
            db.session,
            uid=form.uid_value,
            loan=loan,
            days=service.loan_days(item, school_settings()),
            actor_id=current_user.id,
            today=local_today(),
        )
    except service.Refused as error:
        return refused(item, refusal(error))
    db.session.commit()
    return done(item, _("Renewed: back by %(date)s.", date=month_day(loan.due_on)))


# The basket: several items to one person -------------------------------------------------------


@bp.route("/i/<code>/basket", methods=("POST",))
@permission_required("assets.manage")
def toggle_basket(code: str) -> Response:
    """Put an item in the basket or take it out; the button says which, so a double tap
    does it once."""
    item = load_item(code)
    chosen = basket_ids()
    if AcceptForm().validate_on_submit():
        if request.form.get("put") == "out":
            chosen = [i for i in chosen if i != item.id]
        elif item.id not in chosen and len(chosen) < BASKET_MAX:
            chosen.append(item.id)
        session[basket_key()] = chosen
    if request.form.get("back") == "basket":
        return redirect(url_for(".basket"), code=303)
    return redirect(url_for("school.assets.item", code=item.code), code=303)


@bp.route("/basket", methods=("GET", "POST"))
@permission_required("assets.manage")
def basket() -> Response:
    items = queries.items_by_ids(db.session, basket_ids())
    settings = school_settings()
    form = BasketLendForm()
    message = None
    if items and form.validate_on_submit():
        person = borrower_of(form.borrower.data)
        if person is None:
            form.borrower.errors.append(_("Choose who borrows it."))
        else:
            today = local_today()
            days = form.due_days
            try:
                made = service.lend_basket(
                    db.session,
                    basket_uid=form.uid_value,
                    items=items,
                    due_for=lambda item: (
                        today
                        + timedelta(
                            days=service.loan_days(item, settings) if days is None else days
                        )
                    ),
                    actor_id=current_user.id,
                    child_limit=settings.child_limit,
                    **as_borrower(person),
                )
            except service.Refused as error:
                message = refusal(error)
            except service.UidTaken:
                abort(400)
            else:
                db.session.commit()
                session.pop(basket_key(), None)
                flash(
                    ngettext(
                        "%(num)d item lent to %(name)s.",
                        "%(num)d items lent to %(name)s.",
                        len(made),
                        name=person.name,
                    ),
                    "success",
                )
                return redirect(url_for(".loans"), code=303)
    text = request.args.get("q", "")[:30]
    return render(
        "assets/basket.html",
        partial="assets/_borrowers.html",
        target=BORROWERS,
        status=422 if form.errors or message else 200,
        items=items,
        lend_form=form,
        message=message,
        q=text,
        found=queries.find_borrowers(
            db.session,
            tenant_id=g.tenant.id,
            user_id=current_user.id,
            roles=g.roles,
            text=text,
            today=local_today(),
        )
        if text
        else [],
        here=[]
        if text
        else [queries.child_borrower(c) for c in queries.children_here(db.session, local_today())],
        search_url=url_for(".basket"),
        new_uid=new_uid,
    )


# Lists -----------------------------------------------------------------------------------------


@bp.route("/loans/")
@permission_required("assets.view")
def loans() -> Response:
    overdue = request.args.get("overdue") == "1"
    page = max(1, request.args.get("page", 1, type=int))
    found, has_next = queries.open_loans(db.session, local_today(), overdue_only=overdue, page=page)
    return render(
        "assets/loans.html",
        loans=found,
        overdue=overdue,
        page=page,
        has_next=has_next,
        today=local_today(),
        summary=queries.summary(db.session, local_today()),
    )


@bp.route("/reminders")
@permission_required("assets.reminders")
def reminders() -> Response:
    """Children with overdue loans, by class: what a class teacher reminds in class."""
    return render(
        "assets/reminders.html",
        groups=queries.class_reminders(db.session, current_user.id, g.roles, local_today()),
        today=local_today(),
    )
