"""Forms of the roster pages: the upload of a class roster or the school register, the export."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, RadioField, SelectField

from webapp.children.exports import BASIC_REGISTER, SUMMARY
from webapp.children.roster_io import KIND_CLASS, KIND_SCHOOL
from webapp.core.forms import BaseForm, options


def _class_id(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class UploadForm(BaseForm):
    kind = RadioField(
        _l("What the file holds"),
        choices=options(
            [
                (KIND_CLASS, _l("The roster of one class")),
                (KIND_SCHOOL, _l("The school register, with a 班级 column")),
            ]
        ),
        default=KIND_CLASS,
    )
    class_id = SelectField(_l("Class"), coerce=_class_id)
    file = FileField(
        _l("Excel file (.xlsx)"),
        description=_l("Up to 5 MB. Columns are found by their headers, in any order."),
        render_kw={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        },
        validators=[
            FileRequired(message=_l("Choose the Excel file.")),
            FileAllowed(["xlsx"], _l("Choose an Excel file whose name ends in .xlsx.")),
        ],
    )

    def __init__(
        self, *args: Any, classes: list = (), may_import_register: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.class_id.choices = options(
            [("", _l("Choose a class")), *((c.id, c.name) for c in classes)]
        )
        if not may_import_register:
            self.kind.choices = [self.kind.choices[0]]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.kind.data == KIND_CLASS and self.class_id.data is None:
            self.class_id.errors.append(_l("Choose the class this roster is for."))
            valid = False
        return valid


class ExportForm(BaseForm):
    table = RadioField(
        _l("Table"),
        choices=options(
            [
                (BASIC_REGISTER, _l("Basic register (基本情况登记表)")),
                (SUMMARY, _l("Summary (信息汇总表)")),
            ]
        ),
        default=BASIC_REGISTER,
    )
    unmasked = BooleanField(
        _l("Do not mask (不打码)"),
        description=_l(
            "ID numbers, phones and addresses in full. The export is recorded for every child."
        ),
    )

    def __init__(self, *args: Any, may_unmask: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_unmask:
            del self.unmasked  # not offered, and ignored if sent anyway
