"""Forms of the ledger, loans, stocktakes and write-offs.

Every form that makes or changes something carries its own UUID, made when the form is made:
sending it twice (a double tap, a retry on a weak network) does the thing once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from webapp.assets.isbn import IsbnError, normalise_isbn
from webapp.assets.models import AssetItem, Category, Condition, Source
from webapp.core.forms import BaseForm, CapturedForm, none_if_empty, options, strip_filter
from webapp.core.i18n import local_today
from webapp.room.models import Room

TEXT = [strip_filter, none_if_empty]

# The due chips of a loan: days from today.
DUE_CHIPS = {
    "0": _l("Back today"),
    "3": _l("3 days"),
    "7": _l("1 week"),
    "14": _l("2 weeks"),
}
PERIOD_CHOICES = [
    ("0", _l("Same day")),
    ("3", _l("3 days")),
    ("7", _l("1 week")),
    ("14", _l("2 weeks")),
    ("30", _l("30 days")),
]


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class UidForm(CapturedForm):
    """A form with its own UUID, made when the form is made (and, sent late from the phone's
    outbox, the time it was filled in)."""

    uid = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.uid.data:
            self.uid.data = str(uuid.uuid4())

    @property
    def uid_value(self) -> uuid.UUID:
        return _uuid(self.uid.data) or uuid.uuid4()

    def validate_uid(self, field: HiddenField) -> None:
        if _uuid(field.data) is None:
            raise ValidationError(str(_l("This form is damaged. Reload the page.")))


class IsbnField(StringField):
    """An ISBN-10 or ISBN-13, checked by its check digit; kept as ISBN-13."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {}).update(
            {"inputmode": "numeric", "autocomplete": "off", "maxlength": 20}
        )
        super().__init__(*args, **kwargs)

    def pre_validate(self, form: Any) -> None:
        if not self.data:
            return
        try:
            self.data = normalise_isbn(self.data)
        except IsbnError as error:
            if error.reason == "check_digit":
                message = _l("The last digit does not match: please check the ISBN digit by digit.")
            else:
                message = _l("An ISBN has 10 or 13 digits (the last of 10 may be X).")
            raise ValidationError(str(message)) from None


class MoneyField(StringField):
    """An amount in yuan (12.50), held as fen."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {}).update({"inputmode": "decimal", "maxlength": 12})
        super().__init__(*args, **kwargs)
        self.fen: int | None = None

    def pre_validate(self, form: Any) -> None:
        self.fen = None
        text = (self.data or "").strip().replace("，", ".").replace("元", "").replace("¥", "")
        if not text:
            return
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(str(_l("Enter an amount in yuan, for example 25.50."))) from None
        if amount < 0 or amount >= 10_000_000 or amount.as_tuple().exponent < -2:
            raise ValidationError(str(_l("Enter an amount in yuan, for example 25.50.")))
        self.fen = int(amount * 100)


def yuan(fen: int | None) -> str:
    return "" if fen is None else f"{Decimal(fen) / 100:.2f}"


class ItemForm(UidForm):
    category = RadioField(
        _l("Kind"),
        choices=options(Category.choices()),
        default=Category.BOOK.value,
        validators=[InputRequired(message=_l("Choose what kind of thing it is."))],
    )
    name = StringField(
        _l("Name or title"),
        filters=TEXT,
        validators=[
            DataRequired(message=_l("Write the name or the book's title.")),
            Length(max=100),
        ],
    )
    author = StringField(_l("Author"), filters=TEXT, validators=[Length(max=60)])
    isbn = IsbnField(
        _l("ISBN"), filters=TEXT, description=_l("On the back cover, above the bar code.")
    )
    serial = StringField(
        _l("Serial number or asset tag"), filters=TEXT, validators=[Length(max=60)]
    )
    quantity = IntegerField(
        _l("How many"),
        default=1,
        validators=[Optional(), NumberRange(min=1, max=9999, message=_l("From 1 to 9999."))],
        render_kw={"inputmode": "numeric"},
        description=_l("Kits and consumables: how many pieces. A book or a machine is one each."),
    )
    low_stock = IntegerField(
        _l("Warn when stock falls to"),
        validators=[Optional(), NumberRange(min=0, max=9999, message=_l("From 0 to 9999."))],
        render_kw={"inputmode": "numeric"},
    )
    room_id = SelectField(_l("Room"), coerce=str, validators=[Optional()])
    room_only = BooleanField(_l("Room only: cannot be lent"))
    source = RadioField(
        _l("How it came in"),
        choices=options(Source.choices()),
        default=Source.PURCHASE.value,
        validators=[InputRequired(message=_l("Choose how it came in."))],
    )
    donor = StringField(_l("Donor"), filters=TEXT, validators=[Length(max=100)])
    received_on = DateField(
        _l("Received on"), validators=[InputRequired(message=_l("Enter the day it came in."))]
    )
    value = MoneyField(_l("Value per piece (yuan)"), filters=[strip_filter])
    note = StringField(_l("Note"), filters=TEXT, validators=[Length(max=200)])

    def __init__(self, *args: Any, rooms: list[Room] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.room_id.choices = [("", _l("No room"))] + [(str(r.id), r.name) for r in rooms]
        if self.received_on.data is None and not self.is_submitted():
            self.received_on.data = local_today()

    def validate_donor(self, field: StringField) -> None:
        if self.source.data == Source.DONATION.value and not field.data:
            raise ValidationError(str(_l("Write who donated it.")))

    def validate_received_on(self, field: DateField) -> None:
        if field.data and field.data > local_today():
            raise ValidationError(str(_l("This date is in the future.")))

    def validate_low_stock(self, field: IntegerField) -> None:
        if field.data is not None and self.category.data != Category.CONSUMABLE.value:
            field.data = None  # only consumables run low

    def item_values(self) -> dict[str, Any]:
        category = Category(self.category.data)
        return {
            "category": category,
            "name": self.name.data,
            "author": self.author.data if category == Category.BOOK else None,
            "isbn": self.isbn.data if category == Category.BOOK else None,
            "serial": self.serial.data,
            "quantity": (self.quantity.data or 1) if category.counted else 1,
            "low_stock": self.low_stock.data if category == Category.CONSUMABLE else None,
            "room_id": int(self.room_id.data) if (self.room_id.data or "").isdigit() else None,
            "room_only": bool(self.room_only.data),
            "source": Source(self.source.data),
            "donor": self.donor.data if self.source.data == Source.DONATION.value else None,
            "received_on": self.received_on.data,
            "value_fen": self.value.fen,
            "note": self.note.data,
        }

    def from_item(self, item: AssetItem) -> None:
        self.category.data = item.category.value
        for name in ("name", "author", "serial", "quantity", "low_stock", "room_only"):
            getattr(self, name).data = getattr(item, name)
        self.isbn.data = item.isbn
        self.room_id.data = str(item.room_id) if item.room_id else ""
        self.source.data = item.source.value
        self.donor.data = item.donor
        self.received_on.data = item.received_on
        self.value.data = yuan(item.value_fen)
        self.note.data = item.note


class LendForm(UidForm):
    """Lend: the borrower (a tile of the children here, or found by search), the due chip
    preset from the kind of item, and for a kit how many pieces."""

    borrower = RadioField(
        _l("To whom"),
        validate_choice=False,
        validators=[InputRequired(message=_l("Choose who borrows it."))],
    )
    due = RadioField(
        _l("Back by"),
        choices=options(DUE_CHIPS.items()),
        validators=[InputRequired(message=_l("Choose when it comes back."))],
    )
    quantity = IntegerField(
        _l("How many"),
        default=1,
        validators=[Optional(), NumberRange(min=1, max=999, message=_l("From 1 to 999."))],
        render_kw={"inputmode": "numeric"},
    )

    def __init__(self, *args: Any, default_days: int = 14, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chips = dict(DUE_CHIPS)
        if str(default_days) not in chips:
            chips[str(default_days)] = _l("%(num)d days", num=default_days)
        self.due.choices = options(chips.items())
        if not self.is_submitted():
            self.due.data = str(default_days)

    def validate_due(self, field: RadioField) -> None:
        if not (field.data or "").isdigit():
            raise ValidationError(str(_l("Choose when it comes back.")))

    @property
    def due_days(self) -> int:
        return int(self.due.data)


class ReturnForm(UidForm):
    condition = RadioField(
        _l("Condition"),
        choices=options(Condition.choices()),
        default=Condition.GOOD.value,
        validators=[InputRequired(message=_l("Choose the condition."))],
    )
    loan_id = HiddenField()
    note = StringField(_l("What is wrong with it"), filters=TEXT, validators=[Length(max=200)])

    @property
    def loan_value(self) -> int | None:
        return int(self.loan_id.data) if (self.loan_id.data or "").isdigit() else None


class RenewForm(UidForm):
    loan_id = HiddenField(validators=[DataRequired()])


class StockForm(UidForm):
    change = IntegerField(
        _l("Pieces out (−) or in (+)"),
        validators=[
            InputRequired(message=_l("Enter how many, for example -5 or 20.")),
            NumberRange(min=-9999, max=9999, message=_l("From -9999 to 9999.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    note = StringField(_l("Note"), filters=TEXT, validators=[Length(max=200)])

    def validate_change(self, field: IntegerField) -> None:
        if field.data == 0:
            raise ValidationError(str(_l("Enter how many, for example -5 or 20.")))


class BasketLendForm(LendForm):
    """The basket's lend form: one borrower and one due chip for every item in it; preset,
    each item is due after its own kind's period."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.due.choices = options([("auto", _l("By kind of item")), *DUE_CHIPS.items()])
        if not self.is_submitted():
            self.due.data = "auto"

    def validate_due(self, field: RadioField) -> None:
        if field.data != "auto":
            super().validate_due(field)

    @property
    def due_days(self) -> int | None:  # type: ignore[override]
        return None if self.due.data == "auto" else int(self.due.data)


class StartStocktakeForm(UidForm):
    room_id = SelectField(_l("What to count"), coerce=str, validators=[Optional()])

    def __init__(self, *args: Any, rooms: list[Room] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.room_id.choices = [("", _l("The whole ledger"))] + [(str(r.id), r.name) for r in rooms]

    @property
    def room_value(self) -> int | None:
        return int(self.room_id.data) if (self.room_id.data or "").isdigit() else None


class CountForm(BaseForm):
    code = StringField(
        _l("Code"),
        filters=[strip_filter],
        validators=[DataRequired(message=_l("Type the code under the QR label."))],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "maxlength": 200},
    )
    found = IntegerField(
        _l("Pieces found"),
        validators=[Optional(), NumberRange(min=0, max=9999)],
        render_kw={"inputmode": "numeric"},
    )


def reasons_form(line_ids: list[int], *, label: Any, data: dict[int, str] | None = None) -> Any:
    """A form with one reason field per line (the missing items of a stocktake, the lines of
    a drafted write-off)."""

    class ReasonsForm(BaseForm):
        pass

    for line_id in line_ids:
        setattr(
            ReasonsForm,
            f"reason_{line_id}",
            StringField(label, filters=TEXT, validators=[Length(max=200)]),
        )
    form = ReasonsForm()
    if data and not form.is_submitted():
        for line_id, reason in data.items():
            getattr(form, f"reason_{line_id}").data = reason
    return form


def reasons_of(form: Any, line_ids: list[int]) -> dict[int, str]:
    return {line_id: getattr(form, f"reason_{line_id}").data or "" for line_id in line_ids}


def write_off_form(items: list[AssetItem], chosen: set[int]) -> Any:
    """A new write-off: a tick, the pieces and a reason for each candidate item."""

    class WriteOffForm(UidForm):
        note = StringField(_l("Note"), filters=TEXT, validators=[Length(max=200)])

    for item in items:
        setattr(WriteOffForm, f"take_{item.id}", BooleanField(item.name, default=item.id in chosen))
        setattr(
            WriteOffForm,
            f"pieces_{item.id}",
            IntegerField(
                _l("Pieces"),
                default=max(1, item.missing) if item.category.counted else 1,
                validators=[Optional(), NumberRange(min=1, max=item.quantity)],
                render_kw={"inputmode": "numeric"},
            ),
        )
        setattr(
            WriteOffForm,
            f"reason_{item.id}",
            StringField(_l("Why"), filters=TEXT, validators=[Length(max=200)]),
        )
    return WriteOffForm()


class AcceptForm(BaseForm):
    """A signature: one tap, its CSRF token only (signing twice changes nothing)."""


class DecisionForm(BaseForm):
    note = StringField(_l("Note"), filters=TEXT, validators=[Length(max=200)])


class SettingsForm(BaseForm):
    code_prefix = StringField(
        _l("Code prefix"),
        filters=[strip_filter],
        validators=[DataRequired(message=_l("Two to four capital letters, for example YG."))],
        render_kw={"maxlength": 4, "autocapitalize": "characters"},
    )
    child_limit = IntegerField(
        _l("Loans per child at once"),
        validators=[InputRequired(), NumberRange(min=1, max=20, message=_l("From 1 to 20."))],
        render_kw={"inputmode": "numeric"},
    )
    book_days = RadioField(_l("Books are lent for"), choices=options(PERIOD_CHOICES))
    equipment_days = RadioField(_l("Equipment is lent for"), choices=options(PERIOD_CHOICES))
    kit_days = RadioField(_l("Kits are lent for"), choices=options(PERIOD_CHOICES))

    def validate_code_prefix(self, field: StringField) -> None:
        field.data = (field.data or "").upper()
        if not (2 <= len(field.data) <= 4 and field.data.isascii() and field.data.isalpha()):
            raise ValidationError(str(_l("Two to four capital letters, for example YG.")))

    def settings_values(self) -> dict[str, Any]:
        return {
            "code_prefix": self.code_prefix.data,
            "child_limit": self.child_limit.data,
            "book_days": int(self.book_days.data),
            "equipment_days": int(self.equipment_days.data),
            "kit_days": int(self.kit_days.data),
        }
