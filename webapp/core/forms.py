"""Form fields that speak Chinese conventions, with messages shown next to the field."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectMultipleField, StringField, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.core.cn import IdNumberError, PhoneError, normalise_phone, parse_id_number


class BaseForm(FlaskForm):
    """Every form: CSRF on, and values kept when validation fails (WTForms does that)."""


# A form kept on the phone without signal is sent later with the time it was filled in; the
# phone keeps it at most this long, and a clock a little ahead of the server's is forgiven.
CAPTURED_WITHIN = timedelta(hours=72)
CLOCK_SKEW = timedelta(minutes=5)
# What counts (a duty done, a roll call on time) uses the time on the phone, never later than
# its arrival and never more than this before it: a phone whose clock is wrong moves nothing far.
COUNTED_WITHIN = timedelta(days=30)


def counted_time(captured: datetime | None, received: datetime) -> datetime:
    """When an entry counts: its captured time, clamped to the 30 days before ``received``."""
    if captured is None or captured > received:
        return received
    return max(captured, received - COUNTED_WITHIN)


def parse_captured(value: Any) -> datetime | None:
    """The phone's ISO 8601 time (``2026-11-27T08:30:00.000Z``) as an aware UTC datetime."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


class CapturedForm(BaseForm):
    """A form the phone's outbox may send late: ``captured_at`` says when it was filled in, so
    the record keeps when it happened apart from when it arrived. Empty when sent at once."""

    captured_at = HiddenField()

    @property
    def captured_at_value(self) -> datetime | None:
        return parse_captured(self.captured_at.data)

    @property
    def counted_at(self) -> datetime:
        """When the entry counts: the time on the phone, clamped (see ``counted_time``)."""
        return counted_time(self.captured_at_value, datetime.now(UTC))

    def validate_captured_at(self, field: HiddenField) -> None:
        if not field.data:
            return
        moment = parse_captured(field.data)
        now = datetime.now(UTC)
        if moment is None:
            raise ValidationError(str(_l("This form is damaged. Reload the page.")))
        if moment > now + CLOCK_SKEW:
            raise ValidationError(
                str(_l("The phone's clock is ahead: the time it was filled in is in the future."))
            )
        if moment < now - CAPTURED_WITHIN:
            raise ValidationError(
                str(_l("This entry was kept on the phone for more than 72 hours. Enter it again."))
            )


class PhoneField(StringField):
    """A mobile (or, when allowed, landline) number, stored normalised."""

    def __init__(self, *args: Any, allow_landline: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {}).update(
            {"inputmode": "tel", "autocomplete": "tel", "maxlength": 20}
        )
        super().__init__(*args, **kwargs)
        self.allow_landline = allow_landline

    def pre_validate(self, form: Any) -> None:
        if not self.data:
            return
        try:
            self.data = normalise_phone(self.data, allow_landline=self.allow_landline)
        except PhoneError:
            message = (
                _l("Enter an 11-digit mobile number or a landline with its area code.")
                if self.allow_landline
                else _l("Enter an 11-digit mobile number.")
            )
            raise ValidationError(str(message)) from None


ID_NUMBER_MESSAGES = {
    "shape": _l("An ID number has 18 characters: 17 digits and a digit or X."),
    "birth_date": _l("The birth date in this ID number is not a real date."),
    "check_digit": _l("The last character does not match: please check the number digit by digit."),
}


class IdNumberField(StringField):
    """A resident ID number checked by the GB 11643 check digit; ``.parsed`` holds the details."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {}).update({"autocomplete": "off", "maxlength": 18})
        super().__init__(*args, **kwargs)
        self.parsed = None

    def pre_validate(self, form: Any) -> None:
        self.parsed = None
        if not self.data:
            return
        try:
            self.parsed = parse_id_number(self.data)
        except IdNumberError as error:
            raise ValidationError(str(ID_NUMBER_MESSAGES[error.reason])) from None
        self.data = self.parsed.value


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes (困境 types, the 三特 flags): big targets, no hidden select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def strip_filter(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def none_if_empty(value: Any) -> Any:
    return None if value in ("", None) else value


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select options."""
    return [SelectChoice(value, label) for value, label in pairs]
