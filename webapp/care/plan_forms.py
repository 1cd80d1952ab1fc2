"""Forms of an individual plan (个别教育管理方案): starting it, reviewing it, ending it.

Starting a plan and adding a review carry their own UUID, made with the form, so a double tap
or a replay makes one plan, one review.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length

from webapp.care.forms import TEXT, _uuid
from webapp.core.forms import BaseForm
from webapp.core.i18n import local_today


class WithUid(BaseForm):
    """A create form with its own UUID: sending it twice finds what it made the first time."""

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
            raise ValidationError(_("This form is damaged. Reload the page."))


def _not_in_future(_form: BaseForm, field: DateField) -> None:
    if field.data and field.data > local_today():
        raise ValidationError(_("This date is in the future."))


class PlanForm(WithUid):
    problem = TextAreaField(
        _l("The problem"),
        description=_l("What the child struggles with: learning, behaviour or feelings."),
        filters=TEXT,
        validators=[DataRequired(message=_l("Describe the problem.")), Length(max=4000)],
        render_kw={"rows": 4},
    )
    goals = TextAreaField(
        _l("Goals"),
        description=_l("What should change, and by when."),
        filters=TEXT,
        validators=[DataRequired(message=_l("Write at least one goal.")), Length(max=4000)],
        render_kw={"rows": 4},
    )
    measures = TextAreaField(
        _l("Measures"),
        description=_l("Who does what: the counsellor, the class teacher, the family."),
        filters=TEXT,
        validators=[DataRequired(message=_l("Write what will be done.")), Length(max=4000)],
        render_kw={"rows": 4},
    )
    started_on = DateField(
        _l("Starts on"),
        validators=[InputRequired(message=_l("Enter the date.")), _not_in_future],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.started_on.data is None and not self.is_submitted():
            self.started_on.data = local_today()


class ReviewForm(WithUid):
    notes = TextAreaField(
        _l("Review"),
        description=_l("How the child is doing against the goals, and what comes next."),
        filters=TEXT,
        validators=[DataRequired(message=_l("Write the review.")), Length(max=4000)],
        render_kw={"rows": 4},
    )
    reviewed_on = DateField(
        _l("Date"), validators=[InputRequired(message=_l("Enter the date.")), _not_in_future]
    )

    def __init__(self, *args: Any, started_on: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan_started_on = started_on
        if self.reviewed_on.data is None and not self.is_submitted():
            self.reviewed_on.data = local_today()

    def validate_reviewed_on(self, field: DateField) -> None:
        if field.data and self.plan_started_on and field.data < self.plan_started_on:
            raise ValidationError(_("The plan started later than this date."))


class EndPlanForm(WithUid):
    outcome = TextAreaField(
        _l("How it ended"),
        description=_l("For example: goals reached; or the child moved to another school."),
        filters=TEXT,
        validators=[Length(max=4000)],
        render_kw={"rows": 3},
    )
    ended_on = DateField(
        _l("Ends on"), validators=[InputRequired(message=_l("Enter the date.")), _not_in_future]
    )

    def __init__(self, *args: Any, started_on: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan_started_on = started_on
        if self.ended_on.data is None and not self.is_submitted():
            self.ended_on.data = local_today()

    def validate_ended_on(self, field: DateField) -> None:
        if field.data and self.plan_started_on and field.data < self.plan_started_on:
            raise ValidationError(_("The plan started later than this date."))
