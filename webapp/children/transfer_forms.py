"""Forms of a transfer: sending a child, taking a transfer back, accepting and declining one."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from webapp.core.forms import BaseForm, none_if_empty, options, strip_filter


class SendForm(BaseForm):
    school = HiddenField(
        validators=[DataRequired(message=_l("Find the school the child is moving to."))]
    )
    note = TextAreaField(
        _l("Note for the other school"),
        description=_l("For example: the family moved to the town; parents' new work."),
        filters=[strip_filter, none_if_empty],
        validators=[Length(max=500)],
    )


class SchoolSearchForm(BaseForm):
    """The search that finds the receiving school: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("School name"), filters=[strip_filter], validators=[Length(max=40)])


class AcceptForm(BaseForm):
    class_id = SelectField(
        _l("Into class"),
        coerce=lambda v: int(v) if v else None,
        validators=[InputRequired(message=_l("Choose the class the child joins."))],
    )
    effective_on = DateField(
        _l("Joins on"), validators=[InputRequired(message=_l("Enter the date."))]
    )

    def __init__(self, *args: Any, classes: list = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.class_id.choices = options(
            [("", _l("Choose a class")), *((c.id, c.name) for c in classes)]
        )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.class_id.data is None:
            self.class_id.errors.append(_l("Choose the class the child joins."))
            valid = False
        return valid


class DeclineForm(BaseForm):
    reason = TextAreaField(
        _l("Why this school cannot take the child"),
        filters=[strip_filter],
        validators=[
            DataRequired(message=_l("Say why, so the other school can act on it.")),
            Length(max=500),
        ],
    )


class CancelForm(BaseForm):
    """Taking a transfer back: the button is the whole form."""
