"""Fictional term dates for the demo authority, shaped like an English council's: three terms,
half-terms, Christmas and Easter holidays, five INSET days. Not any real council's dates."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from pep_portal.accounts.models import LocalAuthority

from .choices import PeriodKind
from .deadlines import academic_year_label, academic_year_of, bank_holidays_between
from .models import TermCalendar
from .services import term_dates_load
from .term_dates import Row

DEMO_SOURCE = "Fictional demo term dates"


def _weekday_on_or_after(day: dt.date, weekday: int = 0) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def _next_weekday(day: dt.date) -> dt.date:
    return day if day.weekday() < 5 else _weekday_on_or_after(day, 0)


def _week(monday: dt.date) -> tuple[dt.date, dt.date]:
    return monday, monday + dt.timedelta(days=4)


def _good_friday(year: int) -> dt.date:
    found = bank_holidays_between(dt.date(year, 3, 1), dt.date(year, 4, 30))
    return next(day for day, name in found.items() if name == "Good Friday")


def demo_term_dates(academic_year: int) -> list[Row]:
    """One academic year of plausible term dates (Monday-to-Friday weeks throughout)."""
    y, n = academic_year, academic_year + 1
    label = academic_year_label(academic_year)
    autumn_start = _next_weekday(dt.date(y, 9, 1))
    autumn_end = _weekday_on_or_before(dt.date(y, 12, 20), 4)
    spring_start = _weekday_on_or_after(dt.date(n, 1, 3))
    good_friday = _good_friday(n)
    easter_from, easter_to = good_friday - dt.timedelta(days=4), good_friday + dt.timedelta(days=7)
    spring_end = easter_from - dt.timedelta(days=3)
    summer_start = easter_to + dt.timedelta(days=3)
    july_22 = dt.date(n, 7, 22)
    summer_end = july_22 if july_22.weekday() < 5 else _weekday_on_or_before(july_22, 4)
    october = _week(_weekday_on_or_before(dt.date(y, 10, 31), 0))
    february = _week(_weekday_on_or_after(dt.date(n, 2, 15)))
    may = _week(_weekday_on_or_before(dt.date(n, 5, 31), 0))

    def row(kind: PeriodKind, start: dt.date, end: dt.date, name: str) -> Row:
        return Row(kind, start, end, name, f"demo {label}")

    def inset(day: dt.date) -> Row:
        return row(PeriodKind.CLOSED, day, day, "INSET day")

    return [
        row(PeriodKind.TERM, autumn_start, autumn_end, "Autumn term"),
        inset(autumn_start),
        inset(_next_weekday(autumn_start + dt.timedelta(days=1))),
        row(PeriodKind.CLOSED, *october, "October half-term"),
        row(
            PeriodKind.CLOSED,
            autumn_end + dt.timedelta(days=1),
            spring_start - dt.timedelta(days=1),
            "Christmas holiday",
        ),
        row(PeriodKind.TERM, spring_start, spring_end, "Spring term"),
        inset(spring_start),
        row(PeriodKind.CLOSED, *february, "February half-term"),
        row(
            PeriodKind.CLOSED,
            spring_end + dt.timedelta(days=1),
            summer_start - dt.timedelta(days=1),
            "Easter holiday",
        ),
        row(PeriodKind.TERM, summer_start, summer_end, "Summer term"),
        inset(summer_start),
        row(PeriodKind.CLOSED, *may, "May half-term"),
        inset(summer_end),
    ]


@transaction.atomic
def seed_demo_calendars(authority: LocalAuthority, *, today: dt.date | None = None) -> int:
    """Load demo term dates for the current and next academic year where the authority has
    none; returns how many years were loaded (0 when run again)."""
    today = today or timezone.localdate()
    loaded = 0
    for year in (academic_year_of(today), academic_year_of(today) + 1):
        if TermCalendar.objects.filter(authority=authority, academic_year=year).exists():
            continue
        term_dates_load(
            actor=None, rows=demo_term_dates(year), source=DEMO_SOURCE, authority=authority
        )
        loaded += 1
    return loaded
