"""The card's forms, one per section so each fits a phone screen."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from webapp.children.models import (
    CareAbility,
    ChildStatus,
    DifficultyType,
    FamilyType,
    Gender,
    GuardianKind,
    GuardianRelation,
    Literacy,
    ParentSituation,
    ThreeSpecial,
)
from webapp.core.files import MAX_UPLOAD_BYTES
from webapp.core.forms import (
    BaseForm,
    IdNumberField,
    MultiCheckboxField,
    PhoneField,
    none_if_empty,
    options,
    strip_filter,
)

TEXT = [strip_filter, none_if_empty]


def _optional_choices(choice_class: type, blank: Any) -> list:
    return options([("", blank), *choice_class.choices()])


class VersionedForm(BaseForm):
    """A form editing a record (a section of the card, a parent, a guardian), carrying the
    record's version it was opened on."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        """None for a form sent without one (an old page): saved as before, unchecked."""
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None

    def keep_typed_over(self, version: int) -> None:
        """The values stay as typed; the next save is checked against ``version``."""
        self.version.data = str(version)
        self.version.raw_data = [str(version)]


class IdentityForm(VersionedForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter the child's name.")), Length(max=50)],
        filters=[strip_filter],
    )
    id_number = IdNumberField(
        _l("ID number"),
        validators=[Optional()],
        description=_l("Birth date and sex are read from it."),
    )
    gender = SelectField(_l("Sex"), validators=[Optional()])
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])
    ethnicity = StringField(
        _l("Ethnicity"), default="汉族", filters=TEXT, validators=[Optional(), Length(max=20)]
    )
    student_no = StringField(
        _l("Student register number (学籍号)"),
        filters=TEXT,
        validators=[Optional(), Length(max=30)],
    )
    class_id = SelectField(_l("Class"), coerce=lambda v: int(v) if v else None)
    enrolled_on = DateField(_l("Enrolled on"), validators=[Optional()])

    def __init__(self, *args: Any, classes: list = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gender.choices = _optional_choices(Gender, _l("From the ID number"))
        self.class_id.choices = options(
            [("", _l("No class yet")), *((c.id, c.name) for c in classes)]
        )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        parsed = self.id_number.parsed
        if parsed is not None:
            # The ID number decides; a different date or sex typed beside it is a mistake.
            if self.birth_date.data and self.birth_date.data != parsed.birth_date:
                self.birth_date.errors.append(
                    _l("This does not match the birth date in the ID number.")
                )
                valid = False
            sex = Gender.MALE if parsed.is_male else Gender.FEMALE
            if self.gender.data and self.gender.data != sex:
                self.gender.errors.append(_l("This does not match the sex in the ID number."))
                valid = False
        else:
            if not self.birth_date.data:
                self.birth_date.errors.append(
                    _l("Enter the date of birth, or an ID number to read it from.")
                )
                valid = False
            if not self.gender.data:
                self.gender.errors.append(_l("Choose the sex, or enter an ID number."))
                valid = False
        return valid

    def card_values(self) -> dict[str, Any]:
        parsed = self.id_number.parsed
        return {
            "name": self.name.data,
            "id_number": self.id_number.data or None,
            "gender": Gender(self.gender.data)
            if self.gender.data
            else (Gender.MALE if parsed.is_male else Gender.FEMALE),
            "birth_date": self.birth_date.data or parsed.birth_date,
            "ethnicity": self.ethnicity.data or "汉族",
            "student_no": self.student_no.data,
            "class_id": self.class_id.data,
            "enrolled_on": self.enrolled_on.data,
        }


class LivingForm(VersionedForm):
    address = StringField(_l("Home address"), filters=TEXT, validators=[Length(max=200)])
    hukou_place = StringField(
        _l("Household registration (户籍地)"), filters=TEXT, validators=[Length(max=200)]
    )
    is_boarder = BooleanField(_l("Boards at school"))
    rides_bus = BooleanField(_l("Takes the school bus"))
    bus_note = StringField(
        _l("Bus route and direction"), filters=TEXT, validators=[Length(max=100)]
    )
    allergies = StringField(_l("Allergies"), filters=TEXT, validators=[Length(max=200)])
    chronic_illness = StringField(_l("Chronic illness"), filters=TEXT, validators=[Length(max=200)])
    disability = StringField(_l("Disability"), filters=TEXT, validators=[Length(max=200)])
    character = TextAreaField(_l("Character"), filters=TEXT, validators=[Length(max=500)])
    interests = StringField(_l("Interests and talents"), filters=TEXT, validators=[Length(max=200)])

    FIELDS = (
        "address",
        "hukou_place",
        "is_boarder",
        "rides_bus",
        "bus_note",
        "allergies",
        "chronic_illness",
        "disability",
        "character",
        "interests",
    )

    def card_values(self) -> dict[str, Any]:
        return {name: getattr(self, name).data for name in self.FIELDS}


class CareForm(VersionedForm):
    is_migrant = BooleanField(_l("Lives with parents who moved here for work (随迁子女)"))
    difficulty_types = MultiCheckboxField(
        _l("Difficulties (困境)"), choices=options(DifficultyType.choices())
    )
    three_special = MultiCheckboxField(
        _l("Three specials (三特)"), choices=options(ThreeSpecial.choices())
    )
    family_types = MultiCheckboxField(_l("Family type"), choices=options(FamilyType.choices()))

    def card_values(self) -> dict[str, Any]:
        return {
            "is_migrant": self.is_migrant.data,
            "difficulty_types": {DifficultyType(v) for v in self.difficulty_types.data},
            "three_special": {ThreeSpecial(v) for v in self.three_special.data},
            "family_types": {FamilyType(v) for v in self.family_types.data},
        }


class ParentForm(VersionedForm):
    name = StringField(_l("Name"), filters=TEXT, validators=[Length(max=50)])
    situation = SelectField(_l("Where they are"), choices=options(ParentSituation.choices()))
    phone = PhoneField(_l("Phone"), allow_landline=True, validators=[Optional()])
    work_province = StringField(
        _l("Works in (province)"), filters=TEXT, validators=[Length(max=20)]
    )
    work_city = StringField(_l("Works in (city)"), filters=TEXT, validators=[Length(max=30)])
    employer = StringField(_l("Employer"), filters=TEXT, validators=[Length(max=100)])
    employer_address = StringField(
        _l("Employer's address"), filters=TEXT, validators=[Length(max=200)]
    )
    employer_phone = PhoneField(
        _l("Employer's phone"), allow_landline=True, validators=[Optional()]
    )
    away_since = DateField(_l("Away since"), validators=[Optional()])
    expected_return = StringField(
        _l("Expected home"),
        filters=TEXT,
        validators=[Length(max=40)],
        description=_l("For example: Spring Festival 2027"),
    )

    FIELDS = (
        "name",
        "phone",
        "work_province",
        "work_city",
        "employer",
        "employer_address",
        "employer_phone",
        "away_since",
        "expected_return",
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.situation.data == ParentSituation.WORKING_AWAY and not self.work_city.data:
            self.work_city.errors.append(_l("Where does this parent work?"))
            valid = False
        return valid

    def parent_values(self) -> dict[str, Any]:
        values = {name: getattr(self, name).data for name in self.FIELDS}
        values["situation"] = ParentSituation(self.situation.data)
        return values


class GuardianForm(VersionedForm):
    kind = SelectField(_l("Role"), choices=options(GuardianKind.choices()))
    name = StringField(
        _l("Name"),
        filters=[strip_filter],
        validators=[DataRequired(message=_l("Enter the guardian's name.")), Length(max=50)],
    )
    relation = SelectField(_l("Relation to the child"), choices=options(GuardianRelation.choices()))
    phone = PhoneField(_l("Phone"), allow_landline=True, validators=[Optional()])
    age = IntegerField(
        _l("Age"),
        validators=[
            Optional(),
            NumberRange(min=14, max=110, message=_l("Enter an age between 14 and 110.")),
        ],
    )
    literacy = SelectField(_l("Can read and write"))
    care_ability = SelectField(_l("Able to care"))
    health = StringField(_l("Health"), filters=TEXT, validators=[Length(max=200)])
    occupation = StringField(_l("Occupation"), filters=TEXT, validators=[Length(max=50)])
    address = StringField(_l("Address"), filters=TEXT, validators=[Length(max=200)])
    may_pick_up = BooleanField(_l("May collect the child from school"))
    photo = FileField(
        _l("Photo (for collecting the child)"),
        render_kw={"accept": "image/*"},
        validators=[
            FileAllowed(["jpg", "jpeg", "png", "webp", "heic"], _l("Choose a photo.")),
            FileSize(MAX_UPLOAD_BYTES, message=_l("The photo is too large.")),
        ],
    )
    started_on = DateField(_l("Cares for the child since"), validators=[Optional()])

    FIELDS = (
        "kind",
        "name",
        "relation",
        "phone",
        "age",
        "health",
        "occupation",
        "address",
        "may_pick_up",
        "started_on",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.literacy.choices = _optional_choices(Literacy, _l("Not recorded"))
        self.care_ability.choices = _optional_choices(CareAbility, _l("Not recorded"))

    def guardian_values(self) -> dict[str, Any]:
        values = {name: getattr(self, name).data for name in self.FIELDS}
        values["kind"] = GuardianKind(values["kind"])
        values["relation"] = GuardianRelation(values["relation"])
        values["literacy"] = Literacy.coerce(self.literacy.data)
        values["care_ability"] = CareAbility.coerce(self.care_ability.data)
        return values


class PhotoForm(BaseForm):
    photo = FileField(
        _l("Photo"),
        render_kw={"accept": "image/*"},
        validators=[
            DataRequired(message=_l("Choose a photo.")),
            FileAllowed(["jpg", "jpeg", "png", "webp", "heic"], _l("Choose a photo.")),
            FileSize(MAX_UPLOAD_BYTES, message=_l("The photo is too large.")),
        ],
    )


class StatusForm(BaseForm):
    status = SelectField(
        _l("New status"),
        choices=options(
            ChildStatus.choices(
                (ChildStatus.ACTIVE, ChildStatus.GRADUATED, ChildStatus.DROPPED_OUT)
            )
        ),
    )
    effective_on = DateField(
        _l("From"), validators=[DataRequired(message=_l("Enter the date it took effect."))]
    )
    reason = TextAreaField(
        _l("Reason"),
        filters=TEXT,
        validators=[DataRequired(message=_l("Say why, for the record.")), Length(max=500)],
    )


class EndGuardianForm(BaseForm):
    ended_on = DateField(
        _l("No longer cares for the child from"),
        validators=[DataRequired(message=_l("Enter the date."))],
    )


REVEAL_REASONS = {
    "contact": _l("To contact the family"),
    "verify": _l("To check the records"),
    "aid": _l("For financial aid"),
    "safety": _l("For the child's safety"),
    "other": _l("Other"),
}


class RevealForm(BaseForm):
    field = HiddenField(validators=[DataRequired()])
    reason = SelectField(
        _l("Why do you need to see it?"),
        choices=options(REVEAL_REASONS.items()),
        validators=[DataRequired(message=_l("Choose why you need it."))],
    )
    note = StringField(_l("Details"), filters=TEXT, validators=[Length(max=200)])

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.reason.data == "other" and not self.note.data:
            self.note.errors.append(_l("Say what it is needed for."))
            valid = False
        return valid

    def reason_text(self) -> str:
        text = str(REVEAL_REASONS[self.reason.data])
        return f"{text}：{self.note.data}" if self.note.data else text


class CallForm(BaseForm):
    person = HiddenField(validators=[DataRequired()])
