"""Forms: naming the officer, asking for a grant and deciding it, recording a consent."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from webapp.core.forms import BaseForm, none_if_empty, options, strip_filter
from webapp.privacy.models import (
    GRANT_MAX_DAYS,
    ConsentKind,
    ConsentMethod,
    FieldCategory,
    GrantKind,
)

TEXT = [strip_filter, none_if_empty]


class OfficerForm(BaseForm):
    user_id = SelectField(
        _l("Protection officer"),
        coerce=int,
        validators=[InputRequired(message=_l("Choose a member of the school."))],
    )

    def __init__(self, *args: Any, people: list = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_id.choices = options((person.id, person.name) for person in people)


class GrantRequestForm(BaseForm):
    kind = RadioField(
        _l("What do you need?"),
        choices=options(GrantKind.choices()),
        validators=[InputRequired(message=_l("Choose what you need."))],
    )
    class_id = SelectField(_l("Class"), coerce=lambda v: int(v) if v else None)
    category = SelectField(
        _l("Kind of field"),
        choices=options([("", "—"), *FieldCategory.choices()]),
        validators=[Optional()],
    )
    days = IntegerField(
        _l("For how many days"),
        default=3,
        validators=[
            InputRequired(message=_l("Say for how many days.")),
            NumberRange(1, GRANT_MAX_DAYS, message=_l("A grant lasts one to seven days.")),
        ],
    )
    reason = TextAreaField(
        _l("Why do you need it?"),
        filters=TEXT,
        validators=[
            DataRequired(message=_l("Say why you need it.")),
            Length(min=4, max=500, message=_l("Say why in 4 to 500 characters.")),
        ],
    )

    def __init__(self, *args: Any, classes: list = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.class_id.choices = options([("", "—")] + [(c.id, c.name) for c in classes])

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.kind.data == GrantKind.CLASS and not self.class_id.data:
            self.class_id.errors.append(_l("Choose the class."))
            valid = False
        if self.kind.data == GrantKind.FIELDS and not self.category.data:
            self.category.errors.append(_l("Choose the kind of field."))
            valid = False
        return valid


class DecisionForm(BaseForm):
    note = StringField(_l("Note"), filters=TEXT, validators=[Length(max=200)])


class ConsentForm(BaseForm):
    kind = SelectField(
        _l("Consent to"),
        choices=options(ConsentKind.choices()),
        validators=[DataRequired(message=_l("Choose what the consent covers."))],
    )
    given_by = StringField(
        _l("Given by (guardian's name)"),
        filters=TEXT,
        validators=[DataRequired(message=_l("Enter who gave it.")), Length(max=50)],
    )
    given_on = DateField(
        _l("Given on"), validators=[InputRequired(message=_l("Enter the date it was given."))]
    )
    method = SelectField(
        _l("How"),
        choices=options(ConsentMethod.choices()),
        validators=[DataRequired(message=_l("Choose how it was given."))],
    )
    form_reference = StringField(
        _l("Paper form reference"), filters=TEXT, validators=[Optional(), Length(max=60)]
    )


class WithdrawForm(BaseForm):
    withdrawn_by = StringField(
        _l("Withdrawn by (guardian's name)"),
        filters=TEXT,
        validators=[DataRequired(message=_l("Enter who withdrew it.")), Length(max=50)],
    )
    withdrawn_on = DateField(
        _l("Withdrawn on"), validators=[InputRequired(message=_l("Enter the date."))]
    )


class GuardianRequestForm(BaseForm):
    """A guardian's request for a copy of what the school holds about their child."""

    requester = StringField(
        _l("Who asked (guardian's name and relation)"),
        filters=TEXT,
        validators=[DataRequired(message=_l("Say who asked for the copy.")), Length(max=50)],
    )
    reference = StringField(
        _l("Request reference"),
        description=_l("The number of the written request, as the school files it."),
        filters=TEXT,
        validators=[DataRequired(message=_l("Give the request's reference.")), Length(max=60)],
    )
    note = TextAreaField(_l("Note"), filters=TEXT, validators=[Optional(), Length(max=500)])
