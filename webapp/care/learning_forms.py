"""Forms of learning support: the term's plan, and the term scores with the rank in class."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length

from webapp.care.forms import TEXT
from webapp.care.learning import Score
from webapp.care.models import LearningPlan
from webapp.care.plan_forms import WithUid
from webapp.core.forms import BaseForm, options, strip_filter

HIGHEST_SCORE = Decimal(150)  # some subjects are marked out of 120 or 150
SCORE_ROWS = 6


def _int_or_none(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


class LearningPlanForm(WithUid):
    term_id = SelectField(
        _l("Term"),
        coerce=_int_or_none,
        validators=[InputRequired(message=_l("Choose the term."))],
    )
    subjects = StringField(
        _l("Subjects"),
        description=_l("The subjects to help with, for example: maths and Chinese."),
        filters=TEXT,
        validators=[DataRequired(message=_l("Name the subjects to help with.")), Length(max=100)],
    )
    helper = SelectField(_l("Helper"), description=_l("A teacher, or a classmate (一帮一)."))
    goals = TextAreaField(
        _l("Goals"),
        description=_l("For example: times tables by heart; 80 points in maths at term end."),
        filters=TEXT,
        validators=[Length(max=2000)],
        render_kw={"rows": 3},
    )
    checkpoints = TextAreaField(
        _l("Checkpoints"),
        description=_l("When to check and what was found: add to it as the term goes."),
        filters=TEXT,
        validators=[Length(max=4000)],
        render_kw={"rows": 4},
    )

    def __init__(
        self,
        *args: Any,
        terms: list = (),
        staff: list[tuple[int, str]] = (),
        classmates: list[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.term_id.choices = options((term.id, term.full_name) for term in terms)
        choices: dict[str, list] = {"": options([("", _l("No helper yet"))])}
        if staff:
            choices[str(_l("Teachers"))] = options((f"user:{i}", name) for i, name in staff)
        if classmates:
            choices[str(_l("Classmates"))] = options((f"child:{i}", name) for i, name in classmates)
        self.helper.choices = choices

    def helper_ids(self) -> dict[str, int | None]:
        kind, _sep, number = (self.helper.data or "").partition(":")
        return {
            "helper_user_id": int(number) if kind == "user" else None,
            "helper_child_id": int(number) if kind == "child" else None,
        }

    def plan_values(self) -> dict[str, Any]:
        return {
            "subjects": self.subjects.data,
            "goals": self.goals.data,
            "checkpoints": self.checkpoints.data,
            **self.helper_ids(),
        }

    def from_plan(self, plan: LearningPlan) -> None:
        self.subjects.data = plan.subjects
        self.goals.data = plan.goals
        self.checkpoints.data = plan.checkpoints
        if plan.helper_user_id:
            self.helper.data = f"user:{plan.helper_user_id}"
        elif plan.helper_child_id:
            self.helper.data = f"child:{plan.helper_child_id}"


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(unicodedata.normalize("NFKC", text))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class ScoreRow(Form):
    """One subject's line: a sub-form, so it carries no CSRF token of its own."""

    subject = StringField(
        _l("Subject"),
        filters=[strip_filter],
        validators=[Length(max=20)],
        render_kw={"placeholder": _l("e.g. Chinese"), "maxlength": 20},
    )
    score = StringField(
        _l("Score"),
        filters=[strip_filter],
        render_kw={"inputmode": "decimal", "maxlength": 6, "autocomplete": "off"},
    )
    class_rank = StringField(
        _l("Rank in class"),
        filters=[strip_filter],
        render_kw={"inputmode": "numeric", "maxlength": 4, "autocomplete": "off"},
    )

    def validate_subject(self, field: StringField) -> None:
        if not field.data and (self.score.data or self.class_rank.data):
            raise ValidationError(_("Name the subject."))

    def validate_score(self, field: StringField) -> None:
        if not field.data:
            if self.class_rank.data:
                raise ValidationError(_("Enter the score as well."))
            return
        value = _number(field.data)
        if value is None or not 0 <= value <= HIGHEST_SCORE or value.as_tuple().exponent < -1:
            raise ValidationError(_("Enter a score from 0 to 150, with at most one decimal."))

    def validate_class_rank(self, field: StringField) -> None:
        if field.data and not (field.data.isdigit() and 1 <= int(field.data) <= 999):
            raise ValidationError(_("Enter the rank as a whole number: 1 for the top."))


class ScoresForm(BaseForm):
    rows = FieldList(FormField(ScoreRow), min_entries=SCORE_ROWS, max_entries=20)

    def validate_rows(self, field: FieldList) -> None:
        seen: set[str] = set()
        for row in field:
            subject = row.form.subject
            if subject.data and subject.data in seen:
                subject.errors = [*subject.errors, _("This subject is listed twice.")]
                raise ValidationError(_("This subject is listed twice."))
            seen.add(subject.data)

    def fill(self, subjects: list[str], kept: dict[str, Any]) -> None:
        """Start with the subjects already scored (or those expected), then empty lines."""
        while len(self.rows) < max(SCORE_ROWS, len(subjects) + 2):
            self.rows.append_entry()
        for row, subject in zip(self.rows, subjects, strict=False):
            row.form.subject.data = subject
            found = kept.get(subject)
            if found is not None:
                row.form.score.data = f"{found.score:g}"
                row.form.class_rank.data = str(found.class_rank) if found.class_rank else ""

    def scores(self) -> list[Score]:
        return [
            Score(
                row.form.subject.data,
                _number(row.form.score.data),
                int(row.form.class_rank.data) if row.form.class_rank.data else None,
            )
            for row in self.rows
            if row.form.subject.data and row.form.score.data
        ]

    def cleared(self) -> list[str]:
        """Subjects left with an empty score: their score, if any, is removed."""
        return [
            row.form.subject.data
            for row in self.rows
            if row.form.subject.data and not row.form.score.data
        ]
