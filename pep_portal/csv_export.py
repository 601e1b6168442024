"""CSV files that people open in a spreadsheet: every export the portal offers writes through
`writer` here, so formula injection ("CSV injection", OWASP) is handled in one place.

defusedcsv does the work: a text cell starting with = + - @ | or % (other than a plain number,
so "-5" stays a number) gets a leading apostrophe, which spreadsheets show and never run.
It leaves alone a cell that starts with a tab or a carriage return, which OWASP lists too
(some spreadsheets strip leading white space and then evaluate what follows), so those two are
prefixed here before defusedcsv sees the row.
"""

import csv as plain_csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from defusedcsv.csv import _escape as _defused_escape
from django.http import StreamingHttpResponse

# Everything a spreadsheet may read as the start of a formula: defusedcsv's list plus the two
# white-space characters it does not cover. Readers of our own exports strip the apostrophe
# before any of these (pep_portal.calendars.term_dates).
FORMULA_STARTS = ("=", "+", "-", "@", "|", "%", "\t", "\r")
_WHITESPACE_STARTS = ("\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        if not value.startswith(FORMULA_STARTS):
            return value  # the usual cell: nothing a spreadsheet could run, nothing to change
        if value.startswith(_WHITESPACE_STARTS):
            return "'" + value
    # defusedcsv's own rule (pinned in requirements.lock), for every cell it could change: a
    # text starting = + - @ | %, and anything not text (None and numbers it leaves alone).
    return _defused_escape(value)


class _Writer:
    """defusedcsv's writer, with the cells it would leave unchanged passed straight through:
    its check of every cell (an abstract-class test for numbers, a regular expression) was
    most of a large export's time (issue 20: 15,334 rows of PP+)."""

    def __init__(self, stream: Any, **options: Any) -> None:
        self._writer = plain_csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        # The usual cells (text starting with none of FORMULA_STARTS, whole numbers) are
        # written as they are without a call each: this line runs for every cell of a
        # 50,000-row export. Everything else goes through `_cell`.
        return self._writer.writerow(
            [
                value
                if (value.__class__ is str and not value.startswith(FORMULA_STARTS))
                or value.__class__ is int
                else _cell(value)
                for value in row
            ]
        )

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: Any, **options: Any) -> _Writer:
    """A csv.writer whose text cells can never run as a formula. Spreadsheets expect CRLF."""
    options.setdefault("lineterminator", "\r\n")
    return _Writer(stream, **options)


def to_text(rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    writer(out).writerows(rows)
    return out.getvalue()


def unescape(text: str) -> str:
    """The text as typed, from a cell our own export escaped (so an exported file can be loaded
    back unchanged): the leading apostrophe off, and defusedcsv's backslash before a pipe."""
    if not (text.startswith("'") and text[1:2] and text[1] in FORMULA_STARTS):
        return text
    text = text[1:]
    if not text.startswith(_WHITESPACE_STARTS):
        text = text.replace("\\|", "|")
    return text


class _Line:
    """A file that hands back what is written to it: each row becomes one piece of text."""

    def write(self, value: str) -> str:
        return value


# Rows are sent this many at a time: each piece a streamed response sends costs a few
# function calls of its own, and a piece of ~100 rows is still only some kilobytes.
ROWS_A_PIECE = 100


def _lines(rows: Iterable[Iterable[Any]], byte_order_mark: bool) -> Iterator[str]:
    out = writer(_Line())
    piece = ["\ufeff"] if byte_order_mark else []  # Excel then reads the file as UTF-8
    for row in rows:
        piece.append(out.writerow(row))
        if len(piece) >= ROWS_A_PIECE:
            yield "".join(piece)
            piece = []
    if piece:
        yield "".join(piece)


def streaming_response(
    rows: Iterable[Iterable[Any]], filename: str, *, byte_order_mark: bool = True
) -> StreamingHttpResponse:
    """A CSV download sent row by row as `rows` yields them (a large export is never held in
    memory whole), through the same formula-proof writer."""
    response = StreamingHttpResponse(
        _lines(rows, byte_order_mark), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
