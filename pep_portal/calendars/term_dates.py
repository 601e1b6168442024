"""Reading term dates from the files councils and schools publish, and writing them back out.

Pure functions over bytes and dates: no ORM. `services.term_dates_load` stores what they return.

A CSV file has the header `kind,start_date,end_date,name`; `kind` is `term` (pupils attend on
the weekdays inside the range) or `closed` (half-term, holiday, INSET day or other closure);
dates are ISO (YYYY-MM-DD), both ends inclusive. Every row is checked and every bad row is
reported by its line number; if any row is bad, nothing is loaded. Files over 5 MB or 10,000
rows are refused as soon as the limit is passed, without reading the rest.

An iCalendar file (.ics) gives all-day events for holidays and closures; the term is the
academic year given with it (`--year-start`/`--year-end`: the first and last days of term).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from pep_portal import csv_export
from pep_portal.text import without_nul

from .choices import PeriodKind
from .deadlines import ONE_DAY, academic_year_bounds, academic_year_label, academic_year_of

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_NAME_LENGTH = 200
MAX_ERRORS_SHOWN = 50
HEADER = ["kind", "start_date", "end_date", "name"]
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class TermDatesError(Exception):
    """The file cannot be loaded; `errors` says why, one line each (by line number)."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        super().__init__("\n".join(shown + ([f"… and {more} more problems"] if more else [])))


@dataclass(frozen=True)
class Row:
    kind: PeriodKind
    start: dt.date
    end: dt.date
    name: str
    where: str  # "line 4", or the event an iCalendar row came from

    @property
    def academic_year(self) -> int:
        return academic_year_of(self.start)


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- limits -----------------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class _LimitedReader(io.RawIOBase):
    """Passes bytes through and stops once more than `limit` have been read, so a huge upload
    is refused after reading just over the limit, whatever size it claims to be."""

    def __init__(self, stream: BinaryIO, limit: int):
        self._stream = stream
        self._left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(min(len(buffer), self._left + 1))
        self._left -= len(data)
        if self._left < 0:
            raise _TooLarge
        buffer[: len(data)] = data
        return len(data)


def _too_large_message() -> str:
    return (
        f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. A year's term dates take a "
        "few dozen lines: check it is the right file."
    )


def _too_many_rows_message() -> str:
    return (
        f"The file has more than {MAX_ROWS:,} rows, so it was not read any further. A year's "
        "term dates take a few dozen lines: check it is the right file."
    )


_ENCODING_MESSAGE = (
    "The file is not UTF-8 text{where}. Save it from your spreadsheet as “CSV UTF-8 "
    "(comma delimited)” and try again."
)


def _check_start(head: bytes) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TermDatesError(
            [
                "The file is saved as UTF-16 (“Unicode text”). Save it from your spreadsheet "
                "as “CSV UTF-8 (comma delimited)” and try again."
            ]
        )
    if b"\x00" in head:
        raise TermDatesError(["The file is not a CSV text file (it contains binary data)."])


# --- CSV --------------------------------------------------------------------------------------


def _parse_date(value: str, column: str, where: str, errors: list[str]) -> dt.date | None:
    value = value.strip()
    if not _ISO_DATE.fullmatch(value):
        shown = value[:40] or "(blank)"
        errors.append(f"{where}: {column} “{shown}” is not a date in the form YYYY-MM-DD")
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        errors.append(f"{where}: {column} “{value}” is not a real date")
        return None
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        errors.append(f"{where}: {column} {value} is not between {EARLIEST_YEAR} and {LATEST_YEAR}")
        return None
    return day


def clean_name(value: str) -> str:
    """A period's name as typed. Our own export escapes formula-like text with a leading
    apostrophe; that apostrophe is taken off again so a file survives a round trip. A NUL,
    invisible and unstorable in PostgreSQL, is dropped."""
    return csv_export.unescape(without_nul(value).strip())


def _parse_row(values: list[str], where: str, errors: list[str]) -> Row | None:
    if len(values) != len(HEADER):
        errors.append(
            f"{where}: expected 4 values (kind, start_date, end_date, name), found {len(values)}"
        )
        return None
    kind_text, start_text, end_text, name = values
    before = len(errors)
    kind = kind_text.strip().lower()
    if kind not in PeriodKind.values:
        shown = kind_text.strip()[:40] or "(blank)"
        errors.append(f"{where}: kind must be “term” or “closed”, not “{shown}”")
    start = _parse_date(start_text, "start_date", where, errors)
    end = _parse_date(end_text, "end_date", where, errors)
    name = clean_name(name)
    if len(name) > MAX_NAME_LENGTH:
        errors.append(f"{where}: name is longer than {MAX_NAME_LENGTH} characters")
    if start and end and end < start:
        errors.append(f"{where}: end_date {end} is before start_date {start}")
    if len(errors) > before or start is None or end is None:
        return None
    return Row(PeriodKind(kind), start, end, name, where)


def read_csv(stream: BinaryIO) -> list[Row]:
    """Every row of a term dates CSV, checked; raises TermDatesError listing every problem."""
    limited = io.BufferedReader(_LimitedReader(stream, MAX_BYTES))
    try:
        _check_start(limited.peek(64)[:64])
        text = io.TextIOWrapper(limited, encoding="utf-8-sig", errors="strict", newline="")
        reader = csv.reader(text)
        rows, errors = _read_csv_rows(reader)
    except _TooLarge:
        raise TermDatesError([_too_large_message()]) from None
    if errors:
        raise TermDatesError(errors)
    return rows


def _read_csv_rows(reader: Iterator[list[str]]) -> tuple[list[Row], list[str]]:
    errors: list[str] = []
    rows: list[Row] = []
    line = 1
    try:
        header = next(reader, None)
        if header is None:
            return [], ["The file is empty. The first line must be: kind,start_date,end_date,name"]
        if [h.strip().lower() for h in header] != HEADER:
            shown = ",".join(header)[:80]
            return [], [
                f"Line 1: the header must be “kind,start_date,end_date,name”, not “{shown}”"
            ]
        count = 0
        for values in reader:
            line = reader.line_num  # type: ignore[attr-defined]
            if not values or all(not v.strip() for v in values):
                continue
            count += 1
            if count > MAX_ROWS:
                return [], [_too_many_rows_message()]
            row = _parse_row(values, f"Line {line}", errors)
            if row is not None:
                rows.append(row)
    except UnicodeDecodeError:
        return [], [_ENCODING_MESSAGE.format(where=f" (near line {line + 1})")]
    except csv.Error as error:
        return [], [f"Line {line + 1}: not readable as CSV ({error})"]
    if not rows and not errors:
        errors.append("The file has a header but no term dates.")
    return rows, errors + check_rows(rows)


def check_rows(rows: Iterable[Row]) -> list[str]:
    """What no calendar may contain, whatever its source: a term running across 31 August into
    the next academic year, and terms that overlap one another."""
    errors = []
    terms = sorted((r for r in rows if r.kind == PeriodKind.TERM), key=lambda r: r.start)
    for row in terms:
        if academic_year_of(row.start) != academic_year_of(row.end):
            errors.append(
                f"{row.where}: a term cannot run across 31 August into the next academic year; "
                "split it at 1 September"
            )
    for earlier, later in itertools.pairwise(terms):
        if later.start <= earlier.end:
            errors.append(
                f"{later.where}: this term overlaps the term on {earlier.where.lower()} "
                f"({long_date(earlier.start)} to {long_date(earlier.end)})"
            )
    return errors


# --- iCalendar --------------------------------------------------------------------------------

# Events that mark when a term starts or ends: pupils attend on them, so they are not closures.
_TERM_MARKER = re.compile(
    r"\b(term|school)\s+(starts?|begins?|ends?|finish(es)?|opens?|re-?opens?)\b"
    r"|\b(first|last)\s+day\s+of\s+(the\s+)?term\b",
    re.IGNORECASE,
)


@dataclass
class IcsResult:
    rows: list[Row]
    notes: list[str] = field(default_factory=list)


def read_ics(stream: BinaryIO, *, year_start: dt.date, year_end: dt.date) -> IcsResult:
    """A school year from an iCalendar file: one term from `year_start` to `year_end` (the first
    and last days of term) and a closure for each all-day event inside it."""
    import icalendar  # imported here: only this loader needs it

    errors = []
    if year_end < year_start:
        errors.append("--year-end is before --year-start")
    elif academic_year_of(year_start) != academic_year_of(year_end):
        errors.append(
            "--year-start and --year-end must be in the same academic year (1 September to "
            "31 August)"
        )
    if errors:
        raise TermDatesError(errors)
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise TermDatesError([_too_large_message()])
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise TermDatesError([_ENCODING_MESSAGE.format(where="")]) from None
    try:
        parsed = icalendar.Calendar.from_ical(data)
    except Exception as error:  # the library raises several kinds for malformed input
        raise TermDatesError([f"The file is not a valid iCalendar file ({error})."]) from None

    term = Row(PeriodKind.TERM, year_start, year_end, "Term", "--year-start/--year-end")
    result = IcsResult(rows=[term])
    events = parsed.walk("VEVENT")
    if len(events) > MAX_ROWS:
        raise TermDatesError([_too_many_rows_message()])
    for event in events:
        row = _ics_row(event, year_start, year_end, errors, result.notes)
        if row is not None:
            result.rows.append(row)
    if errors:
        raise TermDatesError(errors)
    return result


def _ics_row(
    event: object, year_start: dt.date, year_end: dt.date, errors: list[str], notes: list[str]
) -> Row | None:
    summary = clean_name(str(event.get("SUMMARY", "")))[:MAX_NAME_LENGTH]  # type: ignore[attr-defined]
    start_prop = event.get("DTSTART")  # type: ignore[attr-defined]
    if start_prop is None:
        errors.append(f"Event “{summary}” has no start date (DTSTART)")
        return None
    start = start_prop.dt
    where = f"Event “{summary}”"
    if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
        notes.append(f"{where} ignored: it has a time of day, so it is not an all-day closure")
        return None
    where = f"Event “{summary}” ({long_date(start)})"
    if event.get("RRULE") is not None:  # type: ignore[attr-defined]
        errors.append(f"{where} repeats (RRULE): give each closure as its own event")
        return None
    end = _ics_end(event, start)
    if end < start:
        errors.append(f"{where}: ends before it starts")
        return None
    if _TERM_MARKER.search(summary):
        notes.append(f"{where} ignored: it marks the start or end of a term, not a closure")
        return None
    if end < year_start or start > year_end:
        notes.append(f"{where} ignored: outside {long_date(year_start)} to {long_date(year_end)}")
        return None
    return Row(PeriodKind.CLOSED, max(start, year_start), min(end, year_end), summary, where)


def _ics_end(event: object, start: dt.date) -> dt.date:
    # An all-day event's DTEND is exclusive: a one-day event on 1 May ends on 2 May.
    end_prop = event.get("DTEND")  # type: ignore[attr-defined]
    if end_prop is not None and isinstance(end_prop.dt, dt.date):
        end = end_prop.dt
        if isinstance(end, dt.datetime):
            end = end.date()
        return max(start, end - ONE_DAY)
    duration = event.get("DURATION")  # type: ignore[attr-defined]
    if duration is not None:
        return start + max(duration.dt - ONE_DAY, dt.timedelta(0))
    return start


# --- what a load does, year by year -----------------------------------------------------------


@dataclass
class LoadPlan:
    """The rows of a file grouped by academic year, and what loading them will do."""

    years: dict[int, list[Row]]
    closures_only: bool
    notes: list[str] = field(default_factory=list)


def plan_load(rows: list[Row], *, for_school: bool) -> LoadPlan:
    """Group rows by academic year. A closure running across 31 August (a summer holiday into
    September INSET days) is split between the two years. A file with term rows covers the
    years its terms are in and replaces them; a school's file with no term rows adds closures
    to its authority's calendar for the years they fall in."""
    has_terms = any(r.kind == PeriodKind.TERM for r in rows)
    if not has_terms and not for_school:
        raise TermDatesError(
            [
                "An authority's file must have term rows: closures alone do not say which days "
                "are school days."
            ]
        )
    pieces: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        for year in range(academic_year_of(row.start), academic_year_of(row.end) + 1):
            first, last = academic_year_bounds(year)
            piece = Row(row.kind, max(row.start, first), min(row.end, last), row.name, row.where)
            pieces[year].append(piece)
    plan = LoadPlan(years={}, closures_only=not has_terms)
    for year in sorted(pieces):
        year_rows = pieces[year]
        if has_terms and not any(r.kind == PeriodKind.TERM for r in year_rows):
            days = sum((r.end - r.start).days + 1 for r in year_rows)
            where = ", ".join(sorted({r.where for r in year_rows}))
            plan.notes.append(
                f"{days} closed day(s) in {academic_year_label(year)} were not loaded: the file "
                f"has no term dates for that year ({where})"
            )
            continue
        plan.years[year] = sorted(year_rows, key=lambda r: (r.start, r.kind))
    return plan


# --- export -----------------------------------------------------------------------------------


def write_csv(periods: Iterable[tuple[str, dt.date, dt.date, str]]) -> str:
    """The periods as CSV; a name a spreadsheet would run as a formula is escaped
    (pep_portal.csv_export), and loads back as typed (`clean_name`)."""
    return csv_export.to_text(
        [
            HEADER,
            *(
                [kind, start.isoformat(), end.isoformat(), name]
                for kind, start, end, name in periods
            ),
        ]
    )
