"""Pairing forms: one person for several children, a study buddy for a child, and the end of a
pairing. Their choices are made by the view from the school's own people and children, so a
posted id of another school is simply not a choice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import DateField, HiddenField, RadioField, StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length

from webapp.care.forms import TEXT
from webapp.care.models import Pairing
from webapp.care.pairing_queries import Person
from webapp.children.models import Child
from webapp.core.forms import BaseForm, MultiCheckboxField, options
from webapp.core.i18n import local_today

# A pairing entered late may start back at the beginning of the school year.
OLDEST_START_DAYS = 366


class StartForm(BaseForm):
    started_on = DateField(
        _l("Paired from"), validators=[InputRequired(message=_l("Enter the day it starts."))]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.started_on.data is None and not self.is_submitted():
            self.started_on.data = local_today()

    def validate_started_on(self, field: DateField) -> None:
        today = local_today()
        if field.data and field.data > today:
            raise ValidationError(str(_l("This date is in the future.")))
        if field.data and field.data < today - timedelta(days=OLDEST_START_DAYS):
            raise ValidationError(str(_l("This date is too long ago to record now.")))


class AssignForm(StartForm):
    """One proxy parent (or volunteer) for one or several children, chosen as chips."""

    class_id = HiddenField()
    user_id = RadioField(
        _l("Who"),
        coerce=int,
        validators=[InputRequired(message=_l("Choose who looks after the children."))],
    )
    child_ids = MultiCheckboxField(
        _l("Children"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose at least one child."))],
    )

    def __init__(
        self, *args: Any, people: list[Person], children: list[Child], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user_id.choices = options(
            (
                person.user.id,
                ngettext(
                    "%(name)s · %(num)d child",
                    "%(name)s · %(num)d children",
                    person.load,
                    name=person.user.name,
                ),
            )
            for person in people
        )
        self.child_ids.choices = options((child.id, child.name) for child in children)


class HelperForm(StartForm):
    """A study buddy (学习帮手, 一帮一): another child of the school, often a classmate."""

    q = HiddenField()  # the search that found the candidates, so a post offers the same ones
    helper_child_id = RadioField(
        _l("Study buddy"),
        coerce=int,
        validators=[InputRequired(message=_l("Choose the child who will help."))],
    )

    def __init__(self, *args: Any, candidates: list[Child], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper_child_id.choices = options(
            (
                child.id,
                f"{child.name} · {child.school_class.name}" if child.school_class else child.name,
            )
            for child in candidates
        )


class EndForm(BaseForm):
    """The end of a pairing: when and why. The pairing stays in the history."""

    ended_on = DateField(
        _l("Ended on"), validators=[InputRequired(message=_l("Enter the day it ends."))]
    )
    reason = StringField(
        _l("Why"),
        description=_l("For example: the teacher moved to another school; the parents came home."),
        filters=TEXT,
        validators=[DataRequired(message=_l("Say briefly why it ends.")), Length(max=200)],
    )

    def __init__(self, *args: Any, pairing: Pairing, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pairing = pairing
        if self.ended_on.data is None and not self.is_submitted():
            self.ended_on.data = local_today()

    def validate_ended_on(self, field: DateField) -> None:
        if field.data and field.data > local_today():
            raise ValidationError(str(_l("This date is in the future.")))
        if field.data and field.data < self.pairing.started_on:
            raise ValidationError(str(_l("A pairing cannot end before it started.")))
