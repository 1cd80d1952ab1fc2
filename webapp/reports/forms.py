"""Forms of the report pages: the archive table's export, the narrative of a term plan or
summary (a new version each save), the monthly report and its submission.

The forms that make something carry their own UUID, made when the form is made: a double tap or
a retry finds what the first request made.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, TextAreaField, ValidationError
from wtforms.validators import Length, Optional

from webapp.core.forms import BaseForm, strip_filter

NARRATIVE_LIMIT = 20000


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class OnceForm(BaseForm):
    """A form that makes something once, whatever the number of times it is sent."""

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


class ExportForm(BaseForm):
    """Print or download a table; those who may can ask for it unmasked."""

    unmasked = BooleanField(
        _l("Do not mask (不打码)"),
        description=_l(
            "ID numbers, phones, addresses and difficulties in full. Recorded for every child."
        ),
    )

    def __init__(self, *args: Any, may_unmask: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_unmask:
            del self.unmasked  # not offered, and ignored if sent anyway

    @property
    def wants_unmasked(self) -> bool:
        return "unmasked" in self and bool(self.unmasked.data)


class NarrativeForm(OnceForm):
    """The words of a term plan or summary, saved as the next version of the one it was
    opened on."""

    base_version = IntegerField(validators=[Optional()])
    narrative = TextAreaField(
        _l("Narrative"),
        description=_l("The figures above come from the records; write what they do not say."),
        filters=[strip_filter],
        validators=[Length(max=NARRATIVE_LIMIT)],
        render_kw={"rows": 16},
    )


class MonthlyForm(OnceForm):
    narrative = TextAreaField(
        _l("Narrative"),
        description=_l(
            "The month's work in a few paragraphs: what went well, what was hard, what comes next."
        ),
        filters=[strip_filter],
        validators=[Length(max=NARRATIVE_LIMIT)],
        render_kw={"rows": 10},
    )


class SubmitForm(OnceForm):
    """Submit the monthly report: it is locked from then on."""
