"""The children's home's things: the asset ledger (资产台账), loans (借阅 / 外借), stocktakes
(清查) and write-offs (报废).

An item is one row of the ledger: a book, a piece of equipment, a countable kit (跳绳 ×10) or a
consumable. It carries a short code unique in its school (YG-B-0042) that its QR label opens.
Units leave stock three ways: on loan (open loans), missing (lost on a loan or not found at a
stocktake, pending write-off) and written off (approved by the principal). Nothing is deleted:
an item written off leaves the active ledger and keeps its history.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.choices import Choice
from webapp.core.db import Base, HasUid, Timestamped, enum_column, utcnow
from webapp.core.tenancy import TenantScoped, same_tenant_join, tenant_fk, tenant_keys


class Category(Choice):
    BOOK = "book", _l("Book")
    EQUIPMENT = "equipment", _l("Equipment")
    KIT = "kit", _l("Countable kit")
    CONSUMABLE = "consumable", _l("Consumable")

    @property
    def letter(self) -> str:
        """The middle part of the item's code: YG-B-0042."""
        return {"book": "B", "equipment": "E", "kit": "K", "consumable": "C"}[self.value]

    @property
    def counted(self) -> bool:
        """Kept as a quantity rather than one row per piece."""
        return self in (Category.KIT, Category.CONSUMABLE)


class Source(Choice):
    ALLOCATION = "allocation", _l("Allocated by the authorities")
    PURCHASE = "purchase", _l("Purchased")
    DONATION = "donation", _l("Donated")


class Condition(Choice):
    GOOD = "good", _l("Good")
    DAMAGED = "damaged", _l("Damaged")
    LOST = "lost", _l("Lost")


def normalise_code(text: str) -> str:
    """What a scanner or a keyboard sent: the code itself, or the item's whole URL."""
    text = text.strip().rstrip("/")
    if "/" in text:
        text = text.rsplit("/", 1)[1]
    return text.split("?", 1)[0].upper()[:40]


class AssetItem(HasUid, TenantScoped, Timestamped, Base):
    """An entry of the asset ledger (资产台账): what it is, where it lives, how it came in."""

    __tablename__ = "asset_item"
    __table_args__ = tenant_keys(
        tenant_fk("room_id", "room"),
        UniqueConstraint("tenant_id", "uid"),
        UniqueConstraint("tenant_id", "code"),
        Index(None, "tenant_id", "category", "name"),
        Index(None, "tenant_id", "isbn"),
    )

    code: Mapped[str] = mapped_column(String(20))
    category: Mapped[Category] = mapped_column(enum_column(Category))
    name: Mapped[str] = mapped_column(String(100))
    author: Mapped[str | None] = mapped_column(String(60))
    isbn: Mapped[str | None] = mapped_column(String(13))  # ISBN-13, digits only
    serial: Mapped[str | None] = mapped_column(String(60))  # serial number or asset tag
    quantity: Mapped[int] = mapped_column(default=1)
    missing: Mapped[int] = mapped_column(default=0)  # lost or not found, pending write-off
    low_stock: Mapped[int | None]  # consumables: warn at or below this
    room_id: Mapped[int | None]
    room_only: Mapped[bool] = mapped_column(default=False)
    loan_days: Mapped[int | None]  # overrides the category's loan period
    source: Mapped[Source] = mapped_column(enum_column(Source))
    donor: Mapped[str | None] = mapped_column(String(100))
    received_on: Mapped[date]
    value_fen: Mapped[int | None]  # per piece, in fen (分)
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    keeper_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    keeper_signed_at: Mapped[datetime | None]
    head_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    head_signed_at: Mapped[datetime | None]
    written_off_at: Mapped[datetime | None]

    room = relationship(
        "Room", primaryjoin=same_tenant_join("AssetItem", "room_id", "Room"), viewonly=True
    )
    keeper_signed_by = relationship("User", foreign_keys=[keeper_signed_by_id])
    head_signed_by = relationship("User", foreign_keys=[head_signed_by_id])

    @property
    def accepted(self) -> bool:
        """验收: confirmed by the keeper and a department head."""
        return self.keeper_signed_at is not None and self.head_signed_at is not None

    @property
    def in_ledger(self) -> bool:
        return self.written_off_at is None

    @property
    def lendable(self) -> bool:
        return not self.room_only and self.category != Category.CONSUMABLE

    @property
    def in_stock(self) -> int:
        """Pieces not missing (some may be on loan)."""
        return max(0, self.quantity - self.missing)

    @property
    def is_low(self) -> bool:
        return self.low_stock is not None and self.in_ledger and self.in_stock <= self.low_stock


class Loan(HasUid, TenantScoped, Base):
    """A loan (借出) of an item to a child or a staff member, until it is returned (归还)."""

    __tablename__ = "asset_loan"
    __table_args__ = tenant_keys(
        tenant_fk("item_id", "asset_item"),
        tenant_fk("child_id", "child"),
        UniqueConstraint("tenant_id", "uid"),
        UniqueConstraint("tenant_id", "return_uid"),
        Index(None, "tenant_id", "item_id", "returned_at"),
        Index(None, "tenant_id", "child_id", "returned_at"),
        Index(None, "tenant_id", "returned_at", "due_on"),
    )

    item_id: Mapped[int]
    child_id: Mapped[int | None]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    quantity: Mapped[int] = mapped_column(default=1)
    lent_at: Mapped[datetime] = mapped_column(default=utcnow)
    lent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    due_on: Mapped[date]
    renewals: Mapped[int] = mapped_column(default=0)
    renew_uid: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the last renewal's form
    basket_uid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    returned_at: Mapped[datetime | None]
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    return_uid: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    condition: Mapped[Condition | None] = mapped_column(enum_column(Condition))
    return_note: Mapped[str | None] = mapped_column(String(200))

    item = relationship(
        "AssetItem", primaryjoin=same_tenant_join("Loan", "item_id", "AssetItem"), viewonly=True
    )
    child = relationship(
        "Child", primaryjoin=same_tenant_join("Loan", "child_id", "Child"), viewonly=True
    )
    staff = relationship("User", foreign_keys=[staff_id])

    @property
    def is_open(self) -> bool:
        return self.returned_at is None

    @property
    def borrower_name(self) -> str:
        if self.child is not None:
            return self.child.name
        return self.staff.name if self.staff is not None else ""

    def overdue_on(self, day: date) -> bool:
        return self.returned_at is None and self.due_on < day


class EventKind(Choice):
    RECEIVED = "received", _l("Entered in the ledger")
    KEEPER_SIGNED = "keeper_signed", _l("Acceptance confirmed by the keeper")
    HEAD_SIGNED = "head_signed", _l("Acceptance confirmed by the department head")
    EDITED = "edited", _l("Details changed")
    LENT = "lent", _l("Lent")
    RENEWED = "renewed", _l("Renewed")
    RETURNED = "returned", _l("Returned")
    STOCK = "stock", _l("Stock changed")
    COUNTED = "counted", _l("Counted in a stocktake")
    MISSING = "missing", _l("Missing at a stocktake")
    WRITE_OFF_REQUESTED = "write_off_requested", _l("Write-off requested")
    WRITE_OFF_REJECTED = "write_off_rejected", _l("Write-off rejected")
    WRITTEN_OFF = "written_off", _l("Written off")


class AssetEvent(HasUid, TenantScoped, Base):
    """One line of an item's history: in, accepted, lent, returned, counted, written off.

    ``uid`` is the form's own UUID where a form made the event (a stock change), so sending it
    twice changes the stock once."""

    __tablename__ = "asset_event"
    __table_args__ = tenant_keys(
        tenant_fk("item_id", "asset_item"),
        tenant_fk("loan_id", "asset_loan"),
        tenant_fk("stocktake_id", "asset_stocktake"),
        tenant_fk("write_off_id", "asset_write_off"),
        UniqueConstraint("tenant_id", "uid"),
        Index(None, "tenant_id", "item_id", "at"),
    )

    item_id: Mapped[int]
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    quantity: Mapped[int | None]  # a change of stock, + or -
    condition: Mapped[Condition | None] = mapped_column(enum_column(Condition))
    loan_id: Mapped[int | None]
    stocktake_id: Mapped[int | None]
    write_off_id: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(200))

    actor = relationship("User", foreign_keys=[actor_id])
    loan = relationship(
        "Loan", primaryjoin=same_tenant_join("AssetEvent", "loan_id", "Loan"), viewonly=True
    )


class AssetSettings(TenantScoped, Base):
    """A school's lending rules: how long each kind of thing is lent, and how many at once."""

    __tablename__ = "asset_settings"
    __table_args__ = tenant_keys(UniqueConstraint("tenant_id"))

    code_prefix: Mapped[str] = mapped_column(String(6))
    child_limit: Mapped[int] = mapped_column(default=3)
    book_days: Mapped[int] = mapped_column(default=14)
    equipment_days: Mapped[int] = mapped_column(default=7)
    kit_days: Mapped[int] = mapped_column(default=0)

    def days_for(self, category: Category) -> int:
        return {
            Category.BOOK: self.book_days,
            Category.EQUIPMENT: self.equipment_days,
            Category.KIT: self.kit_days,
        }.get(category, 0)


class Stocktake(HasUid, TenantScoped, Base):
    """A stocktake (清查): the ledger's expected list, ticked off item by item, then closed with
    a reason for everything missing."""

    __tablename__ = "asset_stocktake"
    __table_args__ = tenant_keys(
        tenant_fk("room_id", "room"),
        tenant_fk("write_off_id", "asset_write_off"),
        UniqueConstraint("tenant_id", "uid"),
    )

    room_id: Mapped[int | None]  # one room, or the whole ledger
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    write_off_id: Mapped[int | None]  # drafted from the missing items at close

    room = relationship(
        "Room", primaryjoin=same_tenant_join("Stocktake", "room_id", "Room"), viewonly=True
    )
    started_by = relationship("User", foreign_keys=[started_by_id])
    lines: Mapped[list[StocktakeLine]] = relationship(
        primaryjoin="and_(StocktakeLine.tenant_id == Stocktake.tenant_id, "
        "foreign(StocktakeLine.stocktake_id) == Stocktake.id)",
        order_by="StocktakeLine.id",
        viewonly=True,
    )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class StocktakeLine(TenantScoped, Base):
    """One line of a stocktake: an expected item and what was found of it, or a code scanned
    that the ledger does not expect (kept, to be looked into)."""

    __tablename__ = "asset_stocktake_line"
    __table_args__ = tenant_keys(
        tenant_fk("stocktake_id", "asset_stocktake"),
        tenant_fk("item_id", "asset_item"),
        UniqueConstraint("tenant_id", "stocktake_id", "item_id"),
        UniqueConstraint("tenant_id", "stocktake_id", "unknown_code"),
    )

    stocktake_id: Mapped[int]
    item_id: Mapped[int | None]
    unknown_code: Mapped[str | None] = mapped_column(String(40))
    expected: Mapped[int] = mapped_column(default=0)  # pieces in stock at the start
    on_loan: Mapped[int] = mapped_column(default=0)  # of which on loan at the start
    found: Mapped[int | None]  # pieces found; None: not counted yet
    counted_at: Mapped[datetime | None]
    counted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str | None] = mapped_column(String(200))  # why pieces are missing

    item = relationship(
        "AssetItem",
        primaryjoin=same_tenant_join("StocktakeLine", "item_id", "AssetItem"),
        viewonly=True,
    )

    @property
    def counted(self) -> bool:
        return self.found is not None

    @property
    def missing(self) -> int:
        """Pieces neither found nor on loan."""
        return max(0, self.expected - self.on_loan - (self.found or 0))


class WriteOffStatus(Choice):
    DRAFT = "draft", _l("Draft")
    REQUESTED = "requested", _l("Waiting for the department head")
    SIGNED = "signed", _l("Waiting for the principal")
    APPROVED = "approved", _l("Approved")
    REJECTED = "rejected", _l("Rejected")


class WriteOff(HasUid, TenantScoped, Timestamped, Base):
    """A write-off (报废): asked by the keeper, signed by a department head, approved by the
    principal. Until approved, its items stay in the ledger."""

    __tablename__ = "asset_write_off"
    __table_args__ = tenant_keys(UniqueConstraint("tenant_id", "uid"))

    status: Mapped[WriteOffStatus] = mapped_column(enum_column(WriteOffStatus))
    note: Mapped[str | None] = mapped_column(String(200))
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime | None]
    head_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    head_signed_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(String(200))

    requested_by = relationship("User", foreign_keys=[requested_by_id])
    head_signed_by = relationship("User", foreign_keys=[head_signed_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    lines: Mapped[list[WriteOffLine]] = relationship(
        primaryjoin="and_(WriteOffLine.tenant_id == WriteOff.tenant_id, "
        "foreign(WriteOffLine.write_off_id) == WriteOff.id)",
        order_by="WriteOffLine.id",
        viewonly=True,
    )


class WriteOffLine(TenantScoped, Base):
    """One item of a write-off, how many pieces, and why."""

    __tablename__ = "asset_write_off_line"
    __table_args__ = tenant_keys(
        tenant_fk("write_off_id", "asset_write_off"),
        tenant_fk("item_id", "asset_item"),
        UniqueConstraint("tenant_id", "write_off_id", "item_id"),
    )

    write_off_id: Mapped[int]
    item_id: Mapped[int]
    quantity: Mapped[int] = mapped_column(default=1)
    reason: Mapped[str] = mapped_column(String(200))

    item = relationship(
        "AssetItem",
        primaryjoin=same_tenant_join("WriteOffLine", "item_id", "AssetItem"),
        viewonly=True,
    )
