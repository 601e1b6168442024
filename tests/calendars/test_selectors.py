"""Which calendar a child's deadlines use, and saying so."""

import datetime as dt

import pytest
from django.core import mail

from children.models import Enrolment
from pep_portal.calendars.deadlines import CalendarMissing, initial_pep_due, is_school_day
from pep_portal.calendars.selectors import (
    RulesMissing,
    calendar_for_child,
    calendar_for_school,
    missing_years,
    rules_for_authority,
)
from pep_portal.calendars.services import calendar_gaps_notify, rule_set_load_preset
from tests.factories import ChildFactory, LocalAuthorityFactory, SchoolFactory

from .conftest import load_file

D = dt.date


def test_a_child_with_no_school_place_uses_their_own_authoritys_calendar(northam_loaded):
    child = ChildFactory(authority=northam_loaded.authority)
    calendar = calendar_for_child(child, on=D(2025, 10, 20))
    assert calendar.name == "Northam Council (no school place)"
    assert calendar.years[2025].source == "Northam Council's term dates"


def test_a_child_at_a_school_with_its_own_dates_uses_the_schools(northam_loaded, northam_school):
    load_file("school-own-term-dates.csv", school=northam_school)
    child = ChildFactory(authority=northam_loaded.authority)
    Enrolment.objects.create(child=child, school=northam_school, started_on=D(2025, 9, 3))
    calendar = calendar_for_child(child, on=D(2025, 10, 1))
    assert calendar.name == "Riverside Academy (URN 801001)"
    assert calendar.years[2025].source == "Riverside Academy's own term dates"


def test_a_child_placed_out_of_area_uses_the_other_authoritys_calendar_when_loaded(
    northam_loaded,
):
    southam = northam_loaded.other_authority
    load_file("school-own-term-dates.csv", authority=southam)
    school = SchoolFactory(name="Southam Primary", urn=802001, la_code=southam.la_code)
    child = ChildFactory(authority=northam_loaded.authority)
    Enrolment.objects.create(child=child, school=school, started_on=D(2025, 9, 3))
    calendar = calendar_for_child(child, on=D(2025, 10, 1))
    assert calendar.years[2025].source == (
        "Southam Council's term dates (the school's local authority)"
    )
    # Southam has no 2026/27: the child's own authority's is used, and the portal says so.
    assert calendar.years[2026].source == (
        "Northam Council's term dates (the child's authority: none loaded for Southam Primary "
        "or its authority)"
    )


def test_a_school_in_an_authority_not_on_the_portal_falls_back_to_the_childs_authority(
    northam_loaded,
):
    school = SchoolFactory(name="Far Away School", urn=930001, la_code="930")
    calendar = calendar_for_school(school, responsible=northam_loaded.authority)
    assert calendar.searched == ("Far Away School (URN 930001)", "Northam Council")
    assert "the child's authority" in calendar.years[2025].source
    assert is_school_day(calendar, D(2025, 11, 27))


def test_with_nothing_loaded_anywhere_the_error_names_the_school_and_authorities(personas):
    school = SchoolFactory(name="Far Away School", urn=930001, la_code="930")
    calendar = calendar_for_school(school, responsible=personas.authority)
    rule_set_load_preset(preset="medway", slug=personas.authority.slug)
    with pytest.raises(CalendarMissing) as raised:
        initial_pep_due(
            rules_for_authority(personas.authority),
            calendar,
            entered_care=D(2025, 10, 1),
            emergency=True,
        )
    assert str(raised.value).startswith(
        "No term dates are loaded for 2025/26 for Far Away School (URN 930001) or Northam Council"
    )


def test_an_authority_without_rules_gets_a_clear_error(personas):
    with pytest.raises(RulesMissing, match="Northam Council has no PEP rule set"):
        rules_for_authority(personas.authority)


def test_the_calendar_for_a_school_takes_a_fixed_number_of_queries(
    northam_loaded, northam_school, django_assert_num_queries
):
    load_file("school-inset-days.csv", school=northam_school)
    # The school's authority; its calendars with their periods.
    with django_assert_num_queries(3):
        calendar = calendar_for_school(northam_school, responsible=northam_loaded.other_authority)
    # What was fetched in those queries: Northam's terms with the school's own INSET days.
    assert sorted(calendar.years) == [2022, 2025, 2026]
    assert "with Riverside Academy's own closures" in calendar.years[2025].source


def test_missing_years_flags_this_and_next_academic_year(northam_loaded):
    authority = northam_loaded.authority
    assert missing_years(authority=authority, today=D(2025, 10, 1)) == []
    assert missing_years(authority=authority, today=D(2026, 10, 1)) == [2027]
    assert missing_years(authority=authority, today=D(2024, 1, 10)) == [2023, 2024]


def test_administrators_are_emailed_a_link_when_next_years_dates_are_missing(
    northam_loaded, vs_administrator
):
    LocalAuthorityFactory(name="Eastham Council", slug="eastham", la_code="803")
    gaps = calendar_gaps_notify(today=D(2026, 10, 1))
    assert gaps["northam"] == [2027]
    assert gaps["eastham"] == [2026, 2027]
    sent = [m for m in mail.outbox if "Northam" in m.body]
    assert len(sent) == 1
    assert sorted(sent[0].to) == sorted(
        [vs_administrator.email, northam_loaded.authority_administrator.email]
    )
    assert "2027/28" in sent[0].subject
    assert "https://pep-portal.test/calendars/" in sent[0].body
