"""A guardian meeting and which families came: the children of a class as chips, each with
who would come for them (奶奶, 父亲 …), one tap per family."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from webapp.care.forms import TEXT, PhotosMixin
from webapp.core.forms import BaseForm, MultiCheckboxField, options, strip_filter
from webapp.families.models import MeetingKind
from webapp.families.queries import Family


class MeetingForm(PhotosMixin):
    """A parents' meeting or guardian training: what, when, where, and the families who came."""

    title = StringField(
        _l("Title"),
        description=_l("For example: Keeping children safe in winter."),
        filters=[strip_filter],
        validators=[DataRequired(message=_l("Give the meeting a title.")), Length(max=100)],
    )
    kind = RadioField(
        _l("Kind of meeting"),
        choices=options(MeetingKind.choices()),
        default=MeetingKind.PARENT_MEETING.value,
        invalid_choice_message=_l("Choose the kind of meeting."),
    )
    place = StringField(_l("Place"), filters=TEXT, validators=[Length(max=100)])
    summary = TextAreaField(
        _l("Summary"),
        description=_l("What was said and asked of the families."),
        filters=TEXT,
        validators=[Length(max=4000)],
        render_kw={"rows": 4},
    )
    families = MultiCheckboxField(_l("Families who came"), coerce=int)
    every_family = BooleanField(_l("Every family came"))

    def __init__(self, *args: Any, families: list[Family] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.families.choices = options((f.child_id, f.label) for f in families)
        self.offered = list(families)

    def came(self) -> list[int]:
        """The families ticked; all of them with "every family" (without JavaScript too)."""
        if self.every_family.data:
            return [f.child_id for f in self.offered]
        return list(self.families.data or ())

    def meeting_values(self) -> dict[str, Any]:
        return {
            "title": self.title.data,
            "kind": MeetingKind(self.kind.data),
            "held_on": self.happened_on.data,
            "place": self.place.data,
            "summary": self.summary.data,
        }


class AttendanceForm(BaseForm):
    """The families of one class at a meeting: ticked came, unticked did not."""

    families = MultiCheckboxField(_l("Families who came"), coerce=int)
    every_family = BooleanField(_l("Every family came"))

    def __init__(self, *args: Any, families: list[Family] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.families.choices = options((f.child_id, f.label) for f in families)
        self.offered = list(families)

    came = MeetingForm.came
