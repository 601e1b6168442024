"""Properties of the counting that must hold for every start date, count and extra closures,
checked against an oracle that knows nothing of the deadline engine.

The oracle lists the school days itself, from the term dates, closures and England's bank
holidays written out below (by hand, from the schools' published dates and the government's
bank-holiday list), so a mistake in `is_school_day`, in the bank-holiday package or in the
counting loop shows up as a disagreement rather than cancelling itself out.
"""

import bisect
import datetime as dt
from functools import cache

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

D = dt.date
# Three academic years of a Kent primary school's six terms (the published dates of Wouldham
# for 2024/25, Halfway Houses for 2025/26 and 2026/27), by academic year.
TERMS = {
    2024: [(D(2024, 9, 2), D(2024, 10, 18)), (D(2024, 11, 4), D(2024, 12, 20)),
           (D(2025, 1, 6), D(2025, 2, 14)), (D(2025, 2, 24), D(2025, 4, 4)),
           (D(2025, 4, 22), D(2025, 5, 23)), (D(2025, 6, 2), D(2025, 7, 22))],
    2025: [(D(2025, 9, 1), D(2025, 10, 17)), (D(2025, 11, 3), D(2025, 12, 19)),
           (D(2026, 1, 5), D(2026, 2, 13)), (D(2026, 2, 23), D(2026, 4, 2)),
           (D(2026, 4, 20), D(2026, 5, 22)), (D(2026, 6, 1), D(2026, 7, 22))],
    2026: [(D(2026, 9, 1), D(2026, 10, 16)), (D(2026, 11, 2), D(2026, 12, 18)),
           (D(2027, 1, 4), D(2027, 2, 12)), (D(2027, 2, 22), D(2027, 3, 25)),
           (D(2027, 4, 12), D(2027, 5, 28)), (D(2027, 6, 7), D(2027, 7, 22))],
}  # fmt: skip
INSET = {2024: [], 2025: [D(2025, 9, 1), D(2025, 9, 2)], 2026: [D(2026, 9, 1)]}
BANK_HOLIDAYS = {
    D(2024, 1, 1), D(2024, 3, 29), D(2024, 4, 1), D(2024, 5, 6), D(2024, 5, 27),
    D(2024, 8, 26), D(2024, 12, 25), D(2024, 12, 26),
    D(2025, 1, 1), D(2025, 4, 18), D(2025, 4, 21), D(2025, 5, 5), D(2025, 5, 26),
    D(2025, 8, 25), D(2025, 12, 25), D(2025, 12, 26),
    D(2026, 1, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25),
    D(2026, 8, 31), D(2026, 12, 25), D(2026, 12, 28),  # Boxing Day is a Saturday
    D(2027, 1, 1), D(2027, 3, 26), D(2027, 3, 29), D(2027, 5, 3), D(2027, 5, 31),
    D(2027, 8, 30), D(2027, 12, 27), D(2027, 12, 28),  # Christmas on a weekend
    D(2028, 1, 3), D(2028, 4, 14), D(2028, 4, 17), D(2028, 5, 1), D(2028, 5, 29),
    D(2028, 8, 28), D(2028, 12, 25), D(2028, 12, 26),
}  # fmt: skip

# Kept well inside the years written out, so counting 40 days on or back, past the extra
# closures, never needs a year that is not there.
FIRST, LAST = D(2025, 1, 1), D(2027, 1, 31)
starts = st.dates(min_value=FIRST, max_value=LAST)
counts = st.integers(min_value=1, max_value=30)
# Extra closures a school might add: up to four ranges of up to five days.
Closures = list[tuple[dt.date, int]]
closures = st.lists(st.tuples(starts, st.integers(min_value=0, max_value=4)), max_size=4)


def extra_days(extra: Closures) -> set[dt.date]:
    return {start + dt.timedelta(days=n) for start, length in extra for n in range(length + 1)}


def calendar_with(extra: Closures) -> SchoolCalendar:
    """The calendar the engine counts against, built from the same dates."""
    added = tuple(Period(s, s + dt.timedelta(days=n), "Extra closure") for s, n in extra)
    years = {
        year: YearCalendar(
            year,
            tuple(Period(start, end, "Term") for start, end in TERMS[year]),
            tuple(Period(day, day, "INSET day") for day in INSET[year]) + added,
            "hand-written",
        )
        for year in TERMS
    }
    return SchoolCalendar(name="Property School", years=years)


@cache
def _oracle_days(extra: tuple[tuple[dt.date, int], ...]) -> list[dt.date]:
    """Every school day of the three years, in order: a weekday inside a term that is not an
    INSET day, a bank holiday or an extra closure. (Half-terms are the gaps between terms.)"""
    closed = extra_days(list(extra)) | {d for days in INSET.values() for d in days}
    days = []
    for ranges in TERMS.values():
        for start, end in ranges:
            for n in range((end - start).days + 1):
                day = start + dt.timedelta(days=n)
                if day.weekday() < 5 and day not in BANK_HOLIDAYS and day not in closed:
                    days.append(day)
    return days


def oracle_school_days(extra: Closures) -> list[dt.date]:
    return _oracle_days(tuple(extra))


def oracle_add(days: list[dt.date], start: dt.date, n: int) -> dt.date:
    """The nth listed day after `start` (n > 0), or the |n|th before (n < 0)."""
    if n > 0:
        return days[bisect.bisect_right(days, start) + n - 1]
    return days[bisect.bisect_left(days, start) + n]


def oracle_between(days: list[dt.date], start: dt.date, end: dt.date) -> int:
    """Listed days after `start` up to and including `end`; negative when `end` is earlier."""
    if end < start:
        return -oracle_between(days, end, start)
    return bisect.bisect_right(days, end) - bisect.bisect_right(days, start)


def oracle_working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    span = range((end - start).days + 1)
    days = (start + dt.timedelta(days=n) for n in span)
    return [d for d in days if d.weekday() < 5 and d not in BANK_HOLIDAYS]


WORKING_DAYS = oracle_working_days(D(2024, 1, 1), D(2028, 12, 31))


def test_the_oracle_counts_the_published_school_days():
    # Halfway Houses publishes 190 pupil days for 2026/27: 33 + 35 + 30 + 24 + 34 + 34, the
    # INSET day and the May Day bank holiday already left out.
    in_year = [d for d in oracle_school_days([]) if D(2026, 9, 1) <= d <= D(2027, 7, 31)]
    assert len(in_year) == 190


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=D(2024, 9, 1), max_value=D(2027, 7, 31)), extra=closures)
def test_a_day_is_a_school_day_exactly_when_the_oracle_lists_it(day, extra):
    assert is_school_day(calendar_with(extra), day) == (day in oracle_school_days(extra))


@settings(max_examples=200, deadline=None)
@given(start=starts, n=counts, extra=closures)
def test_adding_n_school_days_lands_on_the_oracles_nth_school_day(start, n, extra):
    calendar, days = calendar_with(extra), oracle_school_days(extra)
    assert add_school_days(calendar, start, n) == oracle_add(days, start, n)
    assert add_school_days(calendar, start, -n) == oracle_add(days, start, -n)


@settings(max_examples=200, deadline=None)
@given(first=starts, last=starts, extra=closures)
def test_school_days_between_two_dates_agrees_with_the_oracle(first, last, extra):
    calendar, days = calendar_with(extra), oracle_school_days(extra)
    assert school_days_between(calendar, first, last) == oracle_between(days, first, last)


@settings(max_examples=150, deadline=None)
@given(start=starts, n=counts, extra=closures)
def test_adding_n_school_days_then_counting_back_gives_n(start, n, extra):
    calendar, days = calendar_with(extra), oracle_school_days(extra)
    due = add_school_days(calendar, start, n)
    assert school_days_between(calendar, start, due) == n
    assert school_days_between(calendar, due, start) == -n
    # Counting back lands on the last school day on or before the start.
    assert add_school_days(calendar, due, -n) == days[bisect.bisect_right(days, start) - 1]


@settings(max_examples=150, deadline=None)
@given(first=starts, gap=st.integers(min_value=0, max_value=120), n=counts, extra=closures)
def test_a_later_start_never_gives_an_earlier_deadline(first, gap, n, extra):
    calendar = calendar_with(extra)
    later = first + dt.timedelta(days=gap)
    assert add_school_days(calendar, first, n) <= add_school_days(calendar, later, n)
    assert add_working_days(first, n) <= add_working_days(later, n)


@settings(max_examples=200, deadline=None)
@given(start=starts, n=counts)
def test_working_days_agree_with_the_oracle(start, n):
    due = add_working_days(start, n)
    assert due == oracle_add(WORKING_DAYS, start, n)
    assert add_working_days(start, -n) == oracle_add(WORKING_DAYS, start, -n)
    assert working_days_between(start, due) == n
    assert is_working_day(due) and is_working_day(start) == (start in WORKING_DAYS)
