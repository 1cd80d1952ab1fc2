"""Forms of the school's set-up: a class, a school year with its two terms, a term.

The date rules live here (end after start, terms inside their year and apart from each other);
names taken by another class, year or term are found by the service, which sees the database.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, Field, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from webapp.children.models import Stage
from webapp.core.forms import BaseForm, options, strip_filter
from webapp.core.i18n import long_date

KINDERGARTEN_GRADES = 3  # 小班 中班 大班


def _optional_id(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _date(label: Any) -> DateField:
    return DateField(label, validators=[InputRequired(message=_l("Enter the date."))])


class ClassForm(BaseForm):
    name = StringField(
        _l("Class name"),
        description=_l("As the school writes it, like 三年级一班 or 大班."),
        filters=[strip_filter],
        validators=[DataRequired(message=_l("Enter the class name.")), Length(max=40)],
    )
    stage = SelectField(_l("Stage"), default=Stage.PRIMARY)
    grade = IntegerField(
        _l("Grade"),
        description=_l("In a kindergarten: 1 for 小班, 2 for 中班, 3 for 大班."),
        render_kw={"inputmode": "numeric"},
        validators=[
            InputRequired(message=_l("Enter the grade as a number.")),
            NumberRange(min=1, max=9, message=_l("The grade is a number from 1 to 9.")),
        ],
    )
    section = IntegerField(
        _l("Class number in the grade"),
        description=_l("1 for 一班, 2 for 二班."),
        default=1,
        render_kw={"inputmode": "numeric"},
        validators=[
            InputRequired(message=_l("Enter the class number.")),
            NumberRange(min=1, max=30, message=_l("The class number is from 1 to 30.")),
        ],
    )
    teacher_id = SelectField(_l("Class teacher"), coerce=_optional_id)

    def __init__(self, *args: Any, teachers: list = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage.choices = options(Stage.choices())  # labels in the reader's language
        self.teacher_id.choices = options(
            [("", _("No class teacher yet")), *((user.id, user.name) for user in teachers)]
        )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if (
            self.stage.data == Stage.KINDERGARTEN
            and self.grade.data
            and self.grade.data > KINDERGARTEN_GRADES
        ):
            self.grade.errors.append(_("A kindergarten has grades 1 to 3 (小班, 中班, 大班)."))
            valid = False
        return valid

    def class_values(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "stage": Stage(self.stage.data),
            "grade": self.grade.data,
            "section": self.section.data,
            "teacher_id": self.teacher_id.data,
        }


class EditClassForm(ClassForm):
    is_active = BooleanField(
        _l("In use"),
        description=_l("A class no longer taught is taken out of use; it is never deleted."),
    )

    def class_values(self) -> dict[str, Any]:
        return {**super().class_values(), "is_active": self.is_active.data}


def _ends_after_start(starts: Field, ends: Field) -> bool:
    if ends.data <= starts.data:
        ends.errors.append(_("This must be after the first day."))
        return False
    return True


def _inside(field: Field, starts_on: date, ends_on: date) -> bool:
    if not starts_on <= field.data <= ends_on:
        field.errors.append(
            _(
                "The term must lie inside the school year (%(start)s to %(end)s).",
                start=long_date(starts_on),
                end=long_date(ends_on),
            )
        )
        return False
    return True


class SchoolYearForm(BaseForm):
    name = StringField(
        _l("Name of the school year"),
        description=_l("Like 2027—2028学年."),
        filters=[strip_filter],
        validators=[DataRequired(message=_l("Enter the name of the school year.")), Length(max=40)],
    )
    starts_on = _date(_l("First day of the school year"))
    ends_on = _date(_l("Last day of the school year"))
    first_term_starts = _date(_l("First term: first day"))
    first_term_ends = _date(_l("First term: last day"))
    second_term_starts = _date(_l("Second term: first day"))
    second_term_ends = _date(_l("Second term: last day"))

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False  # the rules below need every date
        valid = _ends_after_start(self.starts_on, self.ends_on)
        for starts, ends in self.term_fields():
            valid = _ends_after_start(starts, ends) and valid
        if not valid:
            return False
        for field in (f for pair in self.term_fields() for f in pair):
            valid = _inside(field, self.starts_on.data, self.ends_on.data) and valid
        if self.second_term_starts.data <= self.first_term_ends.data:
            self.second_term_starts.errors.append(
                _("The terms must not overlap: the second term begins after the first ends.")
            )
            valid = False
        return valid

    def term_fields(self) -> list[tuple[DateField, DateField]]:
        return [
            (self.first_term_starts, self.first_term_ends),
            (self.second_term_starts, self.second_term_ends),
        ]

    def year_values(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
            "terms": [(starts.data, ends.data) for starts, ends in self.term_fields()],
        }


class TermForm(BaseForm):
    name = StringField(
        _l("Name of the term"),
        description=_l("Like 第一学期."),
        filters=[strip_filter],
        validators=[DataRequired(message=_l("Enter the name of the term.")), Length(max=40)],
    )
    starts_on = _date(_l("First day of the term"))
    ends_on = _date(_l("Last day of the term"))

    def __init__(self, *args: Any, year: Any = None, other_terms: list = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year, self.other_terms = year, list(other_terms)

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not _ends_after_start(self.starts_on, self.ends_on):
            return False
        valid = all(
            [
                _inside(self.starts_on, self.year.starts_on, self.year.ends_on),
                _inside(self.ends_on, self.year.starts_on, self.year.ends_on),
            ]
        )
        for other in self.other_terms:
            if self.starts_on.data <= other.ends_on and self.ends_on.data >= other.starts_on:
                self.starts_on.errors.append(
                    _(
                        "These dates overlap %(name)s (%(start)s to %(end)s).",
                        name=other.name,
                        start=long_date(other.starts_on),
                        end=long_date(other.ends_on),
                    )
                )
                valid = False
        return valid

    def term_values(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data,
        }
