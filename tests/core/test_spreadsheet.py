"""Text that starts like a formula goes into every export as text, whatever it starts with."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from webapp.children.exports import Column, put, write_table
from webapp.core.spreadsheet import FORMULA_STARTS, safe_text


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_cell_starting_like_a_formula_is_stored_as_text(start: str) -> None:
    typed = f'{start}HYPERLINK("http://evil.example","x")'
    book = Workbook()
    sheet = book.active
    put(sheet, 1, 1, typed)
    write_table(sheet, [Column("备注", 10, lambda row: row)], [typed], start_row=3)
    out = io.BytesIO()
    book.save(out)

    opened = load_workbook(io.BytesIO(out.getvalue())).active
    for cell in (opened["A1"], opened["B4"]):
        assert cell.data_type == "s"
        assert cell.value.startswith("'")
        assert cell.value.endswith('HYPERLINK("http://evil.example","x")')


def test_ordinary_text_and_numbers_are_left_as_they_are() -> None:
    assert safe_text("王小明") == "王小明"
    assert safe_text("1+2") == "1+2"
    assert safe_text("a\x00b") == "ab"  # a workbook cannot hold control characters
