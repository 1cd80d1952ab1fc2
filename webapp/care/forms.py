"""Care forms: what every care entry shares, and the talk (谈心), the quickest of them.

Every create form carries its own UUID, made when the form is made: sending the same form twice
(a double tap, a retry on a weak network, an offline replay) finds the record it made the first
time. Each form turns its fields into the service's plain values with ``record_values()`` and
fills itself from a record with ``from_record()`` for an edit or an amendment.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from webapp.care.models import CareRecord, Channel, Mood, Topic
from webapp.core.forms import BaseForm, MultiCheckboxField, none_if_empty, options, strip_filter
from webapp.core.i18n import local_today

TEXT = [strip_filter, none_if_empty]
# How far back a record may be dated: a term and a bit, so last month's visit still goes in.
OLDEST_DAYS = 200

FOLLOW_UP_IN = {
    "1": (_l("Tomorrow"), 1),
    "3": (_l("In 3 days"), 3),
    "7": (_l("In a week"), 7),
    "14": (_l("In 2 weeks"), 14),
}


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class CareForm(BaseForm):
    """What every care entry has: its own UUID, and the day it happened (today, preset)."""

    uid = HiddenField()
    happened_on = DateField(
        _l("Date"), validators=[InputRequired(message=_l("Enter the date it happened."))]
    )

    # The record fields this form sets (see service.RECORD_FIELDS).
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.uid.data:
            self.uid.data = str(uuid.uuid4())
        if self.happened_on.data is None and not self.is_submitted():
            self.happened_on.data = local_today()

    @property
    def uid_value(self) -> uuid.UUID:
        return _uuid(self.uid.data) or uuid.uuid4()

    def validate_uid(self, field: HiddenField) -> None:
        if _uuid(field.data) is None:
            raise ValidationError(str(_l("This form is damaged. Reload the page.")))

    def validate_happened_on(self, field: DateField) -> None:
        today = local_today()
        if field.data and field.data > today:
            raise ValidationError(str(_l("This date is in the future.")))
        if field.data and field.data < today - timedelta(days=OLDEST_DAYS):
            raise ValidationError(str(_l("This date is too long ago to record now.")))

    def record_values(self) -> dict[str, Any]:
        return {name: getattr(self, name).data for name in self.FIELDS}

    def from_record(self, record: CareRecord) -> None:
        """Fill the form with a record's values, to edit it or to start an amendment."""
        self.happened_on.data = record.happened_on
        for name in self.FIELDS:
            getattr(self, name).data = getattr(record, name)


class TalkForm(CareForm):
    topics = MultiCheckboxField(_l("About"), choices=options(Topic.choices()))
    mood = RadioField(
        _l("Mood"),
        choices=options(Mood.choices()),
        validators=[Optional()],
    )
    notes = TextAreaField(
        _l("What was said"),
        description=_l("A few sentences are enough. The keyboard's microphone can write them."),
        filters=TEXT,
        validators=[
            DataRequired(message=_l("Write a few words about the talk.")),
            Length(max=4000),
        ],
        render_kw={"rows": 4},
    )
    concern = BooleanField(_l("Something worries me: tell the class teacher and counsellor"))
    follow_up = StringField(
        _l("Follow-up"),
        description=_l("Something to do next, for example: call the grandmother."),
        filters=TEXT,
        validators=[Length(max=200)],
    )
    follow_up_in = RadioField(
        _l("Follow up by"),
        choices=options((key, label) for key, (label, _days) in FOLLOW_UP_IN.items()),
        default="7",
        validators=[Optional()],
    )
    channel = RadioField(
        _l("How"),
        choices=options(
            (c.value, c.label) for c in (Channel.FACE_TO_FACE, Channel.PHONE, Channel.VIDEO)
        ),
        default=Channel.FACE_TO_FACE.value,
    )

    FIELDS = ("topics", "mood", "notes", "concern", "follow_up", "channel")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Labels in the reader's language: made for each request, not once at import.
        self.topics.choices = options(Topic.choices())
        self.mood.choices = options(Mood.choices())
        self.channel.choices = options(
            (c.value, c.label) for c in (Channel.FACE_TO_FACE, Channel.PHONE, Channel.VIDEO)
        )

    def record_values(self) -> dict[str, Any]:
        values = super().record_values()
        values["topics"] = {Topic(t) for t in values["topics"] or ()}
        values["mood"] = Mood(values["mood"]) if values["mood"] else None
        values["channel"] = Channel(values["channel"]) if values["channel"] else None
        values["follow_up_due"] = self.follow_up_due()
        return values

    def follow_up_due(self) -> date | None:
        if not self.follow_up.data:
            return None
        _label, days = FOLLOW_UP_IN.get(self.follow_up_in.data or "7", FOLLOW_UP_IN["7"])
        return (self.happened_on.data or local_today()) + timedelta(days=days)

    def from_record(self, record: CareRecord) -> None:
        super().from_record(record)
        self.topics.data = sorted(t.value for t in record.topics)
        self.mood.data = record.mood.value if record.mood else None
        self.channel.data = record.channel.value if record.channel else None
        if record.follow_up_due and record.happened_on:
            days = (record.follow_up_due - record.happened_on).days
            self.follow_up_in.data = next(
                (key for key, (_label, d) in FOLLOW_UP_IN.items() if d == days), "7"
            )


class FollowUpDoneForm(BaseForm):
    """Marking a follow-up done: the button is the whole form."""


class AmendForm(BaseForm):
    """The reason an amendment is made, asked above the corrected fields."""

    reason = StringField(
        _l("What is corrected"),
        filters=[strip_filter],
        validators=[DataRequired(message=_l("Say briefly what is corrected.")), Length(max=200)],
    )
