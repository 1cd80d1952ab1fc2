"""Writes of the asset ledger, loans, stocktakes and write-offs. Each takes plain values,
flushes, writes the item's history (and the audit row where a child is concerned), never
commits.

Every write made from a form is idempotent: the form's UUID becomes the row's uid (an item, a
loan, a stocktake, a write-off, a stock change) or is kept on the row it changes (a return, a
renewal), so a double tap, a retry or a replay does it once and answers with what it did.
Lending locks the item's row, so two keepers lending the last piece at once make one loan.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.assets.models import (
    AssetEvent,
    AssetItem,
    AssetSettings,
    Category,
    Condition,
    EventKind,
    Loan,
    Stocktake,
    StocktakeLine,
    WriteOff,
    WriteOffLine,
    WriteOffStatus,
    normalise_code,
)
from webapp.assets.queries import pending_write_off_items
from webapp.care.once import Made, create_once, find_by_uid
from webapp.children.models import Child
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.cn import name_search_keys
from webapp.core.db import utcnow

MAX_RENEWALS = 2
DEFAULT_CHILD_LIMIT = 3
# The columns an item form may set; code, stock and signatures are the service's business.
ITEM_FIELDS = frozenset(
    {
        "category",
        "name",
        "author",
        "isbn",
        "serial",
        "quantity",
        "low_stock",
        "room_id",
        "room_only",
        "loan_days",
        "source",
        "donor",
        "received_on",
        "value_fen",
        "note",
    }
)


class Refused(ValueError):
    """A write the ledger's rules refuse; ``reason`` names the rule for the page's message."""

    def __init__(self, reason: str, **facts: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.facts = facts


class UidTaken(ValueError):
    """The form's uid already made something else (a form reused on another item)."""


def _event(session: Session, item: AssetItem, kind: EventKind, actor_id: int | None, **values):
    event = AssetEvent(item_id=item.id, kind=kind, actor_id=actor_id, **values)
    session.add(event)
    return event


# Settings and codes ----------------------------------------------------------------------------


def default_prefix(school_name: str) -> str:
    """The code prefix of a school: the initials of its first two characters (阳光小学 → YG)."""
    _full, initials = name_search_keys(school_name)
    letters = "".join(ch for ch in initials.split(" ")[0] if ch.isalpha())[:2].upper()
    return letters or "ZC"


def settings_of(session: Session, school_name: str) -> AssetSettings:
    """The school's lending rules; defaults (not yet saved) when it has set none."""
    found = session.scalar(select(AssetSettings))
    if found is not None:
        return found
    return AssetSettings(
        code_prefix=default_prefix(school_name),
        child_limit=DEFAULT_CHILD_LIMIT,
        book_days=14,
        equipment_days=7,
        kit_days=0,
    )


def save_settings(session: Session, settings: AssetSettings, **values: Any) -> AssetSettings:
    for name, value in values.items():
        setattr(settings, name, value)
    if settings.id is None:
        session.add(settings)
    session.flush()
    return settings


def next_code(session: Session, prefix: str, category: Category) -> str:
    stem = f"{prefix}-{category.letter}-"
    last = session.scalar(
        select(func.max(AssetItem.code)).where(AssetItem.code.startswith(stem, autoescape=True))
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last and last.rsplit("-", 1)[1].isdigit() else 1
    return f"{stem}{number:04d}"


def loan_days(item: AssetItem, settings: AssetSettings) -> int:
    return item.loan_days if item.loan_days is not None else settings.days_for(item.category)


# The ledger ------------------------------------------------------------------------------------


def add_item(
    session: Session,
    *,
    uid: uuid.UUID,
    settings: AssetSettings,
    actor_id: int | None,
    now: datetime | None = None,
    **values: Any,
) -> Made:
    """A new entry of the ledger with the next free code; once per uid."""
    unknown = set(values) - ITEM_FIELDS
    if unknown:
        raise TypeError(f"not an item field: {sorted(unknown)}")
    existing = find_by_uid(session, AssetItem, uid)
    if existing is not None:
        return Made(existing, created=False)
    if settings.id is None:
        save_settings(session, settings)
    category = values["category"]
    for _attempt in range(5):
        item = AssetItem(
            uid=uid,
            code=next_code(session, settings.code_prefix, category),
            created_by_id=actor_id,
            **values,
        )
        if not category.counted:
            item.quantity = 1
        try:
            with session.begin_nested():
                session.add(item)
                session.flush()
        except IntegrityError:
            # The same form at once (its uid), or another item took the code: try the next.
            existing = find_by_uid(session, AssetItem, uid)
            if existing is not None:
                return Made(existing, created=False)
            continue
        _event(
            session, item, EventKind.RECEIVED, actor_id, quantity=item.quantity, at=now or utcnow()
        )
        audit.record(
            session, AuditAction.CREATE, actor_id=actor_id, subject="asset_item", subject_id=item.id
        )
        session.flush()
        return Made(item, created=True)
    raise RuntimeError("no free item code after five tries")


def edit_item(session: Session, item: AssetItem, *, actor_id: int | None, **values: Any) -> None:
    unknown = set(values) - ITEM_FIELDS
    if unknown:
        raise TypeError(f"not an item field: {sorted(unknown)}")
    values.pop("category", None)  # the code names the category: it stays
    if not item.category.counted:
        values.pop("quantity", None)
    elif values.get("quantity") is not None:
        floor = item.missing + on_loan(session, item.id)
        if values["quantity"] < floor:
            raise Refused("quantity_below_use", floor=floor)
    for name, value in values.items():
        setattr(item, name, value)
    fields = audit.changed_fields(item)
    if not fields:
        return
    _event(session, item, EventKind.EDITED, actor_id, note=", ".join(fields)[:200])
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="asset_item",
        subject_id=item.id,
        fields=fields,
    )
    session.flush()


def sign_acceptance(
    session: Session, item: AssetItem, *, actor_id: int, as_head: bool, now: datetime | None = None
) -> bool:
    """验收: the keeper's signature, or the department head's. Two people: a head who signed as
    keeper cannot sign again as head. False when this signature is there already."""
    item = _locked(session, item)
    now = now or utcnow()
    if as_head:
        if item.head_signed_at is not None:
            return False
        if item.keeper_signed_by_id == actor_id:
            raise Refused("same_person")
        item.head_signed_by_id, item.head_signed_at = actor_id, now
        _event(session, item, EventKind.HEAD_SIGNED, actor_id, at=now)
    else:
        if item.keeper_signed_at is not None:
            return False
        if item.head_signed_by_id == actor_id:
            raise Refused("same_person")
        item.keeper_signed_by_id, item.keeper_signed_at = actor_id, now
        _event(session, item, EventKind.KEEPER_SIGNED, actor_id, at=now)
    session.flush()
    return True


def change_stock(
    session: Session,
    *,
    uid: uuid.UUID,
    item: AssetItem,
    change: int,
    actor_id: int | None,
    note: str | None = None,
) -> Made:
    """Hand out consumables (a negative change) or restock them; once per uid."""
    locked = _locked(session, item)
    existing = find_by_uid(session, AssetEvent, uid)
    if existing is not None:
        if existing.item_id != item.id or existing.kind != EventKind.STOCK:
            raise UidTaken()
        return Made(existing, created=False)
    if not locked.category.counted:
        raise Refused("not_counted")
    if locked.quantity + change < locked.missing + on_loan(session, locked.id):
        raise Refused("not_enough", left=locked.in_stock - on_loan(session, locked.id))

    def make() -> AssetEvent:
        return AssetEvent(
            uid=uid,
            item_id=locked.id,
            kind=EventKind.STOCK,
            actor_id=actor_id,
            quantity=change,
            note=note,
        )

    made = create_once(session, AssetEvent, uid, make)
    if made.created:
        locked.quantity += change
        session.flush()
    return made


def _locked(session: Session, row: Any) -> Any:
    """The row, locked until the transaction ends (PostgreSQL; SQLite's writers queue at
    BEGIN IMMEDIATE), with its current values: a second tap at the same moment waits here and
    then sees what the first one did."""
    model = type(row)
    return session.scalars(
        select(model)
        .where(model.id == row.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


# Loans -----------------------------------------------------------------------------------------


def on_loan(session: Session, item_id: int) -> int:
    return (
        session.scalar(
            select(func.coalesce(func.sum(Loan.quantity), 0)).where(
                Loan.item_id == item_id, Loan.returned_at.is_(None)
            )
        )
        or 0
    )


def open_loans_of_child(session: Session, child_id: int) -> int:
    return (
        session.scalar(
            select(func.count(Loan.id)).where(Loan.child_id == child_id, Loan.returned_at.is_(None))
        )
        or 0
    )


def check_lendable(session: Session, item: AssetItem, quantity: int = 1) -> None:
    """Raises Refused when the item cannot go out now."""
    if not item.in_ledger:
        raise Refused("written_off")
    if item.room_only:
        raise Refused("room_only")
    if item.category == Category.CONSUMABLE:
        raise Refused("consumable")
    left = item.in_stock - on_loan(session, item.id)
    if left < quantity:
        raise Refused("not_available", left=max(0, left))


def lend(
    session: Session,
    *,
    uid: uuid.UUID,
    item: AssetItem,
    due_on: date,
    actor_id: int | None,
    child: Child | None = None,
    staff_id: int | None = None,
    quantity: int = 1,
    child_limit: int = DEFAULT_CHILD_LIMIT,
    basket_uid: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Made:
    """Lend an item to a child or a staff member, once per uid."""
    if (child is None) == (staff_id is None):
        raise TypeError("a loan goes to one child or one staff member")
    locked = _locked(session, item)
    # Read after the lock: the same form sent at once waited here while the first one lent.
    existing = find_by_uid(session, Loan, uid)
    if existing is not None:
        if existing.item_id != item.id:
            raise UidTaken()
        return Made(existing, created=False)
    check_lendable(session, locked, quantity)
    if child is not None and open_loans_of_child(session, child.id) + 1 > child_limit:
        raise Refused("limit", limit=child_limit, name=child.name)

    def make() -> Loan:
        return Loan(
            uid=uid,
            item_id=locked.id,
            child_id=child.id if child is not None else None,
            staff_id=staff_id,
            quantity=quantity,
            lent_at=now or utcnow(),
            lent_by_id=actor_id,
            due_on=due_on,
            basket_uid=basket_uid,
        )

    made = create_once(session, Loan, uid, make)
    if made.created:
        loan = made.row
        _event(
            session,
            locked,
            EventKind.LENT,
            actor_id,
            at=loan.lent_at,
            loan_id=loan.id,
            quantity=quantity,
        )
        audit.record(
            session,
            AuditAction.CREATE,
            actor_id=actor_id,
            subject="asset_loan",
            subject_id=loan.id,
            child_id=loan.child_id,
        )
        session.flush()
    return made


def lend_basket(
    session: Session,
    *,
    basket_uid: uuid.UUID,
    items: Iterable[AssetItem],
    due_for: Any,
    actor_id: int | None,
    child: Child | None = None,
    staff_id: int | None = None,
    child_limit: int = DEFAULT_CHILD_LIMIT,
) -> list[Made]:
    """Several items to one person at once; each loan's uid comes from the basket's, so a
    replay lends nothing twice. All or none: a refused item refuses the basket."""
    items = list(items)
    uids = {item.id: uuid.uuid5(basket_uid, str(item.id)) for item in items}
    new = [item for item in items if find_by_uid(session, Loan, uids[item.id]) is None]
    if child is not None and open_loans_of_child(session, child.id) + len(new) > child_limit:
        raise Refused("limit", limit=child_limit, name=child.name)
    made = []
    with session.begin_nested():
        for item in items:
            made.append(
                lend(
                    session,
                    uid=uids[item.id],
                    item=item,
                    due_on=due_for(item),
                    actor_id=actor_id,
                    child=child,
                    staff_id=staff_id,
                    child_limit=child_limit,
                    basket_uid=basket_uid,
                )
            )
    return made


@dataclass(frozen=True)
class Returned:
    loan: Loan
    again: bool  # the same return form was sent again


def return_item(
    session: Session,
    *,
    uid: uuid.UUID,
    item: AssetItem,
    condition: Condition,
    actor_id: int | None,
    loan_id: int | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> Returned:
    """Take an item back with its condition. A lost one leaves stock, pending write-off.
    Raises Refused("not_on_loan") for an item that is not out."""
    locked = _locked(session, item)
    done = session.scalar(select(Loan).where(Loan.return_uid == uid))
    if done is not None:
        if done.item_id != item.id:
            raise UidTaken()
        return Returned(done, again=True)
    loans = list(
        session.scalars(
            select(Loan)
            .where(Loan.item_id == locked.id, Loan.returned_at.is_(None))
            .order_by(Loan.lent_at)
        )
    )
    if loan_id is not None:
        loans = [loan for loan in loans if loan.id == loan_id]
    if not loans:
        raise Refused("not_on_loan")
    if len(loans) > 1:
        raise Refused("which_loan")
    loan = loans[0]
    loan.returned_at = now or utcnow()
    loan.returned_by_id = actor_id
    loan.return_uid = uid
    loan.condition = condition
    loan.return_note = note
    if condition == Condition.LOST:
        locked.missing += loan.quantity
    _event(
        session,
        locked,
        EventKind.RETURNED,
        actor_id,
        at=loan.returned_at,
        loan_id=loan.id,
        condition=condition,
        quantity=loan.quantity,
        note=note,
    )
    audit.record(
        session,
        AuditAction.UPDATE,
        actor_id=actor_id,
        subject="asset_loan",
        subject_id=loan.id,
        child_id=loan.child_id,
        fields=["returned"],
    )
    session.flush()
    return Returned(loan, again=False)


def renew(
    session: Session,
    *,
    uid: uuid.UUID,
    loan: Loan,
    days: int,
    actor_id: int | None,
    today: date,
) -> bool:
    """续借: the due date moves on by the loan period from today or the due date, whichever is
    later. False when this renewal form was sent before."""
    loan = _locked(session, loan)
    if loan.renew_uid == uid:
        return False
    if not loan.is_open:
        raise Refused("not_on_loan")
    if loan.renewals >= MAX_RENEWALS:
        raise Refused("renewals", most=MAX_RENEWALS)
    loan.due_on = max(loan.due_on, today) + timedelta(days=max(days, 1))
    loan.renewals += 1
    loan.renew_uid = uid
    _event(session, loan.item, EventKind.RENEWED, actor_id, loan_id=loan.id)
    session.flush()
    return True


# Stocktakes ------------------------------------------------------------------------------------


def open_stocktake(session: Session) -> Stocktake | None:
    return session.scalar(
        select(Stocktake).where(Stocktake.closed_at.is_(None)).order_by(Stocktake.id.desc())
    )


def start_stocktake(
    session: Session,
    *,
    uid: uuid.UUID,
    room_id: int | None,
    actor_id: int | None,
    now: datetime | None = None,
) -> Made:
    """A stocktake of one room or the whole ledger: its expected list is the ledger's items in
    stock now, with what is on loan. One at a time per school."""
    existing = find_by_uid(session, Stocktake, uid)
    if existing is not None:
        return Made(existing, created=False)
    if open_stocktake(session) is not None:
        raise Refused("stocktake_open")
    made = create_once(
        session,
        Stocktake,
        uid,
        lambda: Stocktake(
            uid=uid, room_id=room_id, started_by_id=actor_id, started_at=now or utcnow()
        ),
    )
    stocktake = made.row
    statement = select(AssetItem).where(AssetItem.written_off_at.is_(None))
    if room_id is not None:
        statement = statement.where(AssetItem.room_id == room_id)
    loaned = dict(
        session.execute(
            select(Loan.item_id, func.sum(Loan.quantity))
            .where(Loan.returned_at.is_(None))
            .group_by(Loan.item_id)
        ).all()
    )
    for item in session.scalars(statement.order_by(AssetItem.code)):
        if item.in_stock <= 0:
            continue  # all missing already, waiting for its write-off
        session.add(
            StocktakeLine(
                stocktake_id=stocktake.id,
                item_id=item.id,
                expected=item.in_stock,
                on_loan=min(item.in_stock, int(loaned.get(item.id, 0))),
            )
        )
    session.flush()
    return made


@dataclass(frozen=True)
class Counted:
    outcome: str  # counted, already, unknown, unknown_again, not_expected
    line: StocktakeLine
    item: AssetItem | None


def count_item(
    session: Session,
    stocktake: Stocktake,
    *,
    code: str,
    actor_id: int | None,
    found: int | None = None,
    now: datetime | None = None,
) -> Counted:
    """Tick an item off by its code. Counting twice answers "already counted"; a code the
    list does not hold is kept on the stocktake, once. ``found`` sets how many pieces of a kit
    were found (a second count with a number corrects it)."""
    if not stocktake.is_open:
        raise Refused("stocktake_closed")
    now = now or utcnow()
    code = normalise_code(code)
    if not code:
        raise Refused("no_code")
    item = session.scalar(select(AssetItem).where(AssetItem.code == code))
    line = (
        session.scalar(
            select(StocktakeLine).where(
                StocktakeLine.stocktake_id == stocktake.id, StocktakeLine.item_id == item.id
            )
        )
        if item is not None
        else None
    )
    if line is None:
        return _unknown(session, stocktake, code, item, actor_id, now)
    line = _locked(session, line)
    present = line.expected - line.on_loan
    if line.counted and (found is None or found == line.found):
        return Counted("already", line, item)
    line.found = present if found is None else max(0, min(found, line.expected))
    line.counted_at, line.counted_by_id = now, actor_id
    _event(
        session,
        item,
        EventKind.COUNTED,
        actor_id,
        at=now,
        stocktake_id=stocktake.id,
        quantity=line.found,
    )
    session.flush()
    return Counted("counted", line, item)


def _unknown(
    session: Session,
    stocktake: Stocktake,
    code: str,
    item: AssetItem | None,
    actor_id: int | None,
    now: datetime,
) -> Counted:
    kept = session.scalar(
        select(StocktakeLine).where(
            StocktakeLine.stocktake_id == stocktake.id, StocktakeLine.unknown_code == code
        )
    )
    if kept is not None:
        return Counted("unknown_again", kept, item)
    line = StocktakeLine(
        stocktake_id=stocktake.id,
        unknown_code=code,
        found=1,
        counted_at=now,
        counted_by_id=actor_id,
    )
    try:
        with session.begin_nested():
            session.add(line)
            session.flush()
    except IntegrityError:  # the same code scanned twice at once
        kept = session.scalar(
            select(StocktakeLine).where(
                StocktakeLine.stocktake_id == stocktake.id, StocktakeLine.unknown_code == code
            )
        )
        return Counted("unknown_again", kept, item)
    return Counted("not_expected" if item is not None else "unknown", line, item)


def close_stocktake(
    session: Session,
    stocktake: Stocktake,
    *,
    reasons: dict[int, str],
    actor_id: int | None,
    now: datetime | None = None,
) -> WriteOff | None:
    """Close with a reason for every line with pieces missing; else Refused("reasons") naming
    the lines. The missing pieces leave stock, pending write-off, and a write-off request is
    drafted from them for the keeper to send."""
    stocktake = _locked(session, stocktake)
    if not stocktake.is_open:
        return None
    now = now or utcnow()
    missing = [line for line in stocktake.lines if line.item_id is not None and line.missing]
    without = [line.id for line in missing if not (reasons.get(line.id) or "").strip()]
    if without:
        raise Refused("reasons", lines=without)
    write_off = None
    if missing:
        write_off = WriteOff(
            uid=uuid.uuid5(stocktake.uid, "write-off"),
            status=WriteOffStatus.DRAFT,
            drafted_by_id=actor_id,
        )
        session.add(write_off)
        session.flush()
    for line in missing:
        line.reason = reasons[line.id].strip()[:200]
        line.item.missing += line.missing
        session.add(
            WriteOffLine(
                write_off_id=write_off.id,
                item_id=line.item_id,
                quantity=line.missing,
                reason=line.reason,
            )
        )
        _event(
            session,
            line.item,
            EventKind.MISSING,
            actor_id,
            at=now,
            stocktake_id=stocktake.id,
            quantity=-line.missing,
            note=line.reason,
        )
    stocktake.closed_at, stocktake.closed_by_id = now, actor_id
    stocktake.write_off_id = write_off.id if write_off is not None else None
    session.flush()
    return write_off


# Write-offs ------------------------------------------------------------------------------------


def request_write_off(
    session: Session,
    *,
    uid: uuid.UUID,
    lines: list[tuple[AssetItem, int, str]],
    actor_id: int | None,
    note: str | None = None,
    now: datetime | None = None,
) -> Made:
    """The keeper asks to write items off (item, pieces, reason): signed by asking."""
    existing = find_by_uid(session, WriteOff, uid)
    if existing is not None:
        return Made(existing, created=False)
    if not lines:
        raise Refused("no_lines")
    pending = pending_write_off_items(session)
    for item, quantity, _reason in lines:
        if not item.in_ledger or item.id in pending:
            raise Refused("already_pending", code=item.code)
        if quantity < 1 or quantity > item.quantity - on_loan(session, item.id):
            raise Refused("too_many", code=item.code)
    now = now or utcnow()
    made = create_once(
        session,
        WriteOff,
        uid,
        lambda: WriteOff(
            uid=uid,
            status=WriteOffStatus.REQUESTED,
            note=note,
            drafted_by_id=actor_id,
            requested_by_id=actor_id,
            requested_at=now,
        ),
    )
    if made.created:
        for item, quantity, reason in lines:
            session.add(
                WriteOffLine(
                    write_off_id=made.row.id, item_id=item.id, quantity=quantity, reason=reason
                )
            )
            _event(
                session,
                item,
                EventKind.WRITE_OFF_REQUESTED,
                actor_id,
                at=now,
                write_off_id=made.row.id,
                quantity=quantity,
                note=reason,
            )
        session.flush()
    return made


def send_draft(
    session: Session,
    write_off: WriteOff,
    *,
    reasons: dict[int, str],
    actor_id: int | None,
    now: datetime | None = None,
) -> bool:
    """The keeper checks a drafted write-off (from a stocktake), may reword its reasons, and
    signs it. False when it was sent already."""
    write_off = _locked(session, write_off)
    if write_off.status != WriteOffStatus.DRAFT:
        return False
    now = now or utcnow()
    for line in write_off.lines:
        if (reasons.get(line.id) or "").strip():
            line.reason = reasons[line.id].strip()[:200]
        _event(
            session,
            line.item,
            EventKind.WRITE_OFF_REQUESTED,
            actor_id,
            at=now,
            write_off_id=write_off.id,
            quantity=line.quantity,
            note=line.reason,
        )
    write_off.status = WriteOffStatus.REQUESTED
    write_off.requested_by_id, write_off.requested_at = actor_id, now
    session.flush()
    return True


def countersign(
    session: Session, write_off: WriteOff, *, actor_id: int, now: datetime | None = None
) -> bool:
    """The department head's signature: someone other than the keeper who asked."""
    write_off = _locked(session, write_off)
    if write_off.status != WriteOffStatus.REQUESTED:
        return False
    if write_off.requested_by_id == actor_id:
        raise Refused("same_person")
    write_off.status = WriteOffStatus.SIGNED
    write_off.head_signed_by_id, write_off.head_signed_at = actor_id, now or utcnow()
    session.flush()
    return True


def decide(
    session: Session,
    write_off: WriteOff,
    *,
    approve: bool,
    actor_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> bool:
    """The principal approves (the pieces leave the ledger) or rejects (they stay)."""
    write_off = _locked(session, write_off)
    if write_off.status != WriteOffStatus.SIGNED:
        return False
    now = now or utcnow()
    write_off.status = WriteOffStatus.APPROVED if approve else WriteOffStatus.REJECTED
    write_off.decided_by_id, write_off.decided_at = actor_id, now
    write_off.decision_note = note
    for line in write_off.lines:
        item = _locked(session, line.item)
        if approve:
            if line.quantity >= item.quantity:
                item.written_off_at = now
            else:
                item.quantity -= line.quantity
                item.missing = max(0, item.missing - line.quantity)
        _event(
            session,
            item,
            EventKind.WRITTEN_OFF if approve else EventKind.WRITE_OFF_REJECTED,
            actor_id,
            at=now,
            write_off_id=write_off.id,
            quantity=-line.quantity if approve else None,
            note=note,
        )
    audit.record(
        session,
        AuditAction.STATUS,
        actor_id=actor_id,
        subject="asset_write_off",
        subject_id=write_off.id,
        fields=[write_off.status.value],
    )
    session.flush()
    return True
