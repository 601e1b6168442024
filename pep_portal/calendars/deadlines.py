"""The deadline engine: the one module that counts school days and working days.

The screens, the Celery jobs, the PDFs and the management commands all ask these functions, so
a deadline is computed once, the same way, everywhere. They are pure: they take a calendar
(`SchoolCalendar`, built from the database by `selectors.calendar_for_*`), a rule set
(`PepRules`, built by `selectors.rules_for_authority`) and dates, and never query anything.

Counting convention (also in the README):

* The day something happens (the child became looked after, the meeting, the change of
  school) is **day 0**.
* "Within N school days" means **on or before the Nth school day after day 0**. Day 1 is the
  first school day after day 0, so when day 0 is not a school day (a weekend, a holiday, an
  INSET day) counting starts at the next school day, which is day 1.
* "N school days before" a meeting is the Nth school day before the meeting day.
* Working days count the same way, over weekdays that are not bank holidays in England.
* A **school day** is a weekday inside a term that is not a closure and not a bank holiday.
  A **working day** is a weekday that is not a bank holiday. Bank holidays come from the
  `holidays` package only (one-off days such as the 2022 state funeral and the 2023
  coronation included); it also lists the Saturday or Sunday of a holiday beside the
  "(observed)" weekday, so only weekdays are kept.

Where a count would run into an academic year with no calendar loaded, `CalendarMissing` says
whose calendar and which year, instead of guessing.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from .choices import DayUnit

ONE_DAY = dt.timedelta(days=1)
# Far beyond any PEP rule: a guard against a runaway count, never reached by a real deadline.
MAX_COUNT = 400


# --- academic and financial years -------------------------------------------------------------


def academic_year_of(day: dt.date) -> int:
    """The calendar year in which the academic year containing `day` began (1 September)."""
    return day.year if day.month >= 9 else day.year - 1


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def academic_year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def academic_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """1 September to 31 August, both inclusive."""
    return dt.date(year, 9, 1), dt.date(year + 1, 8, 31)


@dataclass(frozen=True)
class FinancialYear:
    """A UK public-sector financial year: 1 April to 31 March."""

    start_year: int

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, 4, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"


def financial_year_of(day: dt.date) -> FinancialYear:
    return FinancialYear(day.year if day.month >= 4 else day.year - 1)


# --- bank holidays and working days -----------------------------------------------------------


@lru_cache(maxsize=256)
def _bank_holidays_in(year: int) -> dict[dt.date, str]:
    # Imported here, once per year asked (cached): the package is ~5 MB and most processes
    # never count working days.
    import holidays

    listed = holidays.UnitedKingdom(subdiv="ENG", years=year)
    # The package lists a Saturday or Sunday holiday beside its "(observed)" weekday; only the
    # weekday changes anything, and counting the weekend entry too would be a double count.
    return {day: name for day, name in listed.items() if day.weekday() < 5}


def bank_holiday_name(day: dt.date) -> str | None:
    return _bank_holidays_in(day.year).get(day)


def is_bank_holiday(day: dt.date) -> bool:
    return day in _bank_holidays_in(day.year)


def bank_holidays_between(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """Weekday bank holidays in England from `start` to `end` inclusive."""
    found: dict[dt.date, str] = {}
    for year in range(start.year, end.year + 1):
        found.update({d: n for d, n in _bank_holidays_in(year).items() if start <= d <= end})
    return dict(sorted(found.items()))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def _step(start: dt.date, n: int, counts: Callable[[dt.date], bool]) -> dt.date:
    """The |n|th day after (n > 0) or before (n < 0) `start` for which `counts` is true."""
    if abs(n) > MAX_COUNT:
        raise ValueError(f"Refusing to count {n} days: no PEP rule is that long.")
    direction = ONE_DAY if n > 0 else -ONE_DAY
    day, found = start, 0
    while found < abs(n):
        day += direction
        if counts(day):
            found += 1
    return day


def _between(start: dt.date, end: dt.date, counts: Callable[[dt.date], bool]) -> int:
    if end < start:
        return -_between(end, start, counts)
    total, day = 0, start
    while day < end:
        day += ONE_DAY
        total += counts(day)
    return total


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The nth working day after `start` (day 0); n < 0 counts back; n = 0 is `start`."""
    return _step(start, n, is_working_day)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`: the inverse of add_working_days."""
    return _between(start, end, is_working_day)


# --- term calendars ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    name: str = ""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


@dataclass(frozen=True)
class YearCalendar:
    """One academic year of one school's days: its terms, its closures, and where they came
    from (shown to staff so a date can be checked by hand)."""

    academic_year: int
    terms: tuple[Period, ...]
    closures: tuple[Period, ...] = ()
    source: str = ""
    _days: frozenset[dt.date] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        first, last = academic_year_bounds(self.academic_year)
        days = set()
        for term in self.terms:
            day = max(term.start, first)
            while day <= min(term.end, last):
                if day.weekday() < 5 and not is_bank_holiday(day):
                    days.add(day)
                day += ONE_DAY
        for closure in self.closures:
            day = closure.start
            while day <= closure.end:
                days.discard(day)
                day += ONE_DAY
        object.__setattr__(self, "_days", frozenset(days))

    @property
    def school_days(self) -> frozenset[dt.date]:
        return self._days

    def closure_on(self, day: dt.date) -> Period | None:
        return next((c for c in self.closures if day in c), None)

    def term_on(self, day: dt.date) -> Period | None:
        return next((t for t in self.terms if day in t), None)


class CalendarMissing(Exception):
    """No term dates are loaded for an academic year a count needs."""

    def __init__(self, *, academic_year: int, searched: Iterable[str], needed_for: dt.date):
        self.academic_year = academic_year
        self.searched = tuple(searched)
        self.needed_for = needed_for
        whose = " or ".join(self.searched) or "this calendar"
        super().__init__(
            f"No term dates are loaded for {academic_year_label(academic_year)} for {whose}, "
            f"so school days around {long_date(needed_for)} cannot be counted. Load that year's "
            "term dates (load_term_dates, or Calendars in the portal) before relying on this "
            "deadline."
        )


@dataclass(frozen=True)
class SchoolCalendar:
    """The school days of a child, a school or an authority over the academic years loaded.

    `years` maps each academic year (its starting calendar year) to its `YearCalendar`;
    `searched` names whose term dates were looked for, in order, for `CalendarMissing`.
    """

    name: str
    years: Mapping[int, YearCalendar]
    searched: tuple[str, ...] = ()

    def year(self, academic_year: int, *, needed_for: dt.date | None = None) -> YearCalendar:
        try:
            return self.years[academic_year]
        except KeyError:
            raise CalendarMissing(
                academic_year=academic_year,
                searched=self.searched or (self.name,),
                needed_for=needed_for or academic_year_bounds(academic_year)[0],
            ) from None

    def sources(self, start: dt.date, end: dt.date) -> list[str]:
        """Where the term dates between two dates came from, one line per academic year."""
        first, last = sorted((start, end))
        lines = []
        for year in range(academic_year_of(first), academic_year_of(last) + 1):
            loaded = self.years.get(year)
            lines.append(
                f"{academic_year_label(year)}: {loaded.source if loaded else 'not loaded'}"
            )
        return lines


def is_school_day(calendar: SchoolCalendar, day: dt.date) -> bool:
    """Raises CalendarMissing when no term dates are loaded for the day's academic year."""
    return day in calendar.year(academic_year_of(day), needed_for=day).school_days


def add_school_days(calendar: SchoolCalendar, start: dt.date, n: int) -> dt.date:
    """The nth school day after `start` (day 0; see the module's counting convention).

    n < 0 gives the |n|th school day before `start`; n = 0 gives `start` itself.
    """
    return _step(start, n, lambda day: is_school_day(calendar, day))


def school_days_between(calendar: SchoolCalendar, start: dt.date, end: dt.date) -> int:
    """School days after `start` up to and including `end` (negative when `end` is earlier):
    the inverse of add_school_days, so add_school_days(c, s, n) is always n school days on."""
    return _between(start, end, lambda day: is_school_day(calendar, day))


def add_days(unit: DayUnit | str, start: dt.date, n: int, calendar: SchoolCalendar) -> dt.date:
    if unit == DayUnit.SCHOOL:
        return add_school_days(calendar, start, n)
    if unit == DayUnit.WORKING:
        return add_working_days(start, n)
    return start + dt.timedelta(days=n)


class DayStatus:
    SCHOOL_DAY = "school_day"
    WEEKEND = "weekend"
    BANK_HOLIDAY = "bank_holiday"
    CLOSED = "closed"
    NOT_TERM = "not_term"
    NOT_LOADED = "not_loaded"


def day_status(calendar: SchoolCalendar, day: dt.date) -> tuple[str, str]:
    """What a day is and why, for the month view: (DayStatus, a few words for staff)."""
    year = calendar.years.get(academic_year_of(day))
    if day.weekday() >= 5:
        return DayStatus.WEEKEND, "Weekend"
    if holiday := bank_holiday_name(day):
        return DayStatus.BANK_HOLIDAY, holiday
    if year is None:
        return DayStatus.NOT_LOADED, "No term dates loaded"
    if day in year.school_days:
        return DayStatus.SCHOOL_DAY, "School day"
    if closure := year.closure_on(day):
        return DayStatus.CLOSED, closure.name or "Closed"
    return DayStatus.NOT_TERM, "Not in term"


# --- the authority's rules --------------------------------------------------------------------


@dataclass(frozen=True)
class DayCount:
    days: int
    unit: DayUnit

    def __str__(self) -> str:
        label = DayUnit(self.unit).label
        return f"{self.days} {label[:-1] if self.days == 1 else label}"


@dataclass(frozen=True)
class ReviewWindow:
    """A term in which one PEP review takes place, by month (Autumn: September to December).

    `code` is a choices.TermCode and never changes; `name` is the authority's name for it."""

    code: str
    name: str
    first_month: int
    last_month: int

    def bounds(self, academic_year: int) -> tuple[dt.date, dt.date]:
        def year_of(month: int) -> int:
            return academic_year if month >= 9 else academic_year + 1

        last_year = year_of(self.last_month)
        last_day = _calendar.monthrange(last_year, self.last_month)[1]
        return (
            dt.date(year_of(self.first_month), self.first_month, 1),
            dt.date(last_year, self.last_month, last_day),
        )


# The statutory review terms (a review each term), used by the presets and wherever an
# authority has no rules yet.
STATUTORY_REVIEW_WINDOWS = (
    ReviewWindow("autumn", "Autumn", 9, 12),
    ReviewWindow("spring", "Spring", 1, 3),
    ReviewWindow("summer", "Summer", 4, 7),
)


@dataclass(frozen=True)
class PepRules:
    """An authority's PEP rule set, as data (see models.PepRuleSet for what each means)."""

    authority: str
    initial_pep: DayCount
    initial_pep_emergency: DayCount
    review_windows: tuple[ReviewWindow, ...]
    formal_meetings_per_year: int
    internal_review_needs_expected_progress: bool
    teacher_sections_before_meeting: DayCount
    social_worker_upload_after_meeting: DayCount
    pp_plus_last_accepted_month: int
    pp_plus_last_accepted_day: int
    school_change_pep: DayCount | None = None
    early_years_first_pep: DayCount | None = None
    early_years_age: int = 3
    no_school_place_meeting_hours: int | None = None
    teacher_records_meetings: bool = False
    preset: str = ""
    # The contributions (choices.Contribution) complete before "Ready for meeting"; each is
    # due by the meeting's cut-off (teacher_sections_before_meeting before the meeting).
    before_meeting: frozenset[str] = frozenset({"teacher_sections"})
    # When people are told: reminders this many calendar days before a deadline, escalation
    # this many after it; the termly PEPs set up this many days before a review term opens;
    # designated teachers told this many days before the PP+ cut-off.
    reminder_lead_days: int = 3
    escalate_after_days: int = 5
    set_up_days_before_term: int = 14
    pp_plus_reminder_days: int = 14
    # Who may have Pupil Premium Plus (year groups) or the Early Years Pupil Premium (ages), and
    # who decides requests ("virtual_school" or "school"): see models.PepRuleSet.
    pp_plus_first_year_group: int = 0
    pp_plus_last_year_group: int = 11
    early_years_pp_first_age: int = 3
    early_years_pp_last_age: int = 4
    pp_plus_decided_by: str = "virtual_school"
    # After a change of school, the previous school's designated teacher and their delegates
    # may read the PEPs it contributed to for this count (then the nightly job ends it).
    previous_school_access: DayCount = DayCount(20, DayUnit.SCHOOL)
    # Education outcomes (outcomes/attendance.py): attendance under these percentages is
    # persistent and severe absence; no setting for more than this many days is flagged.
    persistent_absence_below: Decimal = Decimal("90.00")
    severe_absence_below: Decimal = Decimal("50.00")
    missing_education_alert_days: int = 20
    # The youngest age on the roll, with PEPs (children.school_year.pep_template_for).
    youngest_age: int = 2


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    counted_from: dt.date
    rule: str
    calendar: tuple[str, ...]
    # The count the rule asks for ("5 school days"), where the deadline is one.
    count: DayCount | None = None

    def explain(self) -> list[str]:
        return [f"Rule: {self.rule}", f"Counted from: {self.counted_from.isoformat()} (day 0)"] + [
            f"Calendar: {line}" for line in self.calendar
        ]


WORKING_DAYS_SOURCE = "working days (Monday to Friday except bank holidays in England)"
CALENDAR_DAYS_SOURCE = "calendar days (every day counts)"


def _deadline(
    *, count: DayCount, start: dt.date, rule: str, calendar: SchoolCalendar, before: bool = False
) -> Deadline:
    due = add_days(count.unit, start, -count.days if before else count.days, calendar)
    if count.unit == DayUnit.SCHOOL:
        used = tuple(f"{calendar.name} — {line}" for line in calendar.sources(start, due))
    elif count.unit == DayUnit.WORKING:
        used = (WORKING_DAYS_SOURCE,)
    else:
        used = (CALENDAR_DAYS_SOURCE,)
    return Deadline(due=due, counted_from=start, rule=rule, calendar=used, count=count)


def initial_pep_due(
    rules: PepRules, calendar: SchoolCalendar, *, entered_care: dt.date, emergency: bool
) -> Deadline:
    """When the first PEP is due for a child who became looked after on `entered_care`."""
    count = rules.initial_pep_emergency if emergency else rules.initial_pep
    placement = "an emergency placement" if emergency else "a planned placement"
    return _deadline(
        count=count,
        start=entered_care,
        calendar=calendar,
        rule=f"{rules.authority}: initial PEP within {count} of becoming looked after "
        f"({placement})",
    )


# The Care Planning, Placement and Case Review (England) Regulations 2010, reg. 33: the first
# review of a child's care plan is within 20 working days of their becoming looked after; the
# initial PEP is part of the care plan and should be ready for it.
FIRST_CARE_REVIEW_WORKING_DAYS = 20


def first_care_review_due(*, entered_care: dt.date) -> Deadline:
    """The first statutory review of the care plan: 20 working days after entry to care."""
    return _deadline(
        count=DayCount(FIRST_CARE_REVIEW_WORKING_DAYS, DayUnit.WORKING),
        start=entered_care,
        # Working days need no term dates.
        calendar=SchoolCalendar("working days", {}),
        rule=f"first care plan review within {FIRST_CARE_REVIEW_WORKING_DAYS} working days of "
        "becoming looked after",
    )


def initial_pep_after_first_review(
    *, entered_care: dt.date, initial_pep_due_on: dt.date | None
) -> dt.date | None:
    """The first care review's date when the initial PEP is due after it (the PEP would not be
    ready for the review: staff are warned), else None."""
    if initial_pep_due_on is None:
        return None
    review = first_care_review_due(entered_care=entered_care).due
    return review if initial_pep_due_on > review else None


def initial_pep_review_terms(
    windows: Iterable[ReviewWindow], *, starts_on: dt.date, due_on: dt.date | None
) -> list[ReviewTerm]:
    """THE rule for an initial PEP and the termly PEPs (one home; docs/architecture.md): an
    initial PEP *is* the PEP of every review term it overlaps, from the day the child entered
    care (`starts_on`) to its due date (or only the day of entry, without a due date). The
    termly set-up and the school-change rule make no second PEP for those terms, a termly PEP
    set up by hand for one is refused (peps.services.pep_set_up), and coming back into care
    closes a still-open one (peps.services.pep_set_up_initial); they ask
    peps.selectors.initial_pep_terms, or this."""
    last = max(due_on or starts_on, starts_on)
    windows = tuple(windows)
    terms = []
    for year in range(academic_year_of(starts_on), academic_year_of(last) + 1):
        for window in windows:
            term = _review_term(window, year)
            if term.start <= last and term.end >= starts_on:
                terms.append(term)
    return terms


def previous_school_access_ends(
    rules: PepRules | None, calendar: SchoolCalendar, *, moved_on: dt.date
) -> Deadline:
    """The last day the previous school's designated teacher (and the staff they delegated to)
    may read the PEPs it contributed to, after a change of school on `moved_on` (day 0): the
    rule set's count, in its unit, school days on `calendar` (the previous school's); the
    portal's default without a rule set. Raises CalendarMissing when school days are wanted
    and the term dates are not loaded."""
    count = rules.previous_school_access if rules else PepRules.previous_school_access
    who = rules.authority if rules else "The portal's default"
    return _deadline(
        count=count,
        start=moved_on,
        calendar=calendar,
        rule=f"{who}: the previous school may read the PEPs it contributed to for {count} "
        "after a change of school",
    )


def school_change_pep_due(
    rules: PepRules, calendar: SchoolCalendar, *, changed_on: dt.date
) -> Deadline | None:
    """A new PEP after a change of school, where the authority's rules ask for one."""
    if rules.school_change_pep is None:
        return None
    count = rules.school_change_pep
    return _deadline(
        count=count,
        start=changed_on,
        calendar=calendar,
        rule=f"{rules.authority}: new PEP within {count} of a change of school",
    )


def birthday(date_of_birth: dt.date, age: int) -> dt.date:
    """The day a child turns `age`; a 29 February birthday falls on 1 March in other years,
    as children.school_year.age_on has it."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        return dt.date(date_of_birth.year + age, 3, 1)


def next_review_window_start(rules: PepRules, after: dt.date) -> tuple[ReviewWindow, dt.date]:
    """The first review window (term) that starts strictly after `after`: the term following
    a birthday on that day (a birthday on 1 January waits for the summer term)."""
    return _next_window_start(rules.review_windows, after)


def _next_window_start(
    windows: Sequence[ReviewWindow], after: dt.date
) -> tuple[ReviewWindow, dt.date]:
    starts = sorted(
        (
            (window.bounds(year)[0], window)
            for year in (academic_year_of(after), academic_year_of(after) + 1)
            for window in windows
        ),
        key=lambda pair: pair[0],
    )
    start, window = next((s, w) for s, w in starts if s > after)
    return window, start


def last_pep_turns_18_on(
    review_windows: Sequence[ReviewWindow] | None, *, eighteenth: dt.date, starts_on: dt.date
) -> dt.date | None:
    """The 18th birthday when a PEP that starts on `starts_on` is the young person's last: it
    falls before the next review term opens, so no termly PEP follows (PEPs end at 18). None
    otherwise. Without an authority's rules, the statutory terms."""
    if eighteenth <= starts_on:
        return None
    _, next_start = _next_window_start(review_windows or STATUTORY_REVIEW_WINDOWS, starts_on)
    return eighteenth if eighteenth <= next_start else None


def term_start_in(calendar: SchoolCalendar, window_start: dt.date, window_end: dt.date) -> dt.date:
    """The first school day of the term that begins in a review window: the start of the first
    term that begins inside the window, else the first school day on or after the window's
    start (a term already running), moved on past any INSET days at its start."""
    year = calendar.year(academic_year_of(window_start), needed_for=window_start)
    begins = sorted(t.start for t in year.terms if window_start <= t.start <= window_end)
    start = begins[0] if begins else window_start
    return start if is_school_day(calendar, start) else add_school_days(calendar, start, 1)


def early_years_first_term(rules: PepRules, *, date_of_birth: dt.date) -> ReviewTerm | None:
    """The review term of a young child's first PEP, where the rules have an early-years rule:
    the term following their third (or the rule's) birthday. Before it they need no PEP, even
    when their school year would say nursery; from it they are on the EYFS template."""
    if rules.early_years_first_pep is None or not rules.review_windows:
        return None
    window, start = next_review_window_start(rules, birthday(date_of_birth, rules.early_years_age))
    return _review_term(window, academic_year_of(start))


def early_years_first_pep_due(
    rules: PepRules, calendar: SchoolCalendar, *, date_of_birth: dt.date
) -> Deadline | None:
    """The first early-years PEP, N days after the start of the term following the child's
    third (or the rule's) birthday; day 0 is that term's first school day."""
    term = early_years_first_term(rules, date_of_birth=date_of_birth)
    if term is None or rules.early_years_first_pep is None:
        return None
    start = term_start_in(calendar, term.start, term.end)
    count = rules.early_years_first_pep
    return _deadline(
        count=count,
        start=start,
        calendar=calendar,
        rule=f"{rules.authority}: first early-years PEP {count} after the start of the "
        f"{term.name} term following the child's {_ordinal(rules.early_years_age)} birthday "
        f"({long_date(birthday(date_of_birth, rules.early_years_age))})",
    )


def teacher_sections_due(
    rules: PepRules, calendar: SchoolCalendar, *, meeting: dt.date
) -> Deadline:
    count = rules.teacher_sections_before_meeting
    return _deadline(
        count=count,
        start=meeting,
        calendar=calendar,
        before=True,
        rule=f"{rules.authority}: designated teacher's sections {count} before the meeting",
    )


def social_worker_upload_due(
    rules: PepRules, calendar: SchoolCalendar, *, meeting: dt.date
) -> Deadline:
    count = rules.social_worker_upload_after_meeting
    return _deadline(
        count=count,
        start=meeting,
        calendar=calendar,
        rule=f"{rules.authority}: PEP completed and uploaded within {count} of the meeting",
    )


def resubmission_due(
    rules: PepRules, calendar: SchoolCalendar, *, returned_on: dt.date
) -> Deadline:
    """A PEP returned by quality assurance is due back as a submission is after a meeting:
    the same count (Medway: 3 working days), from the day it was returned (day 0). The seeds
    set no separate timescale, so the portal uses the submission rule."""
    count = rules.social_worker_upload_after_meeting
    return _deadline(
        count=count,
        start=returned_on,
        calendar=calendar,
        rule=f"{rules.authority}: a returned PEP resubmitted within {count} of its return "
        "(the submission rule)",
    )


def meeting_record_due(meeting_day: dt.date) -> dt.date:
    """An arranged meeting is recorded by the day after it: from then, nobody having recorded
    it is chased (and never before the meeting)."""
    return meeting_day + ONE_DAY


def no_school_place_meeting_due(rules: PepRules, *, since: dt.datetime) -> dt.datetime | None:
    """When a child has no school place, some authorities want a meeting with the virtual
    school within hours (Medway: 24)."""
    if rules.no_school_place_meeting_hours is None:
        return None
    return since + dt.timedelta(hours=rules.no_school_place_meeting_hours)


def pp_plus_request_deadline(rules: PepRules, day: dt.date) -> dt.date:
    """The last date on which a Pupil Premium Plus request is accepted in the financial year
    containing `day` (Medway: 22 March, its "before 23 March"; the statutory limit: 31 March)."""
    year = financial_year_of(day)
    month = rules.pp_plus_last_accepted_month
    return dt.date(
        year.start_year + (1 if month <= 3 else 0), month, rules.pp_plus_last_accepted_day
    )


def pp_plus_request_accepted(rules: PepRules, day: dt.date) -> bool:
    """Whether a request made on `day` is still accepted for its financial year: on the last
    date accepted it is; on the day after, it is not."""
    return day <= pp_plus_request_deadline(rules, day)


def pp_plus_reminder_due(rules: PepRules, today: dt.date) -> dt.date | None:
    """The PP+ cut-off, when `today` is within the rule set's reminder period before it (the
    designated teachers are told then); else None."""
    cutoff = pp_plus_request_deadline(rules, today)
    opens = cutoff - dt.timedelta(days=rules.pp_plus_reminder_days)
    return cutoff if opens <= today <= cutoff else None


@dataclass(frozen=True)
class ReviewTerm:
    code: str
    name: str
    academic_year: int
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{self.name} {academic_year_label(self.academic_year)}"


def _review_term(window: ReviewWindow, academic_year: int) -> ReviewTerm:
    start, end = window.bounds(academic_year)
    return ReviewTerm(window.code, window.name, academic_year, start, end)


def pep_review_window(rules: PepRules, academic_year: int, code: str) -> ReviewTerm:
    """The dates of one review term, by its code: autumn 2025/26 = 1 September to
    31 December 2025. Raises KeyError when the rules have no such term."""
    for window in rules.review_windows:
        if window.code == code:
            return _review_term(window, academic_year)
    raise KeyError(f"{rules.authority} has no review term with the code {code!r}")


def review_pep_due(rules: PepRules, academic_year: int, code: str) -> Deadline:
    """A termly PEP's meeting is due by the last day of its review term."""
    term = pep_review_window(rules, academic_year, code)
    return Deadline(
        due=term.end,
        counted_from=term.start,
        rule=f"{rules.authority}: {term.name} review between {term.start:%-d %B} and "
        f"{term.end:%-d %B %Y}",
        calendar=(CALENDAR_DAYS_SOURCE,),
    )


def term_of(rules: PepRules, day: dt.date) -> ReviewTerm | None:
    """The review term a day falls in, or None outside every window (August, by default)."""
    year = academic_year_of(day)
    for window in rules.review_windows:
        term = _review_term(window, year)
        if term.start <= day <= term.end:
            return term
    return None


def following_review_term(rules: PepRules, day: dt.date) -> ReviewTerm | None:
    """The review term after the one `day` falls in (the next PEP meeting belongs there), or
    None when `day` is outside every term."""
    current = term_of(rules, day)
    if current is None:
        return None
    windows = list(rules.review_windows)
    index = next(i for i, w in enumerate(windows) if w.code == current.code)
    wraps = index + 1 >= len(windows)
    following = windows[(index + 1) % len(windows)]
    return _review_term(following, current.academic_year + (1 if wraps else 0))


def review_terms_to_set_up(rules: PepRules, today: dt.date) -> list[ReviewTerm]:
    """The review terms whose PEPs should exist by `today`: from the rule set's set-up lead
    before each term opens until the term ends."""
    lead = dt.timedelta(days=rules.set_up_days_before_term)
    due = []
    for window in rules.review_windows:
        for year in (today.year - 1, today.year):
            term = _review_term(window, year)
            if term.start - lead <= today <= term.end:
                due.append(term)
    return due


class ReminderStage:
    REMINDER = "reminder"
    DUE = "due"
    ESCALATED = "escalated"


def reminder_stage(
    rules: PepRules, *, today: dt.date, due: dt.date, remind: bool = True
) -> str | None:
    """Where a deadline stands on `today`: not yet worth a word (None), a reminder in the
    lead-up, due (from the day itself), or escalated once the escalation delay has passed.
    `remind=False`: no lead-up reminder (recording a meeting is chased only once it is late)."""
    lead = rules.reminder_lead_days if remind else 0
    if today < due - dt.timedelta(days=lead):
        return None
    if today < due:
        return ReminderStage.REMINDER
    if today < due + dt.timedelta(days=rules.escalate_after_days):
        return ReminderStage.DUE
    return ReminderStage.ESCALATED


def qa_review_due(*, submitted_on: dt.date, within_days: int) -> dt.date:
    """Quality assurance of a submitted PEP is due this many calendar days after submission."""
    return submitted_on + dt.timedelta(days=within_days)


class InternalReviewRefused:
    """Why a review may not be an internal one (see internal_review_refusal)."""

    EVERY_TERM_FORMAL = "every_term_formal"
    NEEDS_EXPECTED_PROGRESS = "needs_expected_progress"
    MUST_BE_FORMAL = "must_be_formal"


def internal_review_refusal(
    rules: PepRules,
    *,
    term_code: str,
    formal_meetings_this_year: int,
    expected_progress: bool | None,
) -> str | None:
    """Why the review of the term `term_code` may not be an internal one led by the designated
    teacher rather than a formal meeting, or None when it may (Walsall: two formal meetings a
    year; one review may be internal if the child is making expected progress).

    `formal_meetings_this_year` counts the formal meetings already held in the academic year;
    the terms after this one (by their order in the rules) could still hold the rest."""
    codes = [w.code for w in rules.review_windows]
    if rules.formal_meetings_per_year >= len(codes):
        return InternalReviewRefused.EVERY_TERM_FORMAL
    if rules.internal_review_needs_expected_progress and expected_progress is not True:
        return InternalReviewRefused.NEEDS_EXPECTED_PROGRESS
    index = codes.index(term_code) if term_code in codes else 0
    terms_left_after_this = len(codes) - index - 1
    if formal_meetings_this_year + terms_left_after_this < rules.formal_meetings_per_year:
        return InternalReviewRefused.MUST_BE_FORMAL
    return None


def internal_review_allowed(
    rules: PepRules,
    *,
    term_code: str,
    formal_meetings_this_year: int,
    expected_progress: bool | None,
) -> bool:
    return (
        internal_review_refusal(
            rules,
            term_code=term_code,
            formal_meetings_this_year=formal_meetings_this_year,
            expected_progress=expected_progress,
        )
        is None
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
