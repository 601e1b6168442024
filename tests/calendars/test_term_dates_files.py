"""Reading term dates files: good, bad and hostile. Nothing is loaded from a bad file."""

import csv
import datetime as dt
import io

import pytest

from pep_portal.calendars.choices import PeriodKind
from pep_portal.calendars.term_dates import (
    MAX_BYTES,
    MAX_ROWS,
    TermDatesError,
    plan_load,
    read_csv,
    read_ics,
    write_csv,
)

from .helpers import FIXTURES

D = dt.date


def read_fixture(name: str):  # type: ignore[no-untyped-def]
    with (FIXTURES / name).open("rb") as stream:
        return read_csv(stream)


def csv_bytes(*lines: str) -> io.BytesIO:
    return io.BytesIO(("\n".join(lines) + "\n").encode())


def errors_of(stream: io.BytesIO) -> list[str]:
    with pytest.raises(TermDatesError) as raised:
        read_csv(stream)
    return raised.value.errors


def test_a_good_file_gives_every_row_with_its_line_number():
    rows = read_fixture("northam-term-dates.csv")
    assert len(rows) == 30
    assert rows[0].kind == PeriodKind.TERM
    assert (rows[0].start, rows[0].end, rows[0].name) == (
        D(2022, 9, 5),
        D(2022, 12, 16),
        "Autumn term",
    )
    assert rows[0].where == "Line 2"


def test_each_bad_row_is_reported_by_its_line_number():
    errors = errors_of(io.BytesIO((FIXTURES / "bad-rows.csv").read_bytes()))
    assert errors == [
        "Line 3: kind must be “term” or “closed”, not “holiday”",
        "Line 4: end_date 2025-12-19 is before start_date 2025-12-22",
        "Line 5: start_date “27/10/2025” is not a date in the form YYYY-MM-DD",
        "Line 7: start_date “2026-02-30” is not a real date",
        "Line 7: end_date “2026-02-30” is not a real date",
        "Line 8: expected 4 values (kind, start_date, end_date, name), found 3",
        "Line 6: this term overlaps the term on line 2 (1 September 2025 to 19 December 2025)",
    ]


def test_overlapping_terms_and_a_term_across_31_august_are_refused():
    errors = errors_of(
        csv_bytes(
            "kind,start_date,end_date,name",
            "term,2025-09-01,2025-12-19,Autumn",
            "term,2025-12-01,2026-03-27,Spring",
            "term,2026-07-01,2026-09-10,Summer into autumn",
        )
    )
    assert "Line 3: this term overlaps the term on line 2" in errors[-1]
    assert errors[0].startswith("Line 4: a term cannot run across 31 August")


def test_the_header_must_be_exactly_the_four_columns_in_any_case():
    assert read_csv(csv_bytes("Kind, Start_Date ,end_date,NAME", "term,2025-09-01,2025-12-19,A"))
    assert errors_of(csv_bytes("start,end,kind,name", "term,2025-09-01,2025-12-19,A")) == [
        "Line 1: the header must be “kind,start_date,end_date,name”, not “start,end,kind,name”"
    ]
    assert errors_of(io.BytesIO(b""))[0].startswith("The file is empty")
    assert errors_of(csv_bytes("kind,start_date,end_date,name")) == [
        "The file has a header but no term dates."
    ]


def test_a_byte_order_mark_and_windows_line_endings_are_accepted():
    data = "\ufeffkind,start_date,end_date,name\r\nterm,2025-09-01,2025-12-19,Autumn\r\n\r\n"
    rows = read_csv(io.BytesIO(data.encode()))
    assert [(r.kind, r.where) for r in rows] == [(PeriodKind.TERM, "Line 2")]


def test_a_file_in_the_wrong_encoding_is_refused_with_how_to_fix_it():
    data = "kind,start_date,end_date,name\nclosed,2025-10-27,2025-10-31,Half term \u2013 October\n"
    errors = errors_of(io.BytesIO(data.encode("cp1252")))
    assert len(errors) == 1
    assert "not UTF-8" in errors[0]
    assert "CSV UTF-8" in errors[0]
    utf16 = errors_of(io.BytesIO(data.encode("utf-16")))
    assert "UTF-16" in utf16[0]
    assert "binary" in errors_of(io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))[0]


class EndlessCsv(io.RawIOBase):
    """A stream that never ends, counting what is read from it."""

    def __init__(self) -> None:
        self.served = 0
        self.line = b"closed,2025-10-27,2025-10-31,Half term\n"

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.served == 0:
            chunk = b"kind,start_date,end_date,name\n"
        else:
            chunk = self.line * max(1, size // len(self.line))
        self.served += len(chunk)
        return chunk


def test_a_million_row_file_is_stopped_with_a_clear_error_without_reading_it_all(tmp_path):
    path = tmp_path / "million.csv"
    with path.open("w") as out:
        out.write("kind,start_date,end_date,name\n")
        out.writelines("closed,2025-10-27,2025-10-31,Half term\n" for _ in range(1_000_000))
    assert path.stat().st_size > MAX_BYTES
    with path.open("rb") as stream:
        with pytest.raises(TermDatesError) as raised:
            read_csv(stream)
        assert stream.tell() < path.stat().st_size / 2
    assert "more than" in str(raised.value)
    endless = EndlessCsv()
    with pytest.raises(TermDatesError):
        read_csv(endless)  # type: ignore[arg-type]
    assert endless.served < MAX_BYTES * 2


def test_more_than_ten_thousand_rows_is_refused_even_when_small():
    lines = ["kind,start_date,end_date,name"] + ["closed,2025-10-27,2025-10-27,"] * (MAX_ROWS + 1)
    stream = csv_bytes(*lines)
    assert len(stream.getvalue()) < MAX_BYTES
    assert "more than 10,000 rows" in errors_of(stream)[0]


def test_formula_text_is_stored_as_text_and_escaped_when_exported():
    rows = read_fixture("formula-injection.csv")
    assert rows[1].name == "=cmd|' /C calc'!A0"
    assert rows[2].name == "@SUM(1+1)*cmd|' /C calc'!A0"
    exported = write_csv((r.kind, r.start, r.end, r.name) for r in rows)
    cells = [row[3] for row in csv.reader(io.StringIO(exported))]
    # defusedcsv: an apostrophe first, and a backslash before a pipe (LibreOffice's DDE).
    assert cells[2] == "'=cmd\\|' /C calc'!A0"
    assert cells[3] == "'@SUM(1+1)*cmd\\|' /C calc'!A0"
    # The export loads back to the same text: the escaping apostrophe is taken off again.
    again = read_csv(io.BytesIO(exported.encode()))
    assert [r.name for r in again] == [r.name for r in rows]


def test_a_summer_holiday_running_into_september_is_split_between_the_years():
    plan = plan_load(read_fixture("northam-term-dates.csv"), for_school=False)
    assert sorted(plan.years) == [2022, 2025, 2026]
    summer = [r for r in plan.years[2025] if r.name == "Summer holiday and INSET days"]
    autumn = [r for r in plan.years[2026] if r.name == "Summer holiday and INSET days"]
    assert (summer[0].start, summer[0].end) == (D(2026, 7, 23), D(2026, 8, 31))
    assert (autumn[0].start, autumn[0].end) == (D(2026, 9, 1), D(2026, 9, 2))


def test_closures_alone_are_refused_for_an_authority_but_added_for_a_school():
    rows = read_fixture("school-inset-days.csv")
    with pytest.raises(TermDatesError, match="must have term rows"):
        plan_load(rows, for_school=False)
    plan = plan_load(rows, for_school=True)
    assert plan.closures_only
    assert sorted(plan.years) == [2025]


def test_closures_in_a_year_without_terms_are_reported_not_silently_loaded():
    rows = read_csv(
        csv_bytes(
            "kind,start_date,end_date,name",
            "term,2025-09-01,2025-12-19,Autumn",
            "closed,2026-07-23,2026-09-02,Summer holiday",
        )
    )
    plan = plan_load(rows, for_school=False)
    assert sorted(plan.years) == [2025]
    assert plan.notes[0].startswith("2 closed day(s) in 2026/27 were not loaded")


def test_an_icalendar_file_gives_the_year_as_a_term_and_all_day_events_as_closures():
    with (FIXTURES / "school-closures.ics").open("rb") as stream:
        result = read_ics(stream, year_start=D(2025, 9, 1), year_end=D(2026, 7, 22))
    got = [(r.kind.value, r.start, r.end, r.name) for r in result.rows]
    assert got == [
        ("term", D(2025, 9, 1), D(2026, 7, 22), "Term"),
        ("closed", D(2025, 9, 1), D(2025, 9, 2), "INSET days"),
        ("closed", D(2025, 10, 27), D(2025, 10, 31), "October half-term"),
        ("closed", D(2025, 12, 20), D(2026, 1, 4), "Christmas holiday"),
        ("closed", D(2026, 2, 16), D(2026, 2, 20), "February half-term"),
        ("closed", D(2026, 3, 28), D(2026, 4, 12), "Easter holiday"),
        ("closed", D(2026, 5, 25), D(2026, 5, 29), "May half-term"),
    ]
    notes = " ".join(result.notes)
    assert "Autumn term starts" in notes and "marks the start or end of a term" in notes
    assert "Parents' evening" in notes and "time of day" in notes
    assert "October half-term 2026" in notes and "outside" in notes


def test_a_broken_or_repeating_icalendar_file_loads_nothing():
    with pytest.raises(TermDatesError, match="not a valid iCalendar"):
        read_ics(
            io.BytesIO(b"this is not a calendar"), year_start=D(2025, 9, 1), year_end=D(2026, 7, 22)
        )
    repeating = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\n"
        b"DTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20251027\r\nRRULE:FREQ=YEARLY\r\n"
        b"SUMMARY:Half term\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(TermDatesError, match="repeats"):
        read_ics(io.BytesIO(repeating), year_start=D(2025, 9, 1), year_end=D(2026, 7, 22))
    with pytest.raises(TermDatesError, match="same academic year"):
        read_ics(io.BytesIO(b""), year_start=D(2025, 9, 1), year_end=D(2026, 9, 22))
