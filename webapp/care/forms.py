"""Care forms: what every care entry shares, the talk (谈心), the quickest of them, and the
others of the quick-entry pages: home visit, parent contact, family call, letter home, group
talk, and the care activity.

Every create form carries its own UUID, made when the form is made: sending the same form twice
(a double tap, a retry on a weak network, an offline replay) finds the record it made the first
time. Each form turns its fields into the service's plain values with ``record_values()`` and
fills itself from a record with ``from_record()`` for an edit or an amendment. What a kind needs
beyond the record's columns goes in its sealed ``details`` (DetailsMixin).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from webapp.care.models import (
    ActivityTheme,
    CareRecord,
    Channel,
    Direction,
    Hazard,
    Mood,
    Topic,
)
from webapp.children.models import CareAbility, Child
from webapp.core.choices import Choice
from webapp.core.files import NotAnImage, shrink_photo
from webapp.core.forms import (
    BaseForm,
    CapturedForm,
    MultiCheckboxField,
    none_if_empty,
    options,
    strip_filter,
)
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


class CareForm(CapturedForm):
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


class FollowUpMixin(CareForm):
    """A follow-up with a due chip, as on the talk."""

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

    def follow_up_due(self) -> date | None:
        if not self.follow_up.data:
            return None
        _label, days = FOLLOW_UP_IN.get(self.follow_up_in.data or "7", FOLLOW_UP_IN["7"])
        return (self.happened_on.data or local_today()) + timedelta(days=days)

    def record_values(self) -> dict[str, Any]:
        return super().record_values() | {"follow_up_due": self.follow_up_due()}

    def from_record(self, record: CareRecord) -> None:
        super().from_record(record)
        if record.follow_up_due and record.happened_on:
            days = (record.follow_up_due - record.happened_on).days
            self.follow_up_in.data = next(
                (key for key, (_label, d) in FOLLOW_UP_IN.items() if d == days), "7"
            )


class TalkForm(FollowUpMixin):
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
    channel = RadioField(
        _l("How"),
        choices=options(Channel.choices((Channel.FACE_TO_FACE, Channel.PHONE, Channel.VIDEO))),
        default=Channel.FACE_TO_FACE.value,
    )

    FIELDS = ("topics", "mood", "notes", "concern", "follow_up", "channel")

    def record_values(self) -> dict[str, Any]:
        values = super().record_values()
        values["topics"] = {Topic(t) for t in values["topics"] or ()}
        values["mood"] = Mood(values["mood"]) if values["mood"] else None
        values["channel"] = Channel(values["channel"]) if values["channel"] else None
        return values

    def from_record(self, record: CareRecord) -> None:
        super().from_record(record)
        self.topics.data = sorted(t.value for t in record.topics)
        self.mood.data = record.mood.value if record.mood else None
        self.channel.data = record.channel.value if record.channel else None


# Quick entry beyond the talk ------------------------------------------------------------------

MAX_PHOTOS = 6
MINUTES_PICKS = ("5", "10", "20", "30")


def person_key(record: CareRecord) -> str | None:
    """How a form names the parent or guardian a record was with: ``parent.12``."""
    if record.parent_id is not None:
        return f"parent.{record.parent_id}"
    if record.guardian_id is not None:
        return f"guardian.{record.guardian_id}"
    return None


def people_choices(child: Child, *, named: bool = True) -> list[tuple[str, str]]:
    """The child's parents and present guardians, as ``parent.12`` → "父亲 · 张大军".

    Without ``named`` only the relation shows: what a keeper of the children's home, who sees
    the roster only, needs to say who the child called.
    """
    people = [(f"parent.{p.id}", p.relation.label, p.name) for p in child.parents]
    people += [(f"guardian.{g.id}", g.relation.label, g.name) for g in child.active_guardians]
    return [
        (key, f"{relation} · {name}" if named and name else relation)
        for key, relation, name in people
    ]


def choice_labels(choice: type[Choice], values: Iterable[str]) -> str:
    """Stored choice values as their labels, for reading a record: "用电、溺水"."""
    members = choice._value2member_map_
    return "、".join(members[v].label for v in values if v in members)


class PersonMixin(CareForm):
    """Which parent or guardian it was with; the choices come from the child's card."""

    person = RadioField(
        _l("With"),
        invalid_choice_message=_l("Choose the parent or guardian."),
    )

    def __init__(self, *args: Any, people: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person.choices = options(people)
        if not people:  # nobody on the card yet: the record can still be made
            self.person.validators = [Optional()]

    def person_values(self) -> dict[str, int | None]:
        subject, _dot, raw_id = (self.person.data or "").partition(".")
        return {
            "parent_id": int(raw_id) if subject == "parent" else None,
            "guardian_id": int(raw_id) if subject == "guardian" else None,
        }

    def record_values(self) -> dict[str, Any]:
        return super().record_values() | self.person_values()

    def from_record(self, record: CareRecord) -> None:
        super().from_record(record)
        self.person.data = person_key(record)


class MinutesMixin(CareForm):
    """How long: a chip for the usual lengths, a number for any other."""

    minutes_pick = RadioField(
        _l("How long"),
        choices=options((m, _l("%(num)s min", num=m)) for m in MINUTES_PICKS),
        validators=[Optional()],
    )
    minutes_typed = IntegerField(
        _l("Or minutes"),
        validators=[Optional()],
        render_kw={"inputmode": "numeric", "min": 1, "max": 600},
    )

    def validate_minutes_typed(self, field: IntegerField) -> None:
        if field.data is not None and not 1 <= field.data <= 600:
            raise ValidationError(str(_l("Enter the minutes, from 1 to 600.")))

    def minutes(self) -> int | None:
        if self.minutes_typed.data:
            return self.minutes_typed.data
        return int(self.minutes_pick.data) if self.minutes_pick.data else None

    def record_values(self) -> dict[str, Any]:
        return super().record_values() | {"minutes": self.minutes()}

    def from_record(self, record: CareRecord) -> None:
        super().from_record(record)
        if record.minutes is not None and str(record.minutes) in MINUTES_PICKS:
            self.minutes_pick.data = str(record.minutes)
        else:
            self.minutes_typed.data = record.minutes


class PhotosMixin(CareForm):
    """Several photos, checked before anything is saved: a refused photo keeps the rest of the
    form as typed. The shrunk copies are what ``after_create`` stores."""

    photos = MultipleFileField(
        _l("Photos"),
        description=_l("Up to 6. Where a photo was taken is removed from it."),
        render_kw={"accept": "image/*"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shrunk_photos: list[bytes] = []

    def validate_photos(self, field: MultipleFileField) -> None:
        uploads = [upload for upload in field.data or () if upload and upload.filename]
        if len(uploads) > MAX_PHOTOS:
            raise ValidationError(str(_l("At most 6 photos at a time.")))
        shrunk = []
        for upload in uploads:
            try:
                shrunk.append(shrink_photo(upload.read()))
            except NotAnImage:
                raise ValidationError(
                    str(
                        _l(
                            "“%(file)s” is not a photo we can use. Choose the photos again.",
                            file=upload.filename[:40],
                        )
                    )
                ) from None
        self.shrunk_photos = shrunk


class DetailsMixin(CareForm):
    """Fields kept in the record's sealed ``details`` rather than in columns of their own."""

    DETAILS: ClassVar[tuple[str, ...]] = ()

    def details_values(self) -> dict[str, Any]:
        return {name: getattr(self, name).data for name in self.DETAILS}

    def record_values(self) -> dict[str, Any]:
        kept = {k: v for k, v in self.details_values().items() if v not in (None, "", [])}
        return super().record_values() | {"details": kept}

    def from_record(self, record: CareRecord) -> None:
        super().from_record(record)
        details = record.details
        for name in self.DETAILS:
            if name in details:
                getattr(self, name).data = details[name]


class HomeVisitForm(DetailsMixin, PhotosMixin, FollowUpMixin):
    """A home visit (家访): who went, whom they met, the home, the care, the advice given."""

    visitors = MultiCheckboxField(_l("Who visited"), coerce=int)
    met = MultiCheckboxField(_l("Whom we met"))
    met_other = StringField(
        _l("Others we met"),
        description=_l("Names or relations, for example: uncle, neighbour."),
        filters=TEXT,
        validators=[Length(max=100)],
    )
    living = TextAreaField(
        _l("Living conditions"),
        description=_l("The house, the room the child sleeps in, food, study corner."),
        filters=TEXT,
        validators=[Length(max=2000)],
        render_kw={"rows": 3},
    )
    hazards = MultiCheckboxField(_l("Hazards seen"), choices=options(Hazard.choices()))
    hazard_note = StringField(_l("About the hazards"), filters=TEXT, validators=[Length(max=200)])
    guardian_care = RadioField(
        _l("The guardian's care"),
        choices=options(CareAbility.choices()),
        validators=[Optional()],
    )
    guidance = TextAreaField(
        _l("Guidance given"),
        description=_l("What was advised: safety, homework, calling the parents."),
        filters=TEXT,
        validators=[Length(max=2000)],
        render_kw={"rows": 3},
    )
    notes = TextAreaField(
        _l("How the visit went"),
        description=_l("A few sentences are enough. The keyboard's microphone can write them."),
        filters=TEXT,
        validators=[
            DataRequired(message=_l("Write a few words about the visit.")),
            Length(max=4000),
        ],
        render_kw={"rows": 4},
    )

    FIELDS = ("notes", "follow_up")
    DETAILS = (
        "visitors",
        "met",
        "met_other",
        "living",
        "hazards",
        "hazard_note",
        "guardian_care",
        "guidance",
    )

    def __init__(
        self,
        *args: Any,
        people: list[tuple[str, str]] = (),
        staff: list[tuple[int, str]] = (),
        author_id: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.visitors.choices = options(staff)
        self.met.choices = options(people)
        self.staff_names = dict(staff)
        self.people_names = dict(people)
        if not self.is_submitted() and not self.visitors.data and author_id is not None:
            self.visitors.data = [author_id]

    def validate_visitors(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError(str(_l("Choose who visited.")))

    def details_values(self) -> dict[str, Any]:
        values = super().details_values()
        # Names as they were that day, beside the ids the edit form ticks again.
        values["visitor_names"] = [self.staff_names.get(i, "") for i in values["visitors"] or ()]
        values["met_names"] = [self.people_names.get(k, "") for k in values["met"] or ()]
        return values

    @staticmethod
    def facts(record: CareRecord) -> list[tuple[str, str]]:
        details = record.details
        met = [*details.get("met_names", ()), *filter(None, [details.get("met_other")])]
        hazards = choice_labels(Hazard, details.get("hazards", ()))
        if details.get("hazard_note"):
            hazards = "；".join(filter(None, [hazards, details["hazard_note"]]))
        care = choice_labels(CareAbility, filter(None, [details.get("guardian_care")]))
        return [
            (label, value)
            for label, value in (
                (_("Who visited"), "、".join(details.get("visitor_names", ()))),
                (_("Whom we met"), "、".join(met)),
                (_("Living conditions"), details.get("living", "")),
                (_("Hazards seen"), hazards),
                (_("The guardian's care"), care),
                (_("Guidance given"), details.get("guidance", "")),
            )
            if value
        ]


CONTACT_CHANNELS = (
    Channel.PHONE,
    Channel.VIDEO,
    Channel.WECHAT,
    Channel.SMS,
    Channel.LETTER,
    Channel.FACE_TO_FACE,
)


class ParentContactForm(FollowUpMixin, MinutesMixin, PersonMixin):
    """Contact between the school and a parent or guardian (亲情联系 / 家长联系)."""

    direction = RadioField(
        _l("Who reached out"),
        choices=options(Direction.choices()),
        default=Direction.OUTGOING.value,
    )
    channel = RadioField(
        _l("How"),
        choices=options(Channel.choices(CONTACT_CHANNELS)),
        default=Channel.PHONE.value,
    )
    notes = TextAreaField(
        _l("What was said"),
        description=_l("A few sentences are enough. The keyboard's microphone can write them."),
        filters=TEXT,
        validators=[
            DataRequired(message=_l("Write a few words about what was said.")),
            Length(max=4000),
        ],
        render_kw={"rows": 4},
    )

    FIELDS = ("direction", "channel", "notes", "follow_up")

    def record_values(self) -> dict[str, Any]:
        values = super().record_values()
        values["direction"] = Direction(values["direction"])
        values["channel"] = Channel(values["channel"])
        return values

    def from_record(self, record: CareRecord) -> None:
        super().from_record(record)
        self.direction.data = record.direction.value if record.direction else None
        self.channel.data = record.channel.value if record.channel else None


class FamilyCallForm(MinutesMixin, PersonMixin):
    """A call or video call between the child and a parent (亲情电话/视频), as the keeper of
    the children's home logs it."""

    channel = RadioField(
        _l("How"),
        choices=options(Channel.choices((Channel.PHONE, Channel.VIDEO))),
        default=Channel.VIDEO.value,
    )
    notes = TextAreaField(
        _l("Note"),
        filters=TEXT,
        validators=[Length(max=1000)],
        render_kw={"rows": 2},
    )

    FIELDS = ("channel", "notes")

    def record_values(self) -> dict[str, Any]:
        values = super().record_values()
        values["channel"] = Channel(values["channel"])
        return values

    def from_record(self, record: CareRecord) -> None:
        super().from_record(record)
        self.channel.data = record.channel.value if record.channel else None


class LetterHomeForm(PersonMixin):
    """A letter from the child to a parent (亲情书信): to whom, when it was sent."""

    happened_on = DateField(
        _l("Sent on"), validators=[InputRequired(message=_l("Enter the day it was sent."))]
    )
    notes = TextAreaField(
        _l("Note"),
        filters=TEXT,
        validators=[Length(max=1000)],
        render_kw={"rows": 2},
    )

    FIELDS = ("notes",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person.label.text = _l("To")

    def record_values(self) -> dict[str, Any]:
        return super().record_values() | {"channel": Channel.LETTER}


class GroupTalkForm(TalkForm):
    """One talk with several children: one record each."""

    children = MultiCheckboxField(_l("Children"), coerce=int)

    def __init__(self, *args: Any, children: list[Child] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.children.choices = options((c.id, c.name) for c in children)

    def validate_children(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError(str(_l("Choose at least one child.")))


class ActivityForm(PhotosMixin):
    """A care activity (关爱活动) and who took part: the whole class in one tap, or some."""

    title = StringField(
        _l("Title"),
        description=_l("For example: Mid-Autumn festival with the grandparents."),
        filters=[strip_filter],
        validators=[DataRequired(message=_l("Give the activity a title.")), Length(max=100)],
    )
    theme = RadioField(
        _l("Kind of activity"),
        choices=options(ActivityTheme.choices()),
        invalid_choice_message=_l("Choose the kind of activity."),
    )
    place = StringField(_l("Place"), filters=TEXT, validators=[Length(max=100)])
    summary = TextAreaField(
        _l("Summary"),
        description=_l("What was done and how the children took part."),
        filters=TEXT,
        validators=[Length(max=4000)],
        render_kw={"rows": 4},
    )
    whole_class = BooleanField(_l("The whole class took part"))
    participants = MultiCheckboxField(_l("Who took part"), coerce=int)

    def __init__(self, *args: Any, children: list[Child] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.participants.choices = options((c.id, c.name) for c in children)
        self.class_children = list(children)

    def validate_participants(self, field: MultiCheckboxField) -> None:
        if not field.data and not self.whole_class.data:
            raise ValidationError(str(_l("Choose who took part, or the whole class.")))

    def participant_ids(self) -> list[int]:
        if self.whole_class.data:
            return [c.id for c in self.class_children]
        return list(self.participants.data or ())


class FollowUpDoneForm(BaseForm):
    """Marking a follow-up done: the button is the whole form."""


class AmendForm(BaseForm):
    """The reason an amendment is made, asked above the corrected fields."""

    reason = StringField(
        _l("What is corrected"),
        filters=[strip_filter],
        validators=[DataRequired(message=_l("Say briefly what is corrected.")), Length(max=200)],
    )
