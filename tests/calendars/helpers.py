"""Calendars and rule sets built without the database, for the pure deadline tests."""

from pathlib import Path

from pep_portal.calendars.choices import PeriodKind
from pep_portal.calendars.deadlines import (
    DayCount,
    PepRules,
    Period,
    ReviewWindow,
    SchoolCalendar,
    YearCalendar,
)
from pep_portal.calendars.presets import PRESETS
from pep_portal.calendars.term_dates import Row, plan_load, read_csv

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "calendars"


def calendar_from_rows(rows: list[Row], name: str = "Northam Council") -> SchoolCalendar:
    plan = plan_load(rows, for_school=False)
    years = {
        year: YearCalendar(
            year,
            tuple(Period(r.start, r.end, r.name) for r in year_rows if r.kind == PeriodKind.TERM),
            tuple(Period(r.start, r.end, r.name) for r in year_rows if r.kind == PeriodKind.CLOSED),
            f"{name}'s term dates",
        )
        for year, year_rows in plan.years.items()
    }
    return SchoolCalendar(name=name, years=years, searched=(name,))


def calendar_from_file(name: str = "northam-term-dates.csv") -> SchoolCalendar:
    with (FIXTURES / name).open("rb") as stream:
        return calendar_from_rows(read_csv(stream))


def preset_rules(slug: str) -> PepRules:
    preset = PRESETS[slug]
    r = preset.rules

    def optional(days: int | None, unit: str) -> DayCount | None:
        return None if days is None else DayCount(days, unit)

    return PepRules(
        authority=preset.authority["name"],
        initial_pep=DayCount(r["initial_pep_days"], r["initial_pep_unit"]),
        initial_pep_emergency=DayCount(r["initial_pep_days_emergency"], r["initial_pep_unit"]),
        review_windows=tuple(ReviewWindow(*w) for w in preset.windows),
        formal_meetings_per_year=r["formal_meetings_per_year"],
        internal_review_needs_expected_progress=r["internal_review_needs_expected_progress"],
        teacher_sections_before_meeting=DayCount(
            r["teacher_sections_days_before"], r["teacher_sections_unit"]
        ),
        social_worker_upload_after_meeting=DayCount(
            r["social_worker_upload_days_after"], r["social_worker_upload_unit"]
        ),
        pp_plus_last_accepted_month=r["pp_plus_last_accepted_month"],
        pp_plus_last_accepted_day=r["pp_plus_last_accepted_day"],
        school_change_pep=optional(r["school_change_pep_days"], r["school_change_pep_unit"]),
        early_years_first_pep=optional(
            r["early_years_first_pep_days"], r["early_years_first_pep_unit"]
        ),
        early_years_age=r["early_years_age"],
        no_school_place_meeting_hours=r["no_school_place_meeting_hours"],
        preset=slug,
    )
