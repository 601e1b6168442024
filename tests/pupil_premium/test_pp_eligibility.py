"""Who may have Pupil Premium Plus: every year group from N1 to Year 13, early years with and
without a funded place, and post-16 with the pointer to the bursary. Expected outcomes are
written out by hand from the DfE's conditions of grant; dates of birth are worked out by hand
for 15 January 2027 (the 2026/27 school year: a child's year group is fixed by their age on
31 August 2026, 4 being Reception)."""

import dataclasses
import datetime as dt

import pytest

from pupil_premium.eligibility import BURSARY_POINTER, pp_eligibility
from pupil_premium.models import PpKind
from tests.calendars.helpers import preset_rules

ON = dt.date(2027, 1, 15)
PP, EY, NONE = PpKind.PP_PLUS, PpKind.EARLY_YEARS, None

# (year group, date of birth, in funded early education / at a school, expected kind)
TABLE = [
    # N1: 2 on 31 August 2026. Born 1 December 2023, the child is 3 on 15 January 2027.
    ("N1, aged 3, funded place", dt.date(2023, 12, 1), True, EY),
    ("N1, aged 3, no place", dt.date(2023, 12, 1), False, NONE),
    # Born 1 February 2024: still 2 on 15 January 2027.
    ("N1, aged 2, funded place", dt.date(2024, 2, 1), True, NONE),
    # N2: 3 on 31 August 2026; 4 by 15 January 2027.
    ("N2, aged 4, funded place", dt.date(2022, 12, 1), True, EY),
    ("N2, aged 3, funded place", dt.date(2023, 8, 1), True, EY),
    ("N2, no place", dt.date(2022, 12, 1), False, NONE),
    ("Reception", dt.date(2021, 12, 1), True, PP),
    ("Year 1", dt.date(2020, 12, 1), True, PP),
    ("Year 2", dt.date(2019, 12, 1), True, PP),
    ("Year 3", dt.date(2018, 12, 1), True, PP),
    ("Year 4", dt.date(2017, 12, 1), True, PP),
    ("Year 5", dt.date(2016, 12, 1), True, PP),
    ("Year 6", dt.date(2015, 12, 1), True, PP),
    ("Year 7", dt.date(2014, 12, 1), True, PP),
    ("Year 8", dt.date(2013, 12, 1), True, PP),
    ("Year 9", dt.date(2012, 12, 1), True, PP),
    ("Year 10", dt.date(2011, 12, 1), True, PP),
    ("Year 11", dt.date(2010, 12, 1), True, PP),
    # A school-age child out of school still has PP+ (the virtual school holds it).
    ("Year 11, no school place", dt.date(2010, 12, 1), False, PP),
    ("Year 12", dt.date(2009, 12, 1), True, NONE),
    ("Year 12, not in education", dt.date(2009, 12, 1), False, NONE),
    ("Year 13", dt.date(2008, 12, 1), True, NONE),
]


@pytest.mark.parametrize(("who", "born", "placed", "kind"), TABLE, ids=[t[0] for t in TABLE])
@pytest.mark.parametrize("authority", ["medway", "walsall"])
def test_eligibility_by_year_group_and_setting(authority, who, born, placed, kind):
    result = pp_eligibility(
        preset_rules(authority), date_of_birth=born, on=ON, in_early_education=placed
    )
    assert result.kind == kind
    assert result.eligible is (kind is not None)
    assert (result.reason == "") is (kind is not None)


def test_post_16_is_refused_with_a_pointer_to_the_16_to_19_bursary():
    result = pp_eligibility(
        preset_rules("medway"), date_of_birth=dt.date(2009, 12, 1), on=ON, in_early_education=True
    )
    assert result.reason == (
        "Pupil Premium Plus is for children up to Year 11; this child is in Year 12. "
        + BURSARY_POINTER
    )
    assert "16 to 19 bursary" in result.reason


def test_early_years_reasons_say_what_is_missing():
    rules = preset_rules("medway")
    too_young = pp_eligibility(
        rules, date_of_birth=dt.date(2024, 2, 1), on=ON, in_early_education=True
    )
    assert too_young.reason == (
        "The Early Years Pupil Premium is for children aged 3 to 4 in funded early "
        "education; this child is 2"
    )
    no_place = pp_eligibility(
        rules, date_of_birth=dt.date(2022, 12, 1), on=ON, in_early_education=False
    )
    assert "record the child's funded early education place first" in no_place.reason


def test_the_ranges_are_the_rule_sets_data():
    # An authority that (hypothetically) funded Year 12 from its own budget says so in data.
    wider = dataclasses.replace(preset_rules("medway"), pp_plus_last_year_group=12)
    result = pp_eligibility(
        wider, date_of_birth=dt.date(2009, 12, 1), on=ON, in_early_education=True
    )
    assert result.kind == PP
