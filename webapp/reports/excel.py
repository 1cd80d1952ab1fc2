"""A sheet of the archive as an Excel file laid out like the paper form: the title merged across
the top, the school's term below it, the figures, the table with borders and widths and its
header repeated on every printed A4 page, the exporter and time in the footer.

The cells go through ``children.exports``: text that Excel would run as a formula is escaped and
numbers that are really text (ID numbers, phones) stay text.
"""

from __future__ import annotations

import io
from datetime import datetime

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from webapp.children.exports import (
    BOX,
    CENTRED,
    HEADER_ROW,
    finish_sheet,
    put,
    widen,
    write_table,
)
from webapp.core.i18n import long_date
from webapp.reports.archive import Sheet
from webapp.tenants.models import Term


def workbook(
    sheet: Sheet,
    *,
    title: str,
    term: Term | None,
    exporter_name: str,
    now: datetime,
    unmasked: bool | None,
) -> bytes:
    book = Workbook()
    page = book.active
    page.title = str(sheet.table.label)[:31]
    start = HEADER_ROW
    if sheet.counts:
        for column, (count, _link) in enumerate(sheet.counts, start=1):
            label = put(page, start, column, str(count.label))
            label.font = Font(bold=True)
            value = put(page, start + 1, column, count.value)
            for cell in (label, value):
                cell.alignment = CENTRED
                cell.border = BOX
            widen(page, column, 9)
        page.row_dimensions[start].height = 32
        start += 3
        if sheet.list_title:
            put(page, start, 1, sheet.list_title).font = Font(bold=True, size=12)
            start += 1
    write_table(page, sheet.columns, sheet.rows, start_row=start)
    footer = _(
        "Exported by: %(name)s  Exported at: %(time)s",
        name=exporter_name,
        time=f"{long_date(now)} {now:%H:%M}",
    )
    finish_sheet(
        page,
        width=max(len(sheet.columns) + 1, len(sheet.counts)),
        title=title,
        term=term,
        footer=footer,
        unmasked=unmasked,
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
