"""Safety forms: the roll-call and headcount sheet, the leave, an absence's reason, dorm rooms and
beds, and the school's deadlines.

Every create form carries its own UUID, made when the form is made: sending it twice finds what
the first sending made.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from webapp.children.models import Child
from webapp.core.choices import Choice
from webapp.core.forms import BaseForm, CapturedForm, none_if_empty, options, strip_filter
from webapp.core.i18n import local_today
from webapp.safety.models import AbsenceReason, DayPart, LeaveKind

TEXT = [strip_filter, none_if_empty]
LEAVE_DAYS_BACK = 30
LEAVE_DAYS_AHEAD = 60
LEAVE_LONGEST = 60


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class UidForm(CapturedForm):
    """A create form with its own UUID, made when the form is made."""

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


def mark_field(child_id: int) -> str:
    return f"s{child_id}"


class SheetForm(UidForm):
    """A roll call or a headcount: one radio group per child (``s<child id>``), only the
    children tapped are sent; ``shown`` holds what the page showed marked, so a mark sent back
    unchanged is not taken for a change."""

    shown = HiddenField()

    def __init__(self, *args: Any, statuses: type[Choice], children: list[Child], **kwargs):
        super().__init__(*args, **kwargs)
        self.statuses = statuses
        self.children = children
        self.sent: dict[int, Choice] = {}

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        self.sent = {}
        for child in self.children:
            value = request.form.get(mark_field(child.id), "")
            if not value:
                continue
            status = self.statuses._value2member_map_.get(value)
            if status is None:
                self.form_errors.append(str(_l("This form is damaged. Reload the page.")))
                return False
            self.sent[child.id] = status
        return valid

    def shown_marks(self) -> dict[int, Choice]:
        """What the page showed: ``12:sick,15:absent``; anything unreadable is left out."""
        shown: dict[int, Choice] = {}
        for pair in (self.shown.data or "").split(","):
            child_id, _, value = pair.partition(":")
            status = self.statuses._value2member_map_.get(value)
            if child_id.isdigit() and status is not None:
                shown[int(child_id)] = status
        return shown


class LeaveForm(UidForm):
    kind = RadioField(
        _l("Kind of leave"),
        choices=options(LeaveKind.choices()),
        default=LeaveKind.SICK.value,
        validators=[InputRequired(message=_l("Choose sick or personal leave."))],
    )
    starts_on = DateField(
        _l("First day"), validators=[InputRequired(message=_l("Enter the first day."))]
    )
    days = IntegerField(
        _l("Days"),
        description=_l("School days: two days from a Friday are Friday and Monday."),
        default=1,
        validators=[
            InputRequired(message=_l("Enter how many days.")),
            NumberRange(min=1, max=LEAVE_LONGEST, message=_l("Between 1 and 60 days.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    part = RadioField(
        _l("Part of the day"),
        choices=options(DayPart.choices()),
        default=DayPart.WHOLE_DAY.value,
        validators=[InputRequired(message=_l("Choose the part of the day."))],
    )
    asked_by = StringField(
        _l("Who asked"),
        description=_l("For example: the grandmother, by phone."),
        filters=TEXT,
        validators=[Length(max=50)],
        render_kw={"list": "asked-by-options", "autocomplete": "off"},
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Seen only by the class teacher and the school's leaders."),
        filters=TEXT,
        validators=[Length(max=500)],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.starts_on.data is None and not self.is_submitted():
            self.starts_on.data = local_today()

    def validate_starts_on(self, field: DateField) -> None:
        today = local_today()
        if field.data and field.data < today - timedelta(days=LEAVE_DAYS_BACK):
            raise ValidationError(str(_l("This date is too long ago to record now.")))
        if field.data and field.data > today + timedelta(days=LEAVE_DAYS_AHEAD):
            raise ValidationError(str(_l("This date is too far ahead.")))


class ReasonForm(BaseForm):
    reason = RadioField(
        _l("Why the child was away"),
        choices=options(AbsenceReason.choices()),
        validators=[InputRequired(message=_l("Choose what the family said."))],
    )
    notes = TextAreaField(
        _l("What the family said"),
        description=_l("For example: called the grandfather; the child had a fever."),
        filters=TEXT,
        validators=[Length(max=500)],
    )


class RoomForm(UidForm):
    name = StringField(
        _l("Room"),
        description=_l("For example: 男生101"),
        filters=TEXT,
        validators=[DataRequired(message=_l("Enter the room's name.")), Length(max=40)],
    )
    building = StringField(_l("Building"), filters=TEXT, validators=[Length(max=40)])
    beds = IntegerField(
        _l("Beds"),
        default=8,
        validators=[
            InputRequired(message=_l("Enter how many beds.")),
            NumberRange(min=1, max=60, message=_l("Between 1 and 60 beds.")),
        ],
    )


class BedForm(UidForm):
    child_id = RadioField(
        _l("Boarder"),
        coerce=int,
        validators=[InputRequired(message=_l("Choose a boarder."))],
    )
    bed = StringField(
        _l("Bed"),
        description=_l("Its number or place, for example: 3 or 3上."),
        filters=TEXT,
        validators=[DataRequired(message=_l("Enter the bed.")), Length(max=10)],
    )

    def __init__(self, *args: Any, boarders: list[Child], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.child_id.choices = options(
            (child.id, f"{child.name} {child.school_class.name if child.school_class else ''}")
            for child in boarders
        )


class SettingsForm(BaseForm):
    morning_deadline = TimeField(
        _l("Morning roll call due by"),
        validators=[InputRequired(message=_l("Enter a time."))],
    )
    afternoon_roll_call = BooleanField(_l("An afternoon roll call too"))
    afternoon_deadline = TimeField(_l("Afternoon roll call due by"), validators=[Optional()])

    def validate_afternoon_deadline(self, field: TimeField) -> None:
        if self.afternoon_roll_call.data and field.data is None:
            raise ValidationError(str(_l("Enter a time.")))
