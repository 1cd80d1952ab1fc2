"""Forms of incidents and safety paperwork. Every create form carries its own UUID, made when
the form is made, so a double tap, a retry or a replay makes one row; signing a step carries
one too, so a replay of the same signature is recognised as the same act.

Times are typed as the school's wall clock (Beijing) and become aware datetimes here.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    FileField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from webapp.children.models import GuardianRelation
from webapp.core.db import utcnow
from webapp.core.files import NotADocument, prepare_document
from webapp.core.forms import BaseForm, MultiCheckboxField, none_if_empty, options, strip_filter
from webapp.core.i18n import SCHOOL_TIMEZONE, local_today
from webapp.incidents.models import (
    MANDATORY_KINDS,
    IncidentKind,
    NoticeChannel,
    SafetyTopic,
    StepKind,
)

TEXT = [strip_filter, none_if_empty]
OLDEST_DAYS = 200  # as far back as a care record may be dated
CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock a little ahead of the server's


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def local_time(day: date | None, hour: time | None) -> datetime | None:
    """A day and a wall-clock time at the school, as an aware datetime."""
    if day is None or hour is None:
        return None
    return datetime.combine(day, hour.replace(second=0, microsecond=0), tzinfo=SCHOOL_TIMEZONE)


def now_here() -> datetime:
    return utcnow().astimezone(SCHOOL_TIMEZONE)


class OnceForm(BaseForm):
    """A form with its own UUID, made when the form is made."""

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


def _not_in_future(moment: datetime | None) -> None:
    if moment is not None and moment > utcnow() + CLOCK_SKEW:
        raise ValidationError(str(_l("This time has not come yet.")))


class IncidentForm(OnceForm):
    """An incident or a mandatory report: what, to whom, when, where, and what was done."""

    kind = RadioField(
        _l("Kind of incident"),
        choices=options(IncidentKind.choices()),
        invalid_choice_message=_l("Choose the kind of incident."),
    )
    children = MultiCheckboxField(_l("Children involved"), coerce=int)
    happened_on = DateField(
        _l("Day it happened"), validators=[InputRequired(message=_l("Enter the day."))]
    )
    happened_time = TimeField(
        _l("Time it happened"), validators=[InputRequired(message=_l("Enter the time."))]
    )
    known_on = DateField(_l("Day the school learned of it"), validators=[Optional()])
    known_time = TimeField(
        _l("Time the school learned of it"),
        description=_l("Only if later than it happened: the clocks run from then."),
        validators=[Optional()],
    )
    place = StringField(
        _l("Place"),
        description=_l("For example: the playground, the road by the village shop, at home."),
        filters=TEXT,
        validators=[DataRequired(message=_l("Enter where it happened.")), Length(max=100)],
    )
    what_happened = TextAreaField(
        _l("What happened"),
        filters=TEXT,
        validators=[
            DataRequired(message=_l("Write a few words about what happened.")),
            Length(max=4000),
        ],
        render_kw={"rows": 4},
    )
    injuries = TextAreaField(
        _l("Injuries"),
        description=_l("Who is hurt and how; leave empty if nobody is."),
        filters=TEXT,
        validators=[Length(max=2000)],
        render_kw={"rows": 2},
    )
    actions_taken = TextAreaField(
        _l("Actions taken"),
        description=_l("First aid, hospital, who stays with the child."),
        filters=TEXT,
        validators=[Length(max=2000)],
        render_kw={"rows": 2},
    )
    police_station = StringField(
        _l("Police station"),
        description=_l("Fill in once reported; if not yet, call 110 now."),
        filters=TEXT,
        validators=[Length(max=100)],
    )
    police_officer = StringField(_l("Officer"), filters=TEXT, validators=[Length(max=50)])
    police_receipt = StringField(_l("Receipt number"), filters=TEXT, validators=[Length(max=50)])
    police_time = TimeField(_l("Reported at"), validators=[Optional()])

    def __init__(self, *args: Any, children: list[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.children.choices = options(children)
        if not self.is_submitted():
            now = now_here()
            self.happened_on.data = self.happened_on.data or now.date()
            self.happened_time.data = self.happened_time.data or now.time().replace(
                second=0, microsecond=0
            )
            self.children.data = self.children.data or [child_id for child_id, _ in children]

    @property
    def chosen_kind(self) -> IncidentKind | None:
        return IncidentKind._value2member_map_.get(self.kind.data or "")

    @property
    def is_mandatory(self) -> bool:
        return self.chosen_kind in MANDATORY_KINDS

    @property
    def happened_at(self) -> datetime | None:
        return local_time(self.happened_on.data, self.happened_time.data)

    @property
    def known_at(self) -> datetime | None:
        if self.known_time.data is None:
            return None
        return local_time(self.known_on.data or self.happened_on.data, self.known_time.data)

    @property
    def police_at(self) -> datetime | None:
        if self.police_time.data is None:
            return None
        day = (self.known_at or self.happened_at or now_here()).date()
        reported = local_time(day, self.police_time.data)
        start = self.known_at or self.happened_at
        if reported is not None and start is not None and reported < start:
            reported += timedelta(days=1)  # reported after midnight
        return reported

    def validate_children(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError(str(_l("Choose at least one child.")))

    def validate_happened_time(self, field: TimeField) -> None:
        moment = self.happened_at
        _not_in_future(moment)
        if moment is not None and moment.date() < local_today() - timedelta(days=OLDEST_DAYS):
            raise ValidationError(str(_l("This date is too long ago to record now.")))

    def validate_known_time(self, field: TimeField) -> None:
        known, happened = self.known_at, self.happened_at
        _not_in_future(known)
        if known is not None and happened is not None and known < happened:
            raise ValidationError(str(_l("The school cannot learn of it before it happened.")))

    def validate_police_station(self, field: StringField) -> None:
        named = [self.police_officer.data, self.police_receipt.data, self.police_time.data]
        if any(value for value in named) and not field.data:
            raise ValidationError(str(_l("Enter the police station it was reported to.")))

    def validate_police_time(self, field: TimeField) -> None:
        _not_in_future(self.police_at)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # An empty optional field skips its own validator: asked here instead.
        if self.police_station.data and not self.police_officer.data:
            self.police_officer.errors.append(str(_l("Enter the officer who took the report.")))
            valid = False
        if self.police_station.data and self.police_time.data is None:
            self.police_time.errors.append(str(_l("Enter when it was reported.")))
            valid = False
        return valid

    def police_report(self) -> dict[str, Any] | None:
        if not self.is_mandatory or not self.police_station.data:
            return None
        return {
            "done_at": self.police_at,
            "whom": self.police_station.data,
            "officer": self.police_officer.data,
            "receipt_no": self.police_receipt.data,
            "channel": NoticeChannel.PHONE,
        }


class FactsForm(BaseForm):
    """The facts of an incident, corrected while it is open."""

    place = IncidentForm.place
    what_happened = IncidentForm.what_happened
    injuries = IncidentForm.injuries
    actions_taken = IncidentForm.actions_taken

    FIELDS = ("place", "what_happened", "injuries", "actions_taken")

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name).data for name in self.FIELDS}


# How each party is usually told.
STEP_CHANNELS = {
    StepKind.POLICE: (NoticeChannel.PHONE, NoticeChannel.IN_PERSON),
    StepKind.GUARDIAN: (
        NoticeChannel.PHONE,
        NoticeChannel.IN_PERSON,
        NoticeChannel.WECHAT,
        NoticeChannel.VIDEO,
        NoticeChannel.SMS,
    ),
    StepKind.AUTHORITY: (
        NoticeChannel.PHONE,
        NoticeChannel.WRITTEN,
        NoticeChannel.ONLINE,
        NoticeChannel.IN_PERSON,
    ),
}
STEP_CHANNELS[StepKind.PARENTS] = STEP_CHANNELS[StepKind.GUARDIAN]
STEP_CHANNELS[StepKind.GOVERNMENT] = STEP_CHANNELS[StepKind.AUTHORITY]

WHOM_HINTS = {
    StepKind.POLICE: _l("The police station, for example: 青杠派出所."),
    StepKind.GUARDIAN: _l("For example: 奶奶王秀英."),
    StepKind.PARENTS: _l("For example: 父亲张大军."),
    StepKind.AUTHORITY: _l("For example: 县教育局安全股 李股长."),
    StepKind.GOVERNMENT: _l("For example: 青杠镇政府 值班室."),
}

SIGN = "sign"
NOT_NEEDED = "not_needed"


class StepForm(OnceForm):
    """Signing one step: told whom, how and when; or not needed, and why."""

    action = StringField(default=SIGN)  # the button pressed: sign, or not needed
    person = RadioField(_l("Told whom"), validators=[Optional()])
    whom = StringField(_l("Told whom"), filters=TEXT, validators=[Length(max=100)])
    channel = RadioField(_l("How"), validators=[Optional()])
    done_on = DateField(_l("Day"), validators=[InputRequired(message=_l("Enter the day."))])
    done_time = TimeField(_l("Time"), validators=[InputRequired(message=_l("Enter the time."))])
    officer = StringField(_l("Officer"), filters=TEXT, validators=[Length(max=50)])
    receipt_no = StringField(_l("Receipt number"), filters=TEXT, validators=[Length(max=50)])
    note = TextAreaField(
        _l("Note"),
        description=_l("What was said; or why nobody needs to be told."),
        filters=TEXT,
        validators=[Length(max=1000)],
        render_kw={"rows": 2},
    )

    def __init__(
        self,
        *args: Any,
        kind: StepKind,
        started: datetime,
        people: list[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.step_kind, self.started = kind, started
        self.person.choices = options(people)
        self.channel.choices = options(NoticeChannel.choices(STEP_CHANNELS[kind]))
        self.whom.description = WHOM_HINTS[kind]
        if people:  # the chips above name the family; this is for anyone else
            self.whom.label.text = _l("Someone else")
        if kind == StepKind.POLICE:
            self.whom.label.text = _l("Police station")
        if not self.is_submitted():
            now = now_here()
            self.done_on.data = now.date()
            self.done_time.data = now.time().replace(second=0, microsecond=0)
            self.channel.data = STEP_CHANNELS[kind][0].value

    @property
    def not_needed(self) -> bool:
        return self.action.data == NOT_NEEDED

    @property
    def done_at(self) -> datetime | None:
        return local_time(self.done_on.data, self.done_time.data)

    def told_whom(self) -> str | None:
        labels = {choice.value: choice.label for choice in self.person.choices or ()}
        chosen = labels.get(self.person.data) if self.person.data else None
        return self.whom.data or (str(chosen) if chosen else None)

    def validate_whom(self, field: StringField) -> None:
        if not self.not_needed and not self.told_whom():
            raise ValidationError(str(_l("Say whom you told.")))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # An empty optional field skips its own validator: asked here instead.
        if not self.not_needed and not self.channel.data:
            self.channel.errors.append(str(_l("Choose how.")))
            return False
        return valid

    def validate_officer(self, field: StringField) -> None:
        if self.step_kind == StepKind.POLICE and not self.not_needed and not field.data:
            raise ValidationError(str(_l("Enter the officer who took the report.")))

    def validate_note(self, field: TextAreaField) -> None:
        if self.not_needed and not field.data:
            raise ValidationError(str(_l("Say why nobody needs to be told.")))

    def validate_done_time(self, field: TimeField) -> None:
        moment = self.done_at
        _not_in_future(moment)
        if moment is not None and not self.not_needed and moment < self.started:
            raise ValidationError(str(_l("This is before the incident happened.")))

    def values(self) -> dict[str, Any]:
        if self.not_needed:
            return {"not_needed": True, "note": self.note.data, "done_at": self.done_at}
        return {
            "done_at": self.done_at,
            "channel": NoticeChannel(self.channel.data),
            "whom": self.told_whom(),
            "officer": self.officer.data if self.step_kind == StepKind.POLICE else None,
            "receipt_no": self.receipt_no.data if self.step_kind == StepKind.POLICE else None,
            "note": self.note.data,
        }


class CloseForm(BaseForm):
    outcome = TextAreaField(
        _l("Outcome"),
        description=_l("How it ended: the child's recovery, what the school changed."),
        filters=TEXT,
        validators=[Length(max=2000)],
        render_kw={"rows": 3},
    )


# The daily safety education --------------------------------------------------------------------

MINUTES_PICKS = ("5", "10", "15", "20", "40")


class SafetyLessonForm(OnceForm):
    """A class's safety education of a day: the topics in taps, the minutes in one more."""

    topics = MultiCheckboxField(_l("Topics"), choices=options(SafetyTopic.choices()))
    minutes_pick = RadioField(
        _l("How long"),
        choices=options((m, _l("%(num)s min", num=m)) for m in MINUTES_PICKS),
        default="5",
        validators=[Optional()],
    )
    minutes_typed = IntegerField(
        _l("Or minutes"),
        validators=[Optional()],
        render_kw={"inputmode": "numeric", "min": 1, "max": 240},
    )
    held_on = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    note = StringField(
        _l("Note"),
        description=_l("For example: the fire drill with the whole school."),
        filters=TEXT,
        validators=[Length(max=200)],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.held_on.data is None and not self.is_submitted():
            self.held_on.data = local_today()

    def validate_topics(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError(str(_l("Choose at least one topic.")))

    def validate_minutes_typed(self, field: IntegerField) -> None:
        if field.data is not None and not 1 <= field.data <= 240:
            raise ValidationError(str(_l("Enter the minutes, from 1 to 240.")))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # An empty optional field skips its own validator: asked here instead.
        if self.minutes_typed.data is None and not self.minutes_pick.data:
            self.minutes_typed.errors.append(str(_l("Choose how long.")))
            return False
        return valid

    def validate_held_on(self, field: DateField) -> None:
        today = local_today()
        if field.data and field.data > today:
            raise ValidationError(str(_l("This date is in the future.")))
        if field.data and field.data < today - timedelta(days=OLDEST_DAYS):
            raise ValidationError(str(_l("This date is too long ago to record now.")))

    def minutes(self) -> int:
        return self.minutes_typed.data or int(self.minutes_pick.data)


# Agreements ------------------------------------------------------------------------------------


class AgreementForm(OnceForm):
    """Who signed a child's agreement for the year, when, and a photo or PDF of the paper."""

    signer = StringField(
        _l("Signed by"),
        filters=TEXT,
        validators=[DataRequired(message=_l("Enter who signed it.")), Length(max=50)],
    )
    relation = RadioField(
        _l("Relation to the child"),
        choices=options(GuardianRelation.choices()),
        invalid_choice_message=_l("Choose the relation."),
    )
    signed_on = DateField(
        _l("Signed on"), validators=[InputRequired(message=_l("Enter the day it was signed."))]
    )
    scan = FileField(
        _l("Scan"),
        description=_l("A photo of the signed paper, or a PDF. Up to 12 MB."),
        render_kw={"accept": "image/*,application/pdf"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prepared_scan: tuple[bytes, str] | None = None
        if self.signed_on.data is None and not self.is_submitted():
            self.signed_on.data = local_today()

    def validate_signed_on(self, field: DateField) -> None:
        if field.data and field.data > local_today():
            raise ValidationError(str(_l("This date is in the future.")))

    def validate_scan(self, field: FileField) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", None):
            return
        try:
            self.prepared_scan = prepare_document(upload.read())
        except NotADocument:
            raise ValidationError(
                str(
                    _l(
                        "“%(file)s” is neither a photo nor a whole PDF. Choose the file again.",
                        file=upload.filename[:40],
                    )
                )
            ) from None

    def values(self) -> dict[str, Any]:
        return {
            "signer": self.signer.data,
            "relation": GuardianRelation(self.relation.data),
            "signed_on": self.signed_on.data,
        }
