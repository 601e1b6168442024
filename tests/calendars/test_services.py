"""Loading and editing term calendars, and setting PEP rules, through the services."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pep_portal.calendars.choices import DayUnit, PeriodKind
from pep_portal.calendars.deadlines import initial_pep_due, is_school_day, school_change_pep_due
from pep_portal.calendars.models import CalendarPeriod, PepRuleSet, TermCalendar
from pep_portal.calendars.presets import MEDWAY
from pep_portal.calendars.selectors import calendar_for_school, rules_for_authority
from pep_portal.calendars.services import (
    calendar_period_delete,
    calendar_period_save,
    rule_set_load_preset,
    rule_set_save,
    term_dates_load,
)
from pep_portal.calendars.term_dates import Row, TermDatesError

from .conftest import load_file

D = dt.date


def years_of(**owner: object) -> dict[int, tuple[int, int]]:
    return {
        c.academic_year: (
            c.periods.filter(kind=PeriodKind.TERM).count(),
            c.periods.filter(kind=PeriodKind.CLOSED).count(),
        )
        for c in TermCalendar.objects.filter(**owner)
    }


def test_an_authority_file_stores_each_academic_year_it_covers(personas):
    summary = load_file("northam-term-dates.csv", authority=personas.authority)
    assert summary.years == [2022, 2025, 2026]
    assert years_of(authority=personas.authority) == {2022: (3, 6), 2025: (3, 10), 2026: (3, 6)}
    assert TermCalendar.objects.get(authority=personas.authority, academic_year=2025).source == (
        "northam-term-dates.csv"
    )


def test_loading_again_replaces_only_the_years_the_new_file_covers(northam_loaded):
    authority = northam_loaded.authority
    rows = [Row(PeriodKind.TERM, D(2025, 9, 3), D(2025, 12, 19), "Autumn only", "Line 2")]
    term_dates_load(actor=None, rows=rows, source="fix.csv", authority=authority)
    assert years_of(authority=authority) == {2022: (3, 6), 2025: (1, 0), 2026: (3, 6)}


def test_a_school_file_of_closures_adds_them_to_its_authoritys_term_dates(
    northam_loaded, northam_school
):
    summary = load_file("school-inset-days.csv", school=northam_school)
    assert summary.closures_only
    calendar = calendar_for_school(northam_school)
    assert not is_school_day(calendar, D(2025, 10, 20))  # the school's own INSET day
    assert is_school_day(calendar, D(2025, 10, 21))  # the authority's term goes on
    assert calendar.years[2025].source == (
        "Northam Council's term dates (the school's local authority), with Riverside "
        "Academy's own closures"
    )
    assert calendar.years[2026].source == (
        "Northam Council's term dates (the school's local authority)"
    )


def test_a_school_file_with_terms_replaces_its_authoritys_dates_for_those_years(
    northam_loaded, northam_school
):
    load_file("school-own-term-dates.csv", school=northam_school)
    calendar = calendar_for_school(northam_school)
    assert calendar.years[2025].source == "Riverside Academy's own term dates"
    assert not is_school_day(calendar, D(2025, 9, 2))  # term starts 3 Sep at this school
    assert not is_school_day(calendar, D(2025, 10, 20))  # its two-week October break
    assert is_school_day(calendar, D(2025, 11, 28))  # the authority's INSET day is not its own
    assert calendar.years[2026].source.startswith("Northam Council's term dates")


def test_closures_alone_cannot_go_on_top_of_a_schools_own_term_dates(
    northam_loaded, northam_school
):
    load_file("school-own-term-dates.csv", school=northam_school)
    with pytest.raises(TermDatesError, match="has its own term dates for 2025/26"):
        load_file("school-inset-days.csv", school=northam_school)


def test_overlapping_terms_load_nothing_even_when_they_reach_the_service(personas):
    rows = [
        Row(PeriodKind.TERM, D(2025, 9, 1), D(2025, 12, 19), "Autumn", "Line 2"),
        Row(PeriodKind.TERM, D(2025, 12, 1), D(2026, 3, 27), "Spring", "Line 3"),
    ]
    with pytest.raises(TermDatesError, match="Line 3: this term overlaps"):
        term_dates_load(actor=None, rows=rows, source="x.csv", authority=personas.authority)
    assert not TermCalendar.objects.exists()


def test_only_calendar_managers_may_load_term_dates(personas, vs_administrator):
    rows = [Row(PeriodKind.TERM, D(2025, 9, 1), D(2025, 12, 19), "Autumn", "Line 2")]
    for user in (personas.social_worker, personas.other_authority_virtual_school_staff):
        with pytest.raises(PermissionDenied):
            term_dates_load(actor=user, rows=rows, source="x.csv", authority=personas.authority)
    term_dates_load(actor=vs_administrator, rows=rows, source="x.csv", authority=personas.authority)
    term_dates_load(
        actor=personas.authority_administrator,
        rows=rows,
        source="y.csv",
        authority=personas.authority,
    )


def test_a_vs_adviser_without_the_administrator_duty_may_not_edit(personas):
    with pytest.raises(PermissionDenied):
        calendar_period_save(
            actor=personas.virtual_school_staff,
            authority=personas.authority,
            academic_year=2025,
            kind=PeriodKind.CLOSED,
            start=D(2025, 11, 3),
            end=D(2025, 11, 3),
            name="INSET day",
        )


def test_adding_a_closure_in_the_portal_starts_the_year_and_records_who(personas, vs_administrator):
    period = calendar_period_save(
        actor=vs_administrator,
        authority=personas.authority,
        academic_year=2025,
        kind=PeriodKind.CLOSED,
        start=D(2025, 11, 3),
        end=D(2025, 11, 3),
        name="INSET day",
    )
    calendar = period.calendar
    assert calendar.source == "Entered in the portal"
    assert calendar.updated_by == vs_administrator
    assert period.history.first().history_user == vs_administrator


def test_portal_edits_refuse_overlapping_terms_and_dates_outside_the_year(
    northam_loaded, vs_administrator
):
    authority = northam_loaded.authority

    def save(**kwargs: object) -> CalendarPeriod:
        fields = {"kind": PeriodKind.TERM, "name": "Extra term", "academic_year": 2025}
        fields.update(kwargs)
        return calendar_period_save(actor=vs_administrator, authority=authority, **fields)

    with pytest.raises(ValidationError) as raised:
        save(start=D(2025, 12, 1), end=D(2026, 1, 10))
    assert "overlaps the term from 1 September 2025" in str(raised.value)
    with pytest.raises(ValidationError, match="must be in 2025/26"):
        save(start=D(2026, 8, 20), end=D(2026, 9, 4))
    with pytest.raises(ValidationError, match="same as or after"):
        save(kind=PeriodKind.CLOSED, start=D(2025, 11, 5), end=D(2025, 11, 4))
    # Changing a term to itself is not an overlap with itself.
    autumn = CalendarPeriod.objects.get(calendar__academic_year=2025, name="Autumn term")
    calendar_period_save(
        actor=vs_administrator,
        period=autumn,
        kind=PeriodKind.TERM,
        start=D(2025, 9, 1),
        end=D(2025, 12, 18),
        name="Autumn term",
    )
    autumn.refresh_from_db()
    assert autumn.end_date == D(2025, 12, 18)
    calendar_period_delete(actor=vs_administrator, period=autumn)
    assert not CalendarPeriod.objects.filter(pk=autumn.pk).exists()


def test_the_medway_preset_creates_medway_with_its_rules_and_says_where_each_came_from(db):
    result = rule_set_load_preset(preset="medway")
    assert result.authority_created
    assert (result.authority.slug, result.authority.la_code) == ("medway", "887")
    rules = rules_for_authority(result.authority)
    assert (rules.initial_pep.days, rules.initial_pep_emergency.days) == (20, 10)
    assert rules.initial_pep.unit == DayUnit.SCHOOL
    assert rules.no_school_place_meeting_hours == 24
    assert [w.name for w in rules.review_windows] == ["Autumn", "Spring", "Summer"]
    assert "silent" in result.rule_set.provenance["school_change_pep"]


def test_loading_a_preset_again_changes_nothing_not_even_history(db):
    rule_set_load_preset(preset="walsall")
    history = PepRuleSet.history.count()
    again = rule_set_load_preset(preset="walsall")
    assert not again.rules_changed and not again.authority_created
    assert PepRuleSet.history.count() == history


def test_a_preset_resets_an_existing_authoritys_hand_edited_rules(personas):
    rule_set_load_preset(preset="walsall", slug=personas.authority.slug)
    values = dict(MEDWAY.rules, initial_pep_days=15)
    rule_set_save(
        actor=personas.authority_administrator,
        authority=personas.authority,
        values=values,
        windows=MEDWAY.windows,
    )
    edited = PepRuleSet.objects.get(authority=personas.authority)
    assert edited.provenance["initial_pep"].startswith("Changed in the portal by Ada Admin")
    result = rule_set_load_preset(preset="medway", slug=personas.authority.slug)
    assert result.rules_changed and not result.authority_created
    assert result.rule_set.initial_pep_days == 20
    assert result.rule_set.provenance == MEDWAY.provenance


def test_rules_are_checked_before_they_are_saved(personas):
    def save(windows: list[tuple[str, str, int, int]], **changes: object) -> None:
        rule_set_save(
            actor=personas.authority_administrator,
            authority=personas.authority,
            values=dict(MEDWAY.rules, **changes),
            windows=windows,
        )

    with pytest.raises(ValidationError, match="more formal meetings than review terms"):
        save([("autumn", "Autumn", 9, 12), ("spring", "Spring", 1, 3)], formal_meetings_per_year=3)
    with pytest.raises(ValidationError, match="must not overlap"):
        save([("autumn", "Autumn", 9, 12), ("spring", "Winter", 12, 2), ("summer", "Summer", 4, 7)])
    with pytest.raises(ValidationError, match="one review term only"):
        save([("autumn", "Autumn", 9, 12), ("autumn", "Spring", 1, 3), ("summer", "Summer", 4, 7)])
    with pytest.raises(ValidationError, match="Say which termly PEP"):
        save([("autumn", "Autumn", 9, 12), ("", "Spring", 1, 3), ("summer", "Summer", 4, 7)])
    with pytest.raises(ValidationError, match="exists in that month"):
        save(MEDWAY.windows, pp_plus_last_accepted_month=2, pp_plus_last_accepted_day=30)
    with pytest.raises(PermissionDenied):
        rule_set_save(
            actor=personas.virtual_school_staff,
            authority=personas.authority,
            values=dict(MEDWAY.rules),
            windows=MEDWAY.windows,
        )


def test_another_authoritys_working_day_rules_are_only_data(northam_loaded):
    # 20 working days from entering care; a new PEP within 10 working days of a school move;
    # the first early-years PEP 20 school days into the term after the third birthday.
    authority = northam_loaded.authority
    rule_set_save(
        actor=None,
        authority=authority,
        values=dict(
            MEDWAY.rules,
            initial_pep_unit=DayUnit.WORKING,
            initial_pep_days=20,
            initial_pep_days_emergency=20,
            school_change_pep_days=10,
            school_change_pep_unit=DayUnit.WORKING,
            early_years_first_pep_days=20,
            early_years_first_pep_unit=DayUnit.SCHOOL,
        ),
        windows=MEDWAY.windows,
    )
    rules = rules_for_authority(authority)
    from pep_portal.calendars.selectors import calendar_for_authority

    calendar = calendar_for_authority(authority)
    assert initial_pep_due(rules, calendar, entered_care=D(2025, 12, 15), emergency=True).due == (
        D(2026, 1, 15)
    )
    assert school_change_pep_due(rules, calendar, changed_on=D(2026, 5, 22)).due == D(2026, 6, 8)
