"""Reading a school's MIS export (CSV) of attendance or attainment: the two documented layouts
(README, "Education outcomes"; examples in docs/examples/), checked row by row. Nothing here
writes: outcomes.services previews and imports what this reads.

Attendance: UPN, From, To, Sessions possible, Sessions present, Authorised absence,
Unauthorised absence (one row per pupil and term; the dates say which term).
Attainment: UPN, Date, Key stage, Subject, Measure, Value (one value per row; the rows of one
pupil, term and subject make up that subject's record, checked on its key stage's scale).
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from children.upn import normalise_upn
from pep_portal.text import decode_upload
from peps.sections import Kind

from . import attendance as sums
from .models import MisImportLayout, term_of
from .scales import KeyStage, subject_spec

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000

COLUMNS = {
    MisImportLayout.ATTENDANCE: (
        "UPN",
        "From",
        "To",
        "Sessions possible",
        "Sessions present",
        "Authorised absence",
        "Unauthorised absence",
    ),
    MisImportLayout.ATTAINMENT: ("UPN", "Date", "Key stage", "Subject", "Measure", "Value"),
}
KEY_STAGES = (
    {k.value: k.value for k in KeyStage}
    | {k.label.lower(): k.value for k in KeyStage}
    | {"eyfs": "eyfs", "post-16": "post16", "post 16": "post16"}
)


class FileRefused(Exception):
    """The file as a whole cannot be read (wrong layout, too big, not text)."""


@dataclass
class Reading:
    rows: list[dict[str, Any]] = field(default_factory=list)
    # {"row": n, "upn": …, "messages": [...]}: the rows that are wrong (row 1 is the header).
    errors: list[dict[str, Any]] = field(default_factory=list)


def _date(text: str) -> dt.date:
    text = text.strip()
    if "/" in text:
        day, month, year = text.split("/")
        if len(year) != 4:
            raise ValueError(text)
        return dt.date(int(year), int(month), int(day))
    return dt.date.fromisoformat(text)


def _whole(text: str) -> int:
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        raise ValueError(text)
    return int(text)


def _text_of(content: bytes) -> str:
    if len(content) > MAX_BYTES:
        raise FileRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    # UTF-8 (with or without Excel's byte-order mark), else Windows-1252 as older MIS exports
    # and "CSV (Comma delimited)" from Excel write it: one decoder for every upload.
    text = decode_upload(content)
    if text is None:
        raise FileRefused("The file is not a CSV file saved as text (UTF-8 or Windows-1252)")
    if "\x00" in text:
        raise FileRefused("The file is not a CSV file: it has binary content")
    return text


def _records(layout: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(_text_of(content), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error):
        raise FileRefused("The file is empty") from None
    wanted = COLUMNS[MisImportLayout(layout)]
    missing = [c for c in wanted if c.lower() not in {h.lower() for h in header}]
    if missing:
        raise FileRefused(f"The file has no column {', '.join(repr(c) for c in missing)}")
    position = {h.lower(): i for i, h in enumerate(header)}
    records: list[tuple[int, dict[str, str]]] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(records) >= MAX_ROWS:
                raise FileRefused(f"The file has more than {MAX_ROWS:,} rows")
            values = {
                c: cells[position[c.lower()]].strip() if position[c.lower()] < len(cells) else ""
                for c in wanted
            }
            records.append((number, values))
    except csv.Error as error:
        raise FileRefused(f"The file is not a readable CSV file: {error}") from None
    if not records:
        raise FileRefused("The file has a header but no rows")
    return records


def _upn(text: str, messages: list[str]) -> str:
    upn = normalise_upn(text)
    if not upn:
        messages.append("The UPN is missing")
    elif len(upn) != 13 or not upn.isascii() or not upn.isalnum():
        messages.append("The UPN is not 13 letters and digits")
    return upn


def _attendance_row(cells: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """One row's values, and what is wrong with them."""
    messages: list[str] = []
    upn = _upn(cells["UPN"], messages)
    dates = []
    for column in ("From", "To"):
        try:
            dates.append(_date(cells[column]))
        except (ValueError, TypeError, OverflowError):
            messages.append(f"“{column}” is not a date (use 2025-09-03 or 03/09/2025)")
    counts: dict[str, int] = {}
    for column, name in (
        ("Sessions possible", "possible"),
        ("Sessions present", "present"),
        ("Authorised absence", "authorised"),
        ("Unauthorised absence", "unauthorised"),
    ):
        try:
            counts[name] = _whole(cells[column])
        except ValueError:
            messages.append(f"“{column}” is not a whole number")
    row: dict[str, Any] = {"upn": upn, **counts}
    if len(dates) == 2:
        start, end = dates
        row["academic_year"], row["term"] = term_of(start)
        if end < start:
            messages.append("“To” is before “From”")
        elif term_of(end) != term_of(start):
            messages.append("The dates span more than one term: give one row per term")
    if len(counts) == 4:
        messages += list(sums.problems(sums.Sessions(**counts)).values())
    return row, messages


def read_attendance(content: bytes) -> Reading:
    reading = Reading()
    seen: dict[tuple[str, int, str], int] = {}
    for number, cells in _records(MisImportLayout.ATTENDANCE, content):
        row, messages = _attendance_row(cells)
        if not messages:
            key = (row["upn"], row["academic_year"], row["term"])
            if key in seen:
                messages.append(f"The same pupil and term are on row {seen[key]} too")
            seen[key] = number
        if messages:
            reading.errors.append({"row": number, "upn": row["upn"][:13], "messages": messages})
        else:
            reading.rows.append({"row": number, **row})
    return reading


def read_attainment(content: bytes) -> Reading:
    """Each value checked on its own; the subject's values together are checked again by the
    import service (outcomes.services.check_values), so one checker decides."""
    reading = Reading()
    grouped: dict[tuple[str, int, str, str, str], dict[str, Any]] = {}
    for number, cells in _records(MisImportLayout.ATTAINMENT, content):
        messages: list[str] = []
        upn = _upn(cells["UPN"], messages)
        year = term = None
        try:
            year, term = term_of(_date(cells["Date"]))
        except (ValueError, TypeError, OverflowError):
            messages.append("“Date” is not a date (use 2025-09-03 or 03/09/2025)")
        key_stage = KEY_STAGES.get(cells["Key stage"].strip().lower())
        subject = cells["Subject"].strip().lower()
        measure = cells["Measure"].strip().lower()
        if key_stage is None:
            messages.append("“Key stage” is not one of EYFS, KS1, KS2, KS3, KS4, post16")
        elif subject_spec(key_stage, subject) is None:
            messages.append(f"“{subject[:40]}” is not a subject of {key_stage.upper()}")
        else:
            spec = subject_spec(key_stage, subject)
            if spec is not None and spec.field(measure) is None:
                messages.append(f"“{measure[:40]}” is not a measure of {spec.label}")
        if not messages and year is not None and term is not None and key_stage is not None:
            record = grouped.setdefault(
                (upn, year, term, key_stage, subject),
                {
                    "row": number,
                    "upn": upn,
                    "academic_year": year,
                    "term": term,
                    "key_stage": key_stage,
                    "subject": subject,
                    "values": {},
                    "rows": [],
                },
            )
            if measure in record["values"]:
                messages.append(f"“{measure}” is given twice for this pupil, term and subject")
            else:
                value = cells["Value"]
                spec = subject_spec(key_stage, subject)
                asked = spec.field(measure) if spec is not None else None
                if asked is not None and asked.kind in (Kind.CHOICE, Kind.YES_NO):
                    value = value.lower()  # "EXS", "Yes", "U" as the MIS writes them
                record["values"][measure] = value
                record["rows"].append(number)
        if messages:
            reading.errors.append({"row": number, "upn": upn[:13], "messages": messages})
    reading.rows = list(grouped.values())
    return reading


def read(layout: str, content: bytes) -> Reading:
    if layout == MisImportLayout.ATTENDANCE:
        return read_attendance(content)
    return read_attainment(content)
