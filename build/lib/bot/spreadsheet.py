"""Spreadsheet files for staff (CSV and XLSX), with every text cell safe to open in Excel, WPS or LibreOffice.

A cell whose text starts with = + - @ (or their full-width forms, which WPS and Excel on Chinese systems also
read as formula signs), a tab or a carriage return is taken for a formula: `=HYPERLINK("http://x","点此")`
typed by a citizen into a feedback comment would become a link in the staff's spreadsheet, and DDE formulas
can run programs. Following OWASP's rule (owasp.org/www-community/attacks/CSV_Injection), such a cell gets a
leading apostrophe: every spreadsheet shows it as text, and none of the text is lost. Only text is changed;
numbers (a negative score included) stay numbers.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO

Cell = str | int | float | bool | None
# The characters a spreadsheet may read as the start of a formula when they begin a cell.
FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
# Spreadsheets drop leading blanks before deciding whether a cell is a formula (LibreOffice's "trim spaces"):
# a trigger after them counts too. Tab and carriage return are triggers themselves, so they are not skipped.
_LEADING_BLANKS = " \u3000\n"


def neutralise(value: Cell) -> Cell:
    """The cell as text that no spreadsheet runs as a formula; non-text values as they are."""
    if isinstance(value, str) and value and (value[0] in FORMULA_TRIGGERS
                                             or value.lstrip(_LEADING_BLANKS)[:1] in FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """The table as CSV in UTF-8 with a BOM: without it Excel on Chinese Windows reads UTF-8 as GBK (mojibake)."""
    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    return buffer.getvalue().encode("utf-8-sig")


def write_csv(out: IO[str], header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> int:
    """Writes the table to an open text file (opened with newline=""); returns the number of rows."""
    writer = csv.writer(out)
    return _each_row(writer.writerow, header, rows, neutralise)


def write_xlsx(out: Path | IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Cell]], sheet: str = "Sheet1") -> int:
    """Writes the table as a one-sheet workbook; returns the number of rows. After `neutralise` no text starts
    with "=", so openpyxl stores every text as text, never as a formula."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    n = _each_row(book.create_sheet(sheet).append, header, rows, _xlsx_cell)
    book.save(out)
    return n


def _each_row(write: Callable[[list], object], header: Sequence[str], rows: Iterable[Sequence[Cell]],
              cell: Callable[[Cell], Cell]) -> int:
    """Writes the header and the rows, every value through `cell`; returns the number of rows (header aside)."""
    write([cell(h) for h in header])
    n = 0
    for row in rows:
        write([cell(v) for v in row])
        n += 1
    return n


def _xlsx_cell(value: Cell) -> Cell:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    # Control characters other than tab and newlines cannot be stored in an XLSX file: openpyxl refuses them.
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", neutralise(value))
