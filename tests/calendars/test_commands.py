"""The management commands: load_term_dates, load_rule_preset, pep_deadline, check_term_dates."""

import io

import pytest
from django.core.management import CommandError, call_command

from pep_portal.calendars.models import CalendarPeriod, PepRuleSet, TermCalendar
from pep_portal.calendars.term_dates import MAX_BYTES
from tests.factories import SchoolFactory

from .helpers import FIXTURES


def run(*args: object, **options: object) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_load_term_dates_loads_an_authority_file_and_says_what_it_did(personas):
    output = run("load_term_dates", "--authority", "northam", FIXTURES / "northam-term-dates.csv")
    assert "Northam Council: term dates replaced for 2022/23, 2025/26, 2026/27" in output
    assert TermCalendar.objects.filter(authority=personas.authority).count() == 3


def test_load_term_dates_reports_every_bad_line_and_loads_nothing(personas):
    with pytest.raises(CommandError) as raised:
        run("load_term_dates", "--authority", "northam", FIXTURES / "bad-rows.csv")
    message = str(raised.value)
    assert message.startswith("bad-rows.csv: nothing was loaded.")
    for line in (3, 4, 5, 6, 7, 8):
        assert f"Line {line}:" in message
    assert not CalendarPeriod.objects.exists()


def test_load_term_dates_adds_a_schools_closures(personas):
    school = SchoolFactory(urn=801001, name="Riverside Academy", la_code="801")
    run("load_term_dates", "--authority", "northam", FIXTURES / "northam-term-dates.csv")
    output = run("load_term_dates", "--school", str(school.urn), FIXTURES / "school-inset-days.csv")
    assert "closures added to its authority's term dates for 2025/26" in output


def test_load_term_dates_reads_an_icalendar_file_with_the_academic_year(personas):
    school = SchoolFactory(urn=801001, name="Riverside Academy", la_code="801")
    ics = FIXTURES / "school-closures.ics"
    with pytest.raises(CommandError, match="needs --year-start and --year-end"):
        run("load_term_dates", "--school", "801001", ics)
    output = run(
        "load_term_dates",
        "--school",
        "801001",
        ics,
        "--year-start",
        "2025-09-01",
        "--year-end",
        "2026-07-22",
    )
    assert "ignored: it marks the start or end of a term" in output
    calendar = TermCalendar.objects.get(school=school, academic_year=2025)
    assert calendar.periods.filter(kind="term").count() == 1
    assert calendar.periods.filter(kind="closed").count() == 6


def test_load_term_dates_refuses_a_huge_file_before_reading_it(personas, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as out:
        out.truncate(MAX_BYTES + 1)  # sparse: as large as it claims, without being written
    with pytest.raises(CommandError, match=f"larger than {MAX_BYTES // (1024 * 1024)} MB"):
        run("load_term_dates", "--authority", "northam", path)


def test_load_term_dates_names_an_unknown_authority_or_school(db, tmp_path):
    with pytest.raises(CommandError, match="No authority with the slug “nowhere”"):
        run("load_term_dates", "--authority", "nowhere", FIXTURES / "bad-rows.csv")
    with pytest.raises(CommandError, match="No school with the URN 1"):
        run("load_term_dates", "--school", "1", FIXTURES / "bad-rows.csv")


def test_load_rule_preset_creates_resets_and_then_changes_nothing(db):
    assert "Created Medway Council" in run("load_rule_preset", "medway")
    assert "already has the medway PEP rules" in run("load_rule_preset", "medway")
    output = run("load_rule_preset", "walsall")
    assert "Set Walsall Virtual School's real e-mail address" in output
    assert PepRuleSet.objects.get(authority__slug="walsall").formal_meetings_per_year == 2
    assert "now has the walsall PEP rules" in run(
        "load_rule_preset", "walsall", "--authority", "medway"
    )


def test_pep_deadline_prints_the_iso_date_first_then_the_rule_and_calendar(personas):
    run("load_term_dates", "--authority", "northam", FIXTURES / "northam-term-dates.csv")
    run("load_rule_preset", "medway", "--authority", "northam")
    lines = run(
        "pep_deadline", "--authority", "northam", "--entered-care", "2025-12-15", "--emergency"
    ).splitlines()
    assert lines == [
        "2026-01-13",
        "Rule: Northam Council: initial PEP within 10 school days of becoming looked after "
        "(an emergency placement)",
        "Counted from: 2025-12-15 (day 0)",
        "Calendar: Northam Council — 2025/26: Northam Council's term dates",
    ]
    planned = run("pep_deadline", "--authority", "northam", "--entered-care", "2025-12-15")
    assert planned.splitlines()[0] == "2026-01-27"


def test_pep_deadline_uses_the_schools_calendar_when_given_one(personas):
    school = SchoolFactory(urn=801001, name="Riverside Academy", la_code="801")
    run("load_term_dates", "--authority", "northam", FIXTURES / "northam-term-dates.csv")
    run("load_term_dates", "--school", "801001", FIXTURES / "school-own-term-dates.csv")
    run("load_rule_preset", "medway", "--authority", "northam")
    lines = run(
        "pep_deadline",
        "--authority",
        "northam",
        "--entered-care",
        "2025-10-17",
        "--emergency",
        "--school",
        str(school.urn),
    ).splitlines()
    # Riverside is off 20-31 October: days 1-10 are 3-14 November.
    assert lines[0] == "2025-11-14"
    assert lines[-1] == (
        "Calendar: Riverside Academy (URN 801001) — 2025/26: Riverside Academy's own term dates"
    )


def test_pep_deadline_stops_with_a_clear_error_where_no_calendar_is_loaded(personas):
    run("load_rule_preset", "medway", "--authority", "northam")
    with pytest.raises(CommandError, match="No term dates are loaded for 2025/26 for Northam"):
        run("pep_deadline", "--authority", "northam", "--entered-care", "2025-12-15")
    with pytest.raises(CommandError, match="not a date"):
        run("pep_deadline", "--authority", "northam", "--entered-care", "15/12/2025")


def test_check_term_dates_lists_authorities_missing_a_year(personas):
    output = run("check_term_dates")
    assert "northam: no term dates for" in output
