"""Properties of the counting that must hold for every start date, count and calendar."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from pep_portal.calendars.deadlines import (
    Period,
    SchoolCalendar,
    YearCalendar,
    add_school_days,
    add_working_days,
    is_school_day,
    is_working_day,
    school_days_between,
    working_days_between,
)
from pep_portal.calendars.demo import demo_term_dates

from .helpers import calendar_from_rows

# Kept clear of the first and last years loaded, so counting back or on stays inside them.
FIRST, LAST = dt.date(2021, 3, 1), dt.date(2029, 6, 30)
BASE = calendar_from_rows(
    [row for year in range(2020, 2031) for row in demo_term_dates(year)], name="Property School"
)

starts = st.dates(min_value=FIRST, max_value=LAST)
counts = st.integers(min_value=1, max_value=60)
# Extra closures a school might add: up to six ranges of up to ten days.
closures = st.lists(st.tuples(starts, st.integers(min_value=0, max_value=9)), max_size=6)


def with_closures(extra: list[tuple[dt.date, int]]) -> SchoolCalendar:
    years = {}
    for year, calendar in BASE.years.items():
        added = tuple(
            Period(start, start + dt.timedelta(days=length), "Extra closure")
            for start, length in extra
        )
        years[year] = YearCalendar(year, calendar.terms, calendar.closures + added, "test")
    return SchoolCalendar(name="Property School", years=years)


def last_school_day_on_or_before(calendar: SchoolCalendar, day: dt.date) -> dt.date:
    while not is_school_day(calendar, day):
        day -= dt.timedelta(days=1)
    return day


@settings(max_examples=150, deadline=None)
@given(start=starts, n=counts, extra=closures)
def test_adding_n_school_days_then_counting_back_gives_n(start, n, extra):
    calendar = with_closures(extra)
    due = add_school_days(calendar, start, n)
    assert school_days_between(calendar, start, due) == n
    assert school_days_between(calendar, due, start) == -n
    assert add_school_days(calendar, due, -n) == last_school_day_on_or_before(calendar, start)


@settings(max_examples=150, deadline=None)
@given(start=starts, n=counts, extra=closures)
def test_a_school_day_deadline_never_lands_on_a_day_that_does_not_count(start, n, extra):
    calendar = with_closures(extra)
    due = add_school_days(calendar, start, n)
    assert is_school_day(calendar, due)
    assert due.weekday() < 5
    assert is_school_day(calendar, add_school_days(calendar, start, -n))


@settings(max_examples=150, deadline=None)
@given(first=starts, gap=st.integers(min_value=0, max_value=120), n=counts, extra=closures)
def test_a_later_start_never_gives_an_earlier_deadline(first, gap, n, extra):
    calendar = with_closures(extra)
    later = first + dt.timedelta(days=gap)
    assert add_school_days(calendar, first, n) <= add_school_days(calendar, later, n)
    assert add_working_days(first, n) <= add_working_days(later, n)


@settings(max_examples=150, deadline=None)
@given(start=starts, n=counts)
def test_working_days_round_trip_and_land_on_working_days(start, n):
    due = add_working_days(start, n)
    assert is_working_day(due)
    assert working_days_between(start, due) == n
