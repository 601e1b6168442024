"""XLSX downloads, beside the CSV ones (pep_portal.csv_export): a sheet per table.

Formula injection: openpyxl stores any text starting with "=" as a formula, so every text cell
is written here as text, explicitly; and a text cell starting with anything a spreadsheet may
read as the start of a formula (csv_export.FORMULA_STARTS: = + - @ | % tab, carriage return)
also gets Excel's own "quote prefix", so it stays text even when someone edits the cell. The
text itself is kept as typed (no apostrophe added), so the figures read back unchanged.

Memory: the workbook is write-only (openpyxl streams each row to a temporary file as it is
added) and the finished file is sent from disk in chunks, so a large export is never held in
memory whole.
"""

import datetime as dt
import re
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .csv_export import FORMULA_STARTS

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters Excel refuses in a sheet's name, and its length limit.
_NOT_IN_TITLES = re.compile(r"[\[\]:*?/\\]")
_TITLE_LENGTH = 31
# XML 1.0 cannot carry most control characters: a cell holding one would make the file
# unreadable, so they are dropped (tab, line feed and carriage return are allowed).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Sheet = tuple[str, Iterable[Iterable[Any]]]


def _cell(sheet: Any, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, bool):
        value = "Yes" if value else "No"
    elif value is not None and not isinstance(
        value, int | float | Decimal | dt.date | dt.datetime | str
    ):
        value = str(value)
    if isinstance(value, str):
        value = _CONTROL.sub("", value)
        cell = WriteOnlyCell(sheet, None)
        # Set as text whatever it starts with (openpyxl would make "=…" a formula).
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    else:
        cell = WriteOnlyCell(sheet, value)
    if bold:
        cell.font = Font(bold=True)
    return cell


def sheet_title(title: str, taken: set[str]) -> str:
    """A name Excel accepts, unique in the workbook."""
    base = _NOT_IN_TITLES.sub(" ", title).strip()[:_TITLE_LENGTH] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" {n}"
        name = base[: _TITLE_LENGTH - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


def write(sheets: Iterable[Sheet], out: Any) -> None:
    """Write the sheets to `out` (a path or a binary file). The first row of each sheet is its
    header, in bold."""
    book = Workbook(write_only=True)
    taken: set[str] = set()
    for title, rows in sheets:
        sheet = book.create_sheet(sheet_title(title, taken))
        for number, row in enumerate(rows):
            sheet.append([_cell(sheet, value, bold=number == 0) for value in row])
    book.save(out)


def response(sheets: Iterable[Sheet], filename: str) -> FileResponse:
    """An XLSX download of the sheets, built in a temporary file and sent from it in chunks
    (the file is removed when the response is closed)."""
    # Deleted on close; FileResponse closes it when the download ends.
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by the response)
    write(sheets, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPE)
