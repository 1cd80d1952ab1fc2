"""Forms of the assessment: the scheme's criteria (a row each, blank rows to add one, a row
emptied to drop it; the points must add up to 100) and a school's points per criterion."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from webapp.core.forms import BaseForm, strip_filter
from webapp.oversight.assessment_models import TOTAL_POINTS

SPARE_ROWS = 3
TITLE_LIMIT = 500


class CriterionForm(Form):
    title = TextAreaField(
        _l("Criterion"),
        filters=[strip_filter],
        validators=[Length(max=TITLE_LIMIT)],
        render_kw={"rows": 3},
    )
    max_points = IntegerField(
        _l("Points"),
        validators=[Optional(), NumberRange(min=1, max=TOTAL_POINTS)],
        render_kw={"inputmode": "numeric"},
    )


class SchemeForm(BaseForm):
    criteria = FieldList(FormField(CriterionForm))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.total_error: str | None = None
        while len(self.criteria.entries) < len(self.rows()) + SPARE_ROWS:
            self.criteria.append_entry()

    def rows(self) -> list[tuple[str, int]]:
        """The filled rows, in order: (title, points)."""
        return [
            (entry.form.title.data, entry.form.max_points.data)
            for entry in self.criteria
            if entry.form.title.data or entry.form.max_points.data is not None
        ]

    @property
    def total(self) -> int:
        return sum(points or 0 for _title, points in self.rows())

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for entry in self.criteria:
            row = entry.form
            if row.title.data and row.max_points.data is None and not row.max_points.errors:
                row.max_points.errors = [_("Give the points of this criterion.")]
                valid = False
            if row.max_points.data is not None and not row.title.data:
                row.title.errors = [_("Say what this criterion asks.")]
                valid = False
        if not self.rows():
            self.total_error = _("Add at least one criterion.")
        elif self.total != TOTAL_POINTS:
            self.total_error = _(
                "The points add up to %(total)s; they must add up to %(full)s.",
                total=self.total,
                full=TOTAL_POINTS,
            )
        return valid and self.total_error is None


class ScoreLineForm(Form):
    points = IntegerField(_l("Points"), validators=[Optional()], render_kw={"inputmode": "numeric"})
    note = TextAreaField(
        _l("Note"), filters=[strip_filter], validators=[Length(max=2000)], render_kw={"rows": 2}
    )
    evidence = TextAreaField(
        _l("Evidence links"),
        description=_l("One per line: a web address, or a page of the school in this system."),
        filters=[strip_filter],
        validators=[Length(max=4000)],
        render_kw={"rows": 2},
    )
    snapshot_id = SelectField(_l("Roster snapshot as evidence"), coerce=int, default=0)


class ScoreForm(BaseForm):
    lines = FieldList(FormField(ScoreLineForm))

    def setup(
        self, maxima: list[int], school_prefix: str, snapshots: list[tuple[int, str]]
    ) -> None:
        """Bind the form to a scheme's criteria, the school's own pages and its snapshots."""
        self.maxima = maxima
        self.school_prefix = school_prefix
        while len(self.lines.entries) < len(maxima):
            self.lines.append_entry()
        del self.lines.entries[len(maxima) :]
        choices = [(0, _("None")), *snapshots]
        for entry in self.lines:
            entry.form.snapshot_id.choices = choices

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for entry, most in zip(self.lines, self.maxima, strict=True):
            row = entry.form
            if row.points.data is not None and not 0 <= row.points.data <= most:
                row.points.errors = [_("Between 0 and %(most)s points.", most=most)]
                valid = False
            bad = [line for line in self.evidence_of(row) if not self.is_evidence(line)]
            if bad:
                row.evidence.errors = [
                    _(
                        "Not a link this sheet can keep: %(link)s. Give a web address "
                        "(https://…) or a page of this school (%(prefix)s…).",
                        link=bad[0],
                        prefix=self.school_prefix,
                    )
                ]
                valid = False
        return valid

    @staticmethod
    def evidence_of(row: ScoreLineForm) -> list[str]:
        return [line.strip() for line in (row.evidence.data or "").splitlines() if line.strip()]

    def is_evidence(self, link: str) -> bool:
        if link.startswith(("https://", "http://")) and " " not in link and len(link) > 8:
            return True
        return link.startswith(self.school_prefix) and ".." not in link
