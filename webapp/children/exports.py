"""The archive's tables as Excel: 基本情况登记表 and 信息汇总表 of one class.

Made to be printed on A4 and to be opened safely: a text cell that Excel would read as a formula
is escaped, ID numbers, register numbers and phones are text (never numbers that lose digits),
and every sensitive value is masked like the card unless the exporter may see it plainly and
asked to. Each file names its exporter and time in the footer, and every child in it is written
to the audit log in the same transaction.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webapp.auth.models import User
from webapp.care.models import Pairing, PairingKind
from webapp.children.access import ON_ROLL
from webapp.children.disclosure import mask_place
from webapp.children.models import (
    Child,
    Guardian,
    GuardianKind,
    LeftBehindType,
    ParentRelation,
    ParentSituation,
    SchoolClass,
    ThreeSpecial,
)
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.core.crypto import mask_id_number, mask_phone
from webapp.core.i18n import long_date
from webapp.core.spreadsheet import safe_text
from webapp.tenants.models import Term

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BASIC_REGISTER = "basic_register"
SUMMARY = "summary"
TABLE_TITLES = {
    BASIC_REGISTER: _l("Basic register of left-behind children"),
    SUMMARY: _l("Summary of left-behind children"),
}

TEXT = "@"
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass
class Masks:
    """How sensitive values go into the file: masked like the card, or plain."""

    plain: bool

    def id_number(self, value: str | None) -> str:
        return (value or "") if self.plain else mask_id_number(value)

    def phone(self, value: str | None) -> str:
        return (value or "") if self.plain else mask_phone(value)

    def place(self, value: str | None) -> str:
        return (value or "") if self.plain else mask_place(value)


@dataclass
class Export:
    data: bytes
    filename: str
    ascii_filename: str
    children: list[Child]


@dataclass(frozen=True)
class Column:
    header: Any
    width: float
    value: Callable[[Any], Any]  # the cell of one row (a child, or a record of another table)
    text: bool = False  # written as a text cell: ID numbers, register numbers, phones


@dataclass(frozen=True)
class Count:
    """One figure of the summary: its key (to find the children behind it), label, value."""

    key: str
    label: Any
    value: int


def export_class(
    session: Session,
    school_class: SchoolClass,
    *,
    table: str,
    unmasked: bool,
    school_name: str,
    exporter_name: str,
    actor_id: int,
    now: datetime,
) -> Export:
    """Build one table of a class and log every child it shows; the caller commits."""
    unmasked = unmasked and table == BASIC_REGISTER  # the summary holds nothing to mask
    children = children_on_roll(session, school_class)
    term = current_term(session, now.date())
    title = f"{school_name}{school_class.name}{TABLE_TITLES[table]}"
    footer = _(
        "Exported by: %(name)s  Exported at: %(time)s",
        name=exporter_name,
        time=f"{long_date(now)} {now:%H:%M}",
    )
    workbook = Workbook()
    sheet = workbook.active
    if table == BASIC_REGISTER:
        included = children
        width = _basic_register(sheet, children, Masks(plain=unmasked))
    else:
        included = [child for child in children if child.is_left_behind]
        width = _summary(session, sheet, children, included, now.date())
    finish_sheet(
        sheet,
        width=width,
        title=title,
        term=term,
        footer=footer,
        unmasked=unmasked if table == BASIC_REGISTER else None,
    )
    sheet.title = str(TABLE_TITLES[table])[:31]
    out = io.BytesIO()
    workbook.save(out)
    record_export(session, included, table=table, unmasked=unmasked, actor_id=actor_id)
    filename = f"{school_name}_{school_class.name}_{TABLE_TITLES[table]}_{now:%Y%m%d}.xlsx"
    return Export(
        out.getvalue(),
        _UNSAFE_IN_FILENAME.sub("_", filename),
        f"{table}-{school_class.id}-{now:%Y%m%d}.xlsx",
        included,
    )


def record_export(
    session: Session,
    children: Iterable[Child],
    *,
    table: str,
    unmasked: bool,
    actor_id: int,
    channel: str = "export",
) -> None:
    """One audit row per child in the file (or on the printed page, channel "print"): what
    table, and whether it was masked."""
    for child in children:
        audit.record(
            session,
            AuditAction.EXPORT,
            actor_id=actor_id,
            subject="child",
            subject_id=child.id,
            child_id=child.id,
            fields=[f"{channel}.{table}"],
            reason=_("Sensitive details shown in full")
            if unmasked
            else _("Sensitive details masked"),
        )
    session.flush()


def children_on_roll(session: Session, school_class: SchoolClass) -> list[Child]:
    return list(
        session.scalars(
            select(Child)
            .where(Child.class_id == school_class.id, Child.status.in_(ON_ROLL))
            .options(selectinload(Child.parents), selectinload(Child.guardians))
            .order_by(Child.name_pinyin, Child.id)
        )
    )


def current_term(session: Session, today: date) -> Term | None:
    """The term today falls in, else the last one begun (a holiday belongs to the term before)."""
    return session.scalar(
        select(Term)
        .where(Term.starts_on <= today)
        .options(selectinload(Term.school_year))
        .order_by(Term.starts_on.desc())
        .limit(1)
    )


def proxy_parents(session: Session, child_ids: list[int]) -> dict[int, list[str]]:
    """Child id → the names of their active proxy parents (代理家长)."""
    rows = session.execute(
        select(Pairing.child_id, User.name)
        .join(User, User.id == Pairing.user_id)
        .where(
            Pairing.child_id.in_(child_ids),
            Pairing.kind == PairingKind.PROXY_PARENT,
            Pairing.ended_on.is_(None),
        )
        .order_by(Pairing.started_on, Pairing.id)
    )
    found: dict[int, list[str]] = {}
    for child_id, name in rows:
        found.setdefault(child_id, []).append(name)
    return found


def main_guardian(child: Child) -> Guardian | None:
    """The guardian (监护人) before any caretaker (托管人), the longest-standing first."""
    active = child.active_guardians
    return next((g for g in active if g.kind == GuardianKind.GUARDIAN), None) or next(
        iter(active), None
    )


def _parent_columns(relation: ParentRelation, masks: Masks) -> list[Column]:
    def part(attribute: str) -> Callable[[Child], Any]:
        def value(child: Child) -> Any:
            parent = child.parent(relation)
            if parent is None:
                return ""
            if attribute == "phone":
                return masks.phone(parent.phone)
            if attribute == "work_place":
                away = parent.situation == ParentSituation.WORKING_AWAY
                return parent.work_place if away else parent.situation.label
            return parent.name or ""

        return value

    if relation == ParentRelation.FATHER:
        headers = (_("Father's name"), _("Father's phone"), _("Father works in"))
    else:
        headers = (_("Mother's name"), _("Mother's phone"), _("Mother works in"))
    return [
        Column(headers[0], 8, part("name")),
        Column(headers[1], 13, part("phone"), text=True),
        Column(headers[2], 12, part("work_place")),
    ]


def _basic_register(sheet: Worksheet, children: list[Child], masks: Masks) -> int:
    """One row per child on the roll: identity, address, parents and guardian."""
    columns = basic_register_columns(masks)
    write_table(sheet, columns, children, start_row=HEADER_ROW)
    return len(columns) + 1


def basic_register_columns(masks: Masks) -> list[Column]:
    """The columns of the 基本情况登记表, for the file and for the printed page alike."""

    def guardian_part(attribute: str) -> Callable[[Child], Any]:
        def value(child: Child) -> Any:
            guardian = main_guardian(child)
            if guardian is None:
                return ""
            if attribute == "phone":
                return masks.phone(guardian.phone)
            if attribute == "relation":
                return guardian.relation.label
            return guardian.name

        return value

    return [
        Column(_("Student register no."), 16, lambda c: masks.id_number(c.student_no), text=True),
        Column(_("Name"), 8, lambda c: c.name),
        Column(_("Sex"), 5, lambda c: c.gender.label),
        Column(_("Date of birth"), 11, lambda c: c.birth_date),
        Column(_("ID number"), 20, lambda c: masks.id_number(c.id_number), text=True),
        Column(_("Home address"), 22, lambda c: masks.place(c.address)),
        Column(_("Left-behind type"), 9, lambda c: c.left_behind_type.label),
        *_parent_columns(ParentRelation.FATHER, masks),
        *_parent_columns(ParentRelation.MOTHER, masks),
        Column(_("Guardian's name"), 8, guardian_part("name")),
        Column(_("Guardian's relation"), 7, guardian_part("relation")),
        Column(_("Guardian's phone"), 13, guardian_part("phone"), text=True),
    ]


def _summary(
    session: Session,
    sheet: Worksheet,
    children: list[Child],
    left_behind: list[Child],
    today: date,
) -> int:
    """The counts across, then the list of the left-behind children with who cares for them."""
    counts = summary_counts(children, today)
    for column, count in enumerate(counts, start=1):
        label_cell = put(sheet, HEADER_ROW, column, str(count.label))
        label_cell.font = Font(bold=True)
        count_cell = put(sheet, HEADER_ROW + 1, column, count.value)
        for cell in (label_cell, count_cell):
            cell.alignment = CENTRED
            cell.border = BOX
        widen(sheet, column, 9)
    sheet.row_dimensions[HEADER_ROW].height = 32

    columns = summary_columns(proxy_parents(session, [child.id for child in left_behind]))
    list_row = HEADER_ROW + 3
    heading = put(sheet, list_row, 1, _("Left-behind children"))
    heading.font = Font(bold=True, size=12)
    write_table(sheet, columns, left_behind, start_row=list_row + 1)
    return len(counts)


def summary_counts(children: list[Child], today: date) -> list[Count]:
    """The figures of the 信息汇总表 over the children on a class's roll."""
    three_special = [child.three_special for child in children]
    return [
        Count("on_roll", _("Number on the roll"), len(children)),
        *(
            Count(kind.value, kind.label, _count(c.left_behind_type == kind for c in children))
            for kind in (LeftBehindType.ONE_PARENT, LeftBehindType.BOTH_PARENTS)
        ),
        Count(
            "civil",
            _("Civil-affairs left-behind"),
            _count(c.is_left_behind_civil(today) for c in children),
        ),
        Count("migrant", _("Number of migrant children"), _count(c.is_migrant for c in children)),
        Count("boarder", _("Number boarding"), _count(c.is_boarder for c in children)),
        Count("bus", _("Number riding the school bus"), _count(c.rides_bus for c in children)),
        *(
            Count(flag.value, flag.label, _count(flag in flags for flags in three_special))
            for flag in ThreeSpecial
        ),
    ]


def summary_columns(proxies: dict[int, list[str]]) -> list[Column]:
    """The list of the left-behind children under the summary's figures."""

    def guardian_text(child: Child) -> str:
        guardian = main_guardian(child)
        return f"{guardian.name}（{guardian.relation.label}）" if guardian else ""

    return [
        Column(_("Name"), 10, lambda c: c.name),
        Column(_("Sex"), 6, lambda c: c.gender.label),
        Column(_("Left-behind type"), 12, lambda c: c.left_behind_type.label),
        Column(_("Guardian"), 18, guardian_text),
        Column(_("Proxy parent"), 14, lambda c: "、".join(proxies.get(c.id, []))),
    ]


def _count(values: Iterable[bool]) -> int:
    return sum(1 for value in values if value)


TITLE_ROW = 1
TERM_ROW = 2
HEADER_ROW = 3


def put(sheet: Worksheet, row: int, column: int, value: Any, *, text: bool = False) -> Any:
    if isinstance(value, str):
        value = safe_text(value)
    cell = sheet.cell(row=row, column=column, value=value)
    if text:
        cell.number_format = TEXT
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def write_table(
    sheet: Worksheet, columns: list[Column], rows: list[Any], *, start_row: int
) -> None:
    """Numbered rows (children, or records) under a bold header that repeats on every printed
    page."""
    for index, column in enumerate([Column(_("No."), 5, lambda c: None), *columns], start=1):
        cell = put(sheet, start_row, index, str(column.header))
        cell.font = Font(bold=True)
        cell.alignment = CENTRED
        cell.border = BOX
        widen(sheet, index, column.width)
    for number, item in enumerate(rows, start=1):
        row = start_row + number
        put(sheet, row, 1, number).border = BOX
        for index, column in enumerate(columns, start=2):
            cell = put(sheet, row, index, column.value(item), text=column.text)
            cell.border = BOX
            cell.alignment = WRAP
    sheet.print_title_rows = f"{start_row}:{start_row}"
    sheet.freeze_panes = sheet.cell(row=start_row + 1, column=1)


def widen(sheet: Worksheet, column: int, width: float) -> None:
    dimension = sheet.column_dimensions[get_column_letter(column)]
    dimension.width = max(dimension.width or 0, width)


def finish_sheet(
    sheet: Worksheet,
    *,
    width: int,
    title: str,
    term: Term | None,
    footer: str,
    unmasked: bool | None,
) -> None:
    """Title above, exporter and time below and in the printed footer, A4 page set-up."""
    title_cell = put(sheet, TITLE_ROW, 1, title)
    title_cell.font = Font(bold=True, size=14)
    title_cell.alignment = CENTRED
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=width)
    sheet.row_dimensions[TITLE_ROW].height = 28
    notes = [_("Term: %(term)s", term=term.full_name)] if term else []
    if unmasked is not None:
        notes.append(
            _("Sensitive details shown in full") if unmasked else _("Sensitive details masked")
        )
    put(sheet, TERM_ROW, 1, "    ".join(notes))
    sheet.merge_cells(start_row=TERM_ROW, start_column=1, end_row=TERM_ROW, end_column=width)
    footer_row = sheet.max_row + 2
    put(sheet, footer_row, 1, footer)
    sheet.merge_cells(start_row=footer_row, start_column=1, end_row=footer_row, end_column=width)

    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = (
        sheet.ORIENTATION_LANDSCAPE if width > 8 else sheet.ORIENTATION_PORTRAIT
    )
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.left.text = footer.replace("&", "&&")
    sheet.oddFooter.right.text = _("Page &P of &N")
