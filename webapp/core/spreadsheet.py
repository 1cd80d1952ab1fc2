"""Text that goes into a spreadsheet cell stays text.

Excel, WPS and LibreOffice run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and some of them skip a leading tab or carriage return first: a name typed as
``=HYPERLINK("http://…","点我")`` would become a link, ``=cmd|…`` worse. Every export writes its
text through ``safe_text``: such a value gets a leading apostrophe, which Excel shows as text,
and characters a workbook may not hold are dropped.
"""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text Excel shows as text: a leading apostrophe stops =, +, -, @ from starting a formula."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value
