"""Reading the ledger, loans, stocktakes and write-offs. Everything goes through the tenant
filter: another school's items, loans and borrowers are simply never found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from webapp.assets.models import (
    AssetEvent,
    AssetItem,
    Category,
    Loan,
    Stocktake,
    StocktakeLine,
    WriteOff,
    WriteOffLine,
    WriteOffStatus,
    normalise_code,
)
from webapp.auth.models import User
from webapp.care.queries import find_children
from webapp.children.access import ON_ROLL
from webapp.children.models import Child, SchoolClass
from webapp.core.cn import name_search_keys
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.core.org import Membership
from webapp.core.permissions import CLASS_ROLES, Role, can
from webapp.room.models import Room, SignIn

PAGE_SIZE = 15
STATES = ("low", "missing", "unaccepted", "written_off")
PICKER_SIZE = 12
_LATIN = re.compile(r"^[a-z]+$")


def find_item(session: Session, code: str) -> AssetItem | None:
    code = normalise_code(code)
    if not code:
        return None
    return session.scalar(
        select(AssetItem).options(selectinload(AssetItem.room)).where(AssetItem.code == code)
    )


def rooms(session: Session) -> list[Room]:
    return list(session.scalars(select(Room).where(Room.is_active).order_by(Room.name)))


@dataclass(frozen=True)
class LedgerFilters:
    text: str = ""
    category: Category | None = None
    room_id: int | None = None
    state: str = ""  # "", "low", "missing", "written_off", "unaccepted"
    page: int = 1

    def to_query(self, **changes: object) -> dict[str, object]:
        values = {
            "q": self.text,
            "category": self.category.value if self.category else "",
            "room_id": self.room_id,
            "state": self.state,
            "page": self.page if self.page > 1 else None,
        } | changes
        return {k: v for k, v in values.items() if v not in ("", None)}


def _ledger_statement(filters: LedgerFilters) -> Select:
    statement = select(AssetItem)
    if filters.state == "written_off":
        statement = statement.where(AssetItem.written_off_at.is_not(None))
    else:
        statement = statement.where(AssetItem.written_off_at.is_(None))
    if filters.state == "missing":
        statement = statement.where(AssetItem.missing > 0)
    elif filters.state == "low":
        statement = statement.where(
            AssetItem.low_stock.is_not(None),
            AssetItem.quantity - AssetItem.missing <= AssetItem.low_stock,
        )
    elif filters.state == "unaccepted":
        statement = statement.where(
            or_(AssetItem.keeper_signed_at.is_(None), AssetItem.head_signed_at.is_(None))
        )
    if filters.category is not None:
        statement = statement.where(AssetItem.category == filters.category)
    if filters.room_id is not None:
        statement = statement.where(AssetItem.room_id == filters.room_id)
    text = filters.text.strip()
    if text:
        statement = statement.where(
            or_(
                AssetItem.name.contains(text, autoescape=True),
                AssetItem.code.contains(text.upper(), autoescape=True),
                AssetItem.author.contains(text, autoescape=True),
                AssetItem.isbn.contains(re.sub(r"\D", "", text) or text, autoescape=True),
                AssetItem.donor.contains(text, autoescape=True),
            )
        )
    return statement


@dataclass
class LedgerPage:
    items: list[AssetItem]
    total: int
    page: int
    on_loan: dict[int, int]

    @property
    def has_next(self) -> bool:
        return self.page * PAGE_SIZE < self.total


def ledger(session: Session, filters: LedgerFilters) -> LedgerPage:
    statement = _ledger_statement(filters)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    items = list(
        session.scalars(
            statement.order_by(AssetItem.code)
            .offset((filters.page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    return LedgerPage(items, total, filters.page, on_loan_of(session, [i.id for i in items]))


def on_loan_of(session: Session, item_ids: list[int]) -> dict[int, int]:
    if not item_ids:
        return {}
    rows = session.execute(
        select(Loan.item_id, func.sum(Loan.quantity))
        .where(Loan.item_id.in_(item_ids), Loan.returned_at.is_(None))
        .group_by(Loan.item_id)
    ).all()
    return {item_id: int(total) for item_id, total in rows}


@dataclass(frozen=True)
class LedgerSummary:
    items: int
    on_loan: int
    overdue: int
    low: int
    missing: int
    unaccepted: int


def summary(session: Session, today: date) -> LedgerSummary:
    active = AssetItem.written_off_at.is_(None)
    row = session.execute(
        select(
            func.count(AssetItem.id),
            func.count(
                case(
                    (
                        AssetItem.low_stock.is_not(None)
                        & (AssetItem.quantity - AssetItem.missing <= AssetItem.low_stock),
                        1,
                    )
                )
            ),
            func.count(case((AssetItem.missing > 0, 1))),
            func.count(
                case(
                    (
                        AssetItem.keeper_signed_at.is_(None) | AssetItem.head_signed_at.is_(None),
                        1,
                    )
                )
            ),
        ).where(active)
    ).one()
    loans = session.execute(
        select(func.count(Loan.id), func.count(case((Loan.due_on < today, 1)))).where(
            Loan.returned_at.is_(None)
        )
    ).one()
    return LedgerSummary(row[0], loans[0], loans[1], row[1], row[2], row[3])


def open_loans_of(session: Session, item_id: int) -> list[Loan]:
    return list(
        session.scalars(
            select(Loan)
            .options(selectinload(Loan.child).selectinload(Child.school_class))
            .where(Loan.item_id == item_id, Loan.returned_at.is_(None))
            .order_by(Loan.lent_at)
        )
    )


def history(session: Session, item_id: int, limit: int = 50) -> list[AssetEvent]:
    return list(
        session.scalars(
            select(AssetEvent)
            .options(selectinload(AssetEvent.actor), selectinload(AssetEvent.loan))
            .where(AssetEvent.item_id == item_id)
            .order_by(AssetEvent.at.desc(), AssetEvent.id.desc())
            .limit(limit)
        )
    )


def loan(session: Session, loan_id: int) -> Loan | None:
    return session.get(Loan, loan_id)


# Borrowers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Borrower:
    key: str  # child.12 or staff.3: the value the lend form sends
    name: str
    sub: str  # class, or "staff"


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=SCHOOL_TIMEZONE)


def children_here(
    session: Session, today: date, room_id: int | None = None, limit: int = PICKER_SIZE
) -> list[Child]:
    """Children signed in to a room now (today's open sign-ins), the item's room first."""
    order = [SignIn.signed_in_at.desc(), SignIn.id.desc()]
    if room_id is not None:
        order.insert(0, case((SignIn.room_id == room_id, 0), else_=1))
    visits = session.scalars(
        select(SignIn)
        .options(selectinload(SignIn.child).selectinload(Child.school_class))
        .where(SignIn.signed_out_at.is_(None), SignIn.signed_in_at >= day_start(today))
        .order_by(*order)
        .limit(100)
    )
    here: dict[int, Child] = {}
    for visit in visits:
        if visit.child is not None and visit.child.status in ON_ROLL:
            here.setdefault(visit.child_id, visit.child)
    return list(here.values())[:limit]


def find_staff(session: Session, tenant_id: int, text: str, limit: int = 6) -> list[User]:
    """Staff of this school whose name, pinyin or initials hold the text.

    Membership is a kernel table outside the tenant filter: filtered by the school here, as
    care.queries.school_staff does.
    """
    text = text.strip().lower()
    if not text:
        return []
    members = select(Membership.user_id).where(
        Membership.tenant_id == tenant_id, Membership.role != Role.VOLUNTEER
    )
    people = session.scalars(
        select(User).where(User.id.in_(members), User.is_active).order_by(User.name)
    ).all()
    if _LATIN.match(text):
        found = [u for u in people if any(text in key for key in name_search_keys(u.name))]
    else:
        found = [u for u in people if text in u.name]
    return found[:limit]


def find_borrowers(
    session: Session,
    *,
    tenant_id: int,
    user_id: int,
    roles: frozenset[Role],
    text: str,
    today: date,
) -> list[Borrower]:
    children = find_children(session, user_id, roles, text[:30], today)[:PICKER_SIZE]
    staff = find_staff(session, tenant_id, text[:30])
    return [child_borrower(c) for c in children] + [staff_borrower(u) for u in staff]


def child_borrower(child: Child) -> Borrower:
    return Borrower(
        f"child.{child.id}", child.name, child.school_class.name if child.school_class else ""
    )


def staff_borrower(user: User) -> Borrower:
    return Borrower(f"staff.{user.id}", user.name, _("Staff"))


def load_borrower(
    session: Session, key: str, tenant_id: int, user_id: int, roles: frozenset[Role], today: date
) -> Child | User | None:
    """The child or staff member a lend form names, if this person may lend to them here."""
    kind, _dot, number = (key or "").partition(".")
    if not number.isdigit():
        return None
    if kind == "child":
        child = session.get(Child, int(number))  # another school's: not found
        if child is None or child.status not in ON_ROLL:
            return None
        visible = can("children.roster", roles) or can("children.view_all", roles)
        return child if visible else None
    if kind == "staff":
        member = session.scalar(
            select(Membership.id).where(
                Membership.tenant_id == tenant_id,
                Membership.user_id == int(number),
                Membership.role != Role.VOLUNTEER,
            )
        )
        return session.get(User, int(number)) if member else None
    return None


# Loan lists ------------------------------------------------------------------------------------


def open_loans(
    session: Session, today: date, *, overdue_only: bool = False, page: int = 1
) -> tuple[list[Loan], bool]:
    statement = (
        select(Loan)
        .options(
            selectinload(Loan.item),
            selectinload(Loan.child).selectinload(Child.school_class),
            selectinload(Loan.staff),
        )
        .where(Loan.returned_at.is_(None))
        .order_by(Loan.due_on, Loan.id)
    )
    if overdue_only:
        statement = statement.where(Loan.due_on < today)
    rows = list(session.scalars(statement.offset((page - 1) * 30).limit(31)))
    return rows[:30], len(rows) > 30


@dataclass
class ClassReminder:
    school_class: SchoolClass | None
    loans: list[Loan]


def class_reminders(
    session: Session, user_id: int, roles: frozenset[Role], today: date
) -> list[ClassReminder]:
    """Children with overdue loans, by class: a class teacher sees their own classes; the
    keeper and the school's leaders see every class."""
    statement = (
        select(Loan)
        .join(Child, (Child.id == Loan.child_id) & (Child.tenant_id == Loan.tenant_id))
        .options(selectinload(Loan.item), selectinload(Loan.child).selectinload(Child.school_class))
        .where(Loan.returned_at.is_(None), Loan.due_on < today, Child.status.in_(ON_ROLL))
        .order_by(Child.class_id, Child.name, Loan.due_on)
    )
    if not can("assets.view", roles):
        if not roles & CLASS_ROLES:
            return []
        taught = select(SchoolClass.id).where(SchoolClass.teacher_id == user_id)
        statement = statement.where(Child.class_id.in_(taught))
    groups: dict[int | None, ClassReminder] = {}
    for found in session.scalars(statement):
        key = found.child.class_id
        if key not in groups:
            groups[key] = ClassReminder(found.child.school_class, [])
        groups[key].loans.append(found)
    return sorted(
        groups.values(),
        key=lambda g: (g.school_class.grade, g.school_class.section) if g.school_class else (99, 0),
    )


# Stocktakes and write-offs ---------------------------------------------------------------------


@dataclass(frozen=True)
class StocktakeCounts:
    expected: int
    found: int
    on_loan: int
    left: int  # neither counted nor out on loan
    unknown: int


def stocktake_counts(session: Session, stocktake: Stocktake) -> StocktakeCounts:
    row = session.execute(
        select(
            func.count(StocktakeLine.item_id),
            func.count(
                case((StocktakeLine.item_id.is_not(None) & StocktakeLine.found.is_not(None), 1))
            ),
            func.count(case((StocktakeLine.on_loan > 0, 1))),
            func.count(
                case(
                    (
                        StocktakeLine.item_id.is_not(None)
                        & StocktakeLine.found.is_(None)
                        & (StocktakeLine.on_loan < StocktakeLine.expected),
                        1,
                    )
                )
            ),
            func.count(StocktakeLine.unknown_code),
        ).where(StocktakeLine.stocktake_id == stocktake.id)
    ).one()
    return StocktakeCounts(*row)


def stocktake_lines(session: Session, stocktake: Stocktake) -> list[StocktakeLine]:
    return list(
        session.scalars(
            select(StocktakeLine)
            .options(selectinload(StocktakeLine.item))
            .where(StocktakeLine.stocktake_id == stocktake.id)
            .order_by(StocktakeLine.found.is_not(None), StocktakeLine.id)
        )
    )


def stocktakes(session: Session) -> list[Stocktake]:
    return list(
        session.scalars(
            select(Stocktake)
            .options(selectinload(Stocktake.room), selectinload(Stocktake.started_by))
            .order_by(Stocktake.started_at.desc())
            .limit(20)
        )
    )


def write_offs(session: Session) -> list[WriteOff]:
    return list(
        session.scalars(
            select(WriteOff)
            .options(selectinload(WriteOff.lines))
            .order_by(WriteOff.created_at.desc(), WriteOff.id.desc())
            .limit(50)
        )
    )


def pending_write_off_items(session: Session) -> set[int]:
    """Items already on a write-off that is not decided yet."""
    return set(
        session.scalars(
            select(WriteOffLine.item_id)
            .join(
                WriteOff,
                (WriteOff.id == WriteOffLine.write_off_id)
                & (WriteOff.tenant_id == WriteOffLine.tenant_id),
            )
            .where(
                WriteOff.status.in_(
                    (WriteOffStatus.DRAFT, WriteOffStatus.REQUESTED, WriteOffStatus.SIGNED)
                )
            )
        )
    )


def write_off_candidates(session: Session, codes: list[str]) -> list[AssetItem]:
    """What a new write-off offers: the items missing (lost or not found), and the ones asked
    for by code, that are not on an undecided write-off already."""
    pending = pending_write_off_items(session)
    wanted = [normalise_code(c) for c in codes if c]
    statement = select(AssetItem).where(
        AssetItem.written_off_at.is_(None),
        or_(AssetItem.missing > 0, AssetItem.code.in_(wanted)) if wanted else AssetItem.missing > 0,
    )
    return [
        item
        for item in session.scalars(statement.order_by(AssetItem.code))
        if item.id not in pending
    ]


def waiting_write_offs(session: Session, status: WriteOffStatus) -> int:
    return session.scalar(select(func.count(WriteOff.id)).where(WriteOff.status == status)) or 0


def label_items(
    session: Session, *, room_id: int | None, category: Category | None, codes: list[str]
) -> list[AssetItem]:
    statement = select(AssetItem).where(AssetItem.written_off_at.is_(None))
    if codes:
        statement = statement.where(AssetItem.code.in_([normalise_code(c) for c in codes]))
    if room_id is not None:
        statement = statement.where(AssetItem.room_id == room_id)
    if category is not None:
        statement = statement.where(AssetItem.category == category)
    return list(session.scalars(statement.order_by(AssetItem.code).limit(240)))


def items_by_ids(session: Session, ids: list[int]) -> list[AssetItem]:
    if not ids:
        return []
    return list(
        session.scalars(select(AssetItem).where(AssetItem.id.in_(ids)).order_by(AssetItem.code))
    )
