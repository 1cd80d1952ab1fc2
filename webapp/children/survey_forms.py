"""The survey's one form: the outcome of a card's confirmation, sent by one of two buttons."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import InputRequired

from webapp.children.models import SurveyOutcome
from webapp.core.forms import BaseForm, options


class ConfirmForm(BaseForm):
    outcome = SelectField(
        _l("Outcome"),
        validators=[InputRequired(message=_l("Choose whether the card is unchanged or updated."))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcome.choices = options(SurveyOutcome.choices())  # labels in the reader's language

    @property
    def chosen_outcome(self) -> SurveyOutcome:
        return SurveyOutcome(self.outcome.data)
