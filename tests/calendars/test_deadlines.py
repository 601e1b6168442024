"""The deadline engine against Northam's real-shaped term dates (fixtures/calendars).

Counting convention: day 0 is the day the child became looked after; "within N school days"
is on or before the Nth school day after it; if day 0 is not a school day, the first school
day after it is day 1. Every expected date below was counted by hand, day by day, in the
comment beside it.
"""

import datetime as dt

import pytest

from pep_portal.calendars.deadlines import (
    CalendarMissing,
    add_school_days,
    add_working_days,
    initial_pep_due,
    is_bank_holiday,
    is_school_day,
    is_working_day,
    school_days_between,
    social_worker_upload_due,
    teacher_sections_due,
    working_days_between,
)

D = dt.date


def medway_due(medway, northam, entered: dt.date, *, emergency: bool) -> dt.date:
    return initial_pep_due(medway, northam, entered_care=entered, emergency=emergency).due


def test_counting_from_a_school_day_starts_the_next_school_day(northam):
    # Mon 13 Oct 2025 is day 0; Tue 14 is day 1.
    assert add_school_days(northam, D(2025, 10, 13), 1) == D(2025, 10, 14)
    assert add_school_days(northam, D(2025, 10, 13), 0) == D(2025, 10, 13)


def test_deadline_across_october_half_term_skips_the_whole_week(medway, northam):
    # Day 0 Mon 20 Oct; 21, 22, 23, 24 are days 1-4; half-term 27-31 Oct; 3-7 Nov are 5-9.
    assert medway_due(medway, northam, D(2025, 10, 20), emergency=True) == D(2025, 11, 10)


def test_deadline_across_christmas_and_the_january_inset_day(medway, northam):
    # Days 1-4: 16-19 Dec; holiday 22 Dec-2 Jan; Mon 5 Jan INSET; 6-9 Jan days 5-8; 12, 13.
    assert medway_due(medway, northam, D(2025, 12, 15), emergency=True) == D(2026, 1, 13)


def test_medway_planned_placement_gets_twenty_school_days_and_emergency_ten(medway, northam):
    entered = D(2025, 12, 15)
    assert medway_due(medway, northam, entered, emergency=True) == D(2026, 1, 13)
    # Days 11-20: 14, 15, 16, 19, 20, 21, 22, 23, 26, 27 January.
    assert medway_due(medway, northam, entered, emergency=False) == D(2026, 1, 27)


def test_deadline_across_the_easter_holiday(medway, northam):
    # Days 1-4: 24-27 Mar; Easter holiday 30 Mar-10 Apr (Good Friday, Easter Monday inside);
    # 13-17 Apr days 5-9; Mon 20 Apr day 10.
    assert medway_due(medway, northam, D(2026, 3, 23), emergency=True) == D(2026, 4, 20)


def test_counting_from_inside_a_holiday_starts_at_the_next_school_day(medway, northam):
    # Christmas Eve is in the holiday; Mon 5 Jan is INSET, so Tue 6 Jan is day 1, Mon 19 day 10.
    assert medway_due(medway, northam, D(2025, 12, 24), emergency=True) == D(2026, 1, 19)
    # A Saturday in half-term: Mon 3 Nov is day 1.
    assert add_school_days(northam, D(2025, 10, 25), 1) == D(2025, 11, 3)


def test_deadline_across_a_single_inset_day(medway, northam):
    # Days 1-3: 25-27 Nov; Fri 28 Nov INSET; Mon 1 Dec day 4 … Tue 9 Dec day 10.
    assert medway_due(medway, northam, D(2025, 11, 24), emergency=True) == D(2025, 12, 9)
    assert not is_school_day(northam, D(2025, 11, 28))


def test_deadline_across_may_day_bank_holiday_in_term(medway, northam):
    # Fri 1 May day 1; Mon 4 May bank holiday; 5-8 May days 2-5; 11-15 May days 6-10.
    assert medway_due(medway, northam, D(2026, 4, 30), emergency=True) == D(2026, 5, 15)


def test_late_may_bank_holiday_is_not_a_school_day_even_when_the_school_is_open_that_week():
    from pep_portal.calendars.deadlines import Period, SchoolCalendar, YearCalendar

    # A school whose summer term runs straight through May, half-term in June.
    year = YearCalendar(2025, (Period(D(2026, 4, 13), D(2026, 7, 22)),), ())
    calendar = SchoolCalendar(name="Open-in-May School", years={2025: year})
    assert not is_school_day(calendar, D(2026, 5, 25))
    # Day 0 Fri 22 May; Mon 25 May bank holiday; 26, 27, 28 are days 1-3.
    assert add_school_days(calendar, D(2026, 5, 22), 3) == D(2026, 5, 28)


def test_deadline_across_the_academic_year_boundary(medway, northam):
    # Days 1-7: 14-22 Jul (term ends Wed 22 Jul); summer holiday; Mon 31 Aug bank holiday;
    # Tue 1 and Wed 2 Sep INSET in 2026/27; Thu 3 Sep day 8, Fri 4 day 9, Mon 7 day 10.
    deadline = initial_pep_due(medway, northam, entered_care=D(2026, 7, 13), emergency=True)
    assert deadline.due == D(2026, 9, 7)
    assert deadline.calendar == (
        "Northam Council — 2025/26: Northam Council's term dates",
        "Northam Council — 2026/27: Northam Council's term dates",
    )


def test_31_august_and_1_september_belong_to_different_academic_years(northam):
    assert not is_school_day(northam, D(2026, 8, 31))  # bank holiday, summer holiday, 2025/26
    assert not is_school_day(northam, D(2026, 9, 1))  # INSET, 2026/27
    assert add_school_days(northam, D(2026, 8, 31), 1) == D(2026, 9, 3)
    assert school_days_between(northam, D(2026, 8, 31), D(2026, 9, 3)) == 1


def test_a_deadline_running_into_a_year_with_no_calendar_raises_naming_whose_and_which(
    medway, northam
):
    # Summer 2027 ends Wed 21 Jul; 2027/28 is not loaded.
    with pytest.raises(CalendarMissing) as raised:
        initial_pep_due(medway, northam, entered_care=D(2027, 7, 15), emergency=True)
    assert raised.value.academic_year == 2027
    assert "2027/28" in str(raised.value)
    assert "Northam Council" in str(raised.value)


def test_a_date_in_a_year_never_loaded_raises_rather_than_guessing(northam):
    with pytest.raises(CalendarMissing, match="2024/25"):
        is_school_day(northam, D(2024, 10, 1))


def test_one_off_bank_holidays_come_from_the_holidays_package(northam):
    assert is_bank_holiday(D(2022, 9, 19))  # state funeral of Queen Elizabeth II
    assert is_bank_holiday(D(2023, 5, 8))  # coronation of King Charles III
    assert not is_school_day(northam, D(2022, 9, 19))
    assert add_school_days(northam, D(2022, 9, 16), 1) == D(2022, 9, 20)
    assert add_school_days(northam, D(2023, 5, 5), 1) == D(2023, 5, 9)
    assert add_working_days(D(2023, 5, 5), 1) == D(2023, 5, 9)


def test_weekend_holidays_are_not_counted_twice_beside_their_observed_weekday():
    # Christmas 2027: Sat 25 and Sun 26 listed, observed Mon 27 and Tue 28.
    assert add_working_days(D(2027, 12, 24), 1) == D(2027, 12, 29)
    assert working_days_between(D(2027, 12, 24), D(2027, 12, 31)) == 3
    # Boxing Day 2026 is a Saturday, observed Monday 28 December.
    assert add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 29)
    assert not is_working_day(D(2026, 12, 28))


def test_walsall_initial_pep_is_ten_school_days_emergency_or_not(walsall, northam):
    # Mon 15 Dec is day 0. Tue 16 to Fri 19 Dec are days 1-4; the Christmas holiday and the
    # INSET day on Mon 5 Jan do not count; Tue 6 to Tue 13 Jan are days 5-10.
    for emergency in (True, False):
        deadline = initial_pep_due(
            walsall, northam, entered_care=D(2025, 12, 15), emergency=emergency
        )
        assert deadline.due == D(2026, 1, 13)
        assert "10 school days" in deadline.rule


def test_designated_teacher_sections_are_due_five_school_days_before_the_meeting(medway, northam):
    # Meeting Wed 5 Nov: Tue 4 (1), Mon 3 (2), half-term, Fri 24 (3), Thu 23 (4), Wed 22 Oct (5).
    assert teacher_sections_due(medway, northam, meeting=D(2025, 11, 5)).due == D(2025, 10, 22)


def test_upload_is_due_three_working_days_after_the_meeting_across_a_bank_holiday(medway, northam):
    # Meeting Fri 22 May 2026; Mon 25 May bank holiday; 26, 27, 28 May.
    assert social_worker_upload_due(medway, northam, meeting=D(2026, 5, 22)).due == D(2026, 5, 28)


def test_the_explanation_states_rule_day_zero_and_calendar(medway, northam):
    deadline = initial_pep_due(medway, northam, entered_care=D(2025, 10, 20), emergency=True)
    assert deadline.explain() == [
        "Rule: Medway Council: initial PEP within 10 school days of becoming looked after "
        "(an emergency placement)",
        "Counted from: 2025-10-20 (day 0)",
        "Calendar: Northam Council — 2025/26: Northam Council's term dates",
    ]


def test_school_days_between_counts_after_day_zero_up_to_and_including_the_end(northam):
    assert school_days_between(northam, D(2025, 10, 20), D(2025, 11, 10)) == 10
    assert school_days_between(northam, D(2025, 11, 10), D(2025, 10, 20)) == -10
    assert school_days_between(northam, D(2025, 10, 20), D(2025, 10, 20)) == 0
