"""A submitted roster snapshot as an Excel file for the school: the figures per class on the
first sheet, the list of left-behind children on the second, both laid out for A4 like the
archive's exports (title, term, exporter and time in the footer)."""

from __future__ import annotations

import io
from datetime import datetime

from flask_babel import gettext as _
from openpyxl import Workbook

from webapp.children.exports import HEADER_ROW, Column, finish_sheet, write_table
from webapp.core.i18n import long_date
from webapp.oversight.snapshot_models import RosterSnapshot
from webapp.oversight.snapshot_queries import (
    child_headers,
    child_labels,
    figure_labels,
    ordered_keys,
)


def workbook(
    snapshot: RosterSnapshot, *, school_name: str, exporter_name: str, now: datetime
) -> bytes:
    footer = _(
        "Exported by: %(name)s  Exported at: %(time)s",
        name=exporter_name,
        time=f"{long_date(now)} {now:%H:%M}",
    )
    title = _(
        "%(school)s term roster snapshot, version %(version)s",
        school=school_name,
        version=snapshot.version,
    )
    labels = figure_labels()
    figures = snapshot.figures
    keys = ordered_keys(figures["totals"])
    book = Workbook()

    counts = book.active
    counts.title = _("Figures")[:31]
    rows = [*figures["classes"], {"name": _("Total"), "counts": figures["totals"]}]
    columns = [Column(_("Class"), 12, lambda r: r["name"])] + [
        Column(labels.get(key, key), 9, lambda r, key=key: r["counts"].get(key, 0)) for key in keys
    ]
    write_table(counts, columns, rows, start_row=HEADER_ROW)
    finish_sheet(
        counts,
        width=len(columns) + 1,
        title=title,
        term=snapshot.term,
        footer=footer,
        unmasked=None,
    )

    listed = book.create_sheet(_("Left-behind children")[:31])
    headers = child_headers()
    people = [child_labels(entry) for entry in snapshot.children]
    columns = [
        Column(header, 14 if key.endswith("place") else 10, lambda r, key=key: r[key])
        for key, header in headers.items()
    ]
    write_table(listed, columns, people, start_row=HEADER_ROW)
    finish_sheet(
        listed,
        width=len(columns) + 1,
        title=title,
        term=snapshot.term,
        footer=f"{footer}  {_('Content hash')}: {snapshot.content_hash[:16]}",
        unmasked=None,
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
