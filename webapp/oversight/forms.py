"""Forms of the oversight pages: asking a school for its names, and the principal's answer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from webapp.core.forms import BaseForm, strip_filter
from webapp.oversight.models import MAX_GRANT_DAYS


class GrantRequestForm(BaseForm):
    reason = TextAreaField(
        _l("Why you need the names"),
        filters=[strip_filter],
        validators=[
            InputRequired(_l("Say why you need the names.")),
            Length(min=10, max=1000, message=_l("Write 10 to 1000 characters.")),
        ],
        description=_l("The principal reads this, and it is kept in the school's audit log."),
    )
    days = IntegerField(
        _l("For how many days"),
        default=3,
        validators=[
            InputRequired(_l("Enter a number of days from 1 to 7.")),
            NumberRange(1, MAX_GRANT_DAYS, _l("Enter a number of days from 1 to 7.")),
        ],
        description=_l("At most 7 days from the principal's approval; then it ends by itself."),
    )


class DecisionForm(BaseForm):
    """Approve or refuse: the button pressed says which; the form carries only its token."""
