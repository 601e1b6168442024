"""Reads: the calendar a deadline is counted against (and why that one), the rules of an
authority, and what the calendar screens show, always scoped to the user asking."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from children.models import Child, Enrolment, School
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import Action, scope_queryset, user_can
from pep_portal.request_memo import remembered

from . import deadlines
from .choices import Contribution, PeriodKind
from .deadlines import (
    DayCount,
    DayStatus,
    Deadline,
    PepRules,
    Period,
    ReviewWindow,
    SchoolCalendar,
    YearCalendar,
    academic_year_bounds,
    academic_year_of,
    day_status,
)
from .models import CalendarPeriod, PepRuleSet, TermCalendar


class RulesMissing(Exception):
    def __init__(self, authority: LocalAuthority):
        self.authority = authority
        super().__init__(
            f"{authority.name} has no PEP rule set. Load one (load_rule_preset) or set the "
            "rules on the Calendars page (PEP rules) before relying on its deadlines."
        )


# --- the calendar a deadline uses -------------------------------------------------------------


@dataclass(frozen=True)
class _Year:
    terms: tuple[Period, ...]
    closures: tuple[Period, ...]


def _years_by_owner(
    *, authority_ids: list[int], school_id: int | None
) -> tuple[dict[int, dict[int, _Year]], dict[int, _Year]]:
    """Every loaded year of these authorities and this school, in two queries."""
    owners = Q(authority_id__in=authority_ids)
    if school_id is not None:
        owners |= Q(school_id=school_id)
    calendars = TermCalendar.objects.filter(owners).prefetch_related("periods")
    by_authority: dict[int, dict[int, _Year]] = defaultdict(dict)
    by_school: dict[int, _Year] = {}
    for calendar in calendars:
        periods = list(calendar.periods.all())
        year = _Year(
            terms=tuple(
                Period(p.start_date, p.end_date, p.name)
                for p in periods
                if p.kind == PeriodKind.TERM
            ),
            closures=tuple(
                Period(p.start_date, p.end_date, p.name)
                for p in periods
                if p.kind == PeriodKind.CLOSED
            ),
        )
        if calendar.school_id is not None:
            by_school[calendar.academic_year] = year
        else:
            by_authority[calendar.authority_id][calendar.academic_year] = year
    return by_authority, by_school


def school_label(school: School) -> str:
    return school.label


def authority_of_school(school: School) -> LocalAuthority | None:
    """The authority the school is in, when that authority uses the portal."""
    return LocalAuthority.objects.filter(la_code=school.la_code).first()


def calendar_for_authority(authority: LocalAuthority) -> SchoolCalendar:
    by_authority, _ = _years_by_owner(authority_ids=[authority.pk], school_id=None)
    years = {
        year: YearCalendar(year, data.terms, data.closures, f"{authority.name}'s term dates")
        for year, data in by_authority[authority.pk].items()
        if data.terms
    }
    return SchoolCalendar(name=authority.name, years=years, searched=(authority.name,))


def calendar_for_school(
    school: School, *, responsible: LocalAuthority | None = None
) -> SchoolCalendar:
    """The days a pupil of `school` attends, year by year: the school's own term dates where
    it has them; else its authority's, with any closures of its own; else (the school's
    authority does not use the portal or has no dates loaded) the responsible authority's.
    Each year says which it used."""
    school_la = authority_of_school(school)
    fallbacks: list[tuple[LocalAuthority, str]] = []
    if school_la is not None:
        fallbacks.append((school_la, "the school's local authority"))
    if responsible is not None and responsible != school_la:
        fallbacks.append((responsible, "the child's authority"))
    by_authority, own = _years_by_owner(
        authority_ids=[la.pk for la, _ in fallbacks], school_id=school.pk
    )
    label = school_label(school)
    all_years = set(own) | {y for la, _ in fallbacks for y in by_authority[la.pk]}
    years: dict[int, YearCalendar] = {}
    for year in sorted(all_years):
        mine = own.get(year)
        if mine and mine.terms:
            years[year] = YearCalendar(
                year, mine.terms, mine.closures, f"{school.name}'s own term dates"
            )
            continue
        extra = mine.closures if mine else ()
        for la, why in fallbacks:
            theirs = by_authority[la.pk].get(year)
            if theirs and theirs.terms:
                source = f"{la.name}'s term dates ({why}"
                if why == "the child's authority":
                    source += f": none loaded for {school.name} or its authority"
                source += ")"
                if extra:
                    source += f", with {school.name}'s own closures"
                years[year] = YearCalendar(year, theirs.terms, theirs.closures + extra, source)
                break
    searched = (label, *(la.name for la, _ in fallbacks))
    return SchoolCalendar(name=label, years=years, searched=searched)


def school_for_child(child: Child, on: dt.date) -> School | None:
    """The school whose roll the child was on, on `on` (else their current school)."""
    enrolments = Enrolment.objects.filter(child=child).select_related("school")
    on_the_day = enrolments.filter(
        Q(started_on__lte=on), Q(ended_on__isnull=True) | Q(ended_on__gte=on)
    ).first()
    if on_the_day is not None:
        return on_the_day.school
    current = enrolments.filter(ended_on__isnull=True).first()
    return current.school if current else None


def calendar_for_child(child: Child, *, on: dt.date) -> SchoolCalendar:
    """The calendar a child's school-day deadlines are counted against: their school's, else
    (no school place) their own authority's."""
    school = school_for_child(child, on)
    if school is None:
        calendar = calendar_for_authority(child.authority)
        return SchoolCalendar(
            name=f"{child.authority.name} (no school place)",
            years=calendar.years,
            searched=calendar.searched,
        )
    return calendar_for_school(school, responsible=child.authority)


# --- the rules --------------------------------------------------------------------------------


def rules_for_authority(authority: LocalAuthority) -> PepRules:
    # Read once per page load (pep_portal/request_memo.py): a PEP page asked three times.
    return remembered(("pep_rules", authority.pk), lambda: _read_rules(authority))


def _read_rules(authority: LocalAuthority) -> PepRules:
    rule_set = PepRuleSet.objects.filter(authority=authority).first()
    if rule_set is None:
        raise RulesMissing(authority)
    return rules_from(rule_set, authority_name=authority.name)


def rules_from(rule_set: PepRuleSet, *, authority_name: str) -> PepRules:
    r = rule_set

    def optional(days: int | None, unit: str) -> DayCount | None:
        return None if days is None else DayCount(days, unit)

    return PepRules(
        authority=authority_name,
        initial_pep=DayCount(r.initial_pep_days, r.initial_pep_unit),
        initial_pep_emergency=DayCount(r.initial_pep_days_emergency, r.initial_pep_unit),
        review_windows=tuple(
            ReviewWindow(w.code, w.name, w.first_month, w.last_month) for w in r.windows.all()
        ),
        formal_meetings_per_year=r.formal_meetings_per_year,
        internal_review_needs_expected_progress=r.internal_review_needs_expected_progress,
        teacher_sections_before_meeting=DayCount(
            r.teacher_sections_days_before, r.teacher_sections_unit
        ),
        social_worker_upload_after_meeting=DayCount(
            r.social_worker_upload_days_after, r.social_worker_upload_unit
        ),
        pp_plus_last_accepted_month=r.pp_plus_last_accepted_month,
        pp_plus_last_accepted_day=r.pp_plus_last_accepted_day,
        school_change_pep=optional(r.school_change_pep_days, r.school_change_pep_unit),
        early_years_first_pep=optional(r.early_years_first_pep_days, r.early_years_first_pep_unit),
        early_years_age=r.early_years_age,
        no_school_place_meeting_hours=r.no_school_place_meeting_hours,
        teacher_records_meetings=r.teacher_records_meetings,
        preset=r.preset,
        before_meeting=frozenset(
            code
            for code, wanted in (
                (Contribution.TEACHER_SECTIONS, r.ready_needs_teacher_sections),
                (Contribution.CARE_INFORMATION, r.ready_needs_care_information),
                (Contribution.CHILD_VIEWS, r.ready_needs_child_views),
            )
            if wanted
        ),
        reminder_lead_days=r.reminder_lead_days,
        escalate_after_days=r.escalate_after_days,
        set_up_days_before_term=r.set_up_days_before_term,
        pp_plus_reminder_days=r.pp_plus_reminder_days,
        pp_plus_first_year_group=r.pp_plus_first_year_group,
        pp_plus_last_year_group=r.pp_plus_last_year_group,
        early_years_pp_first_age=r.early_years_pp_first_age,
        early_years_pp_last_age=r.early_years_pp_last_age,
        pp_plus_decided_by=r.pp_plus_decided_by,
        previous_school_access=DayCount(
            r.previous_school_access_days, r.previous_school_access_unit
        ),
        persistent_absence_below=r.persistent_absence_below,
        severe_absence_below=r.severe_absence_below,
        missing_education_alert_days=r.missing_education_alert_days,
        youngest_age=r.youngest_age,
    )


def rules_of_every_authority() -> dict[LocalAuthority, PepRules]:
    """Every authority's rules, in two queries, for the daily jobs."""
    rule_sets = PepRuleSet.objects.select_related("authority").prefetch_related("windows")
    return {r.authority: rules_from(r, authority_name=r.authority.name) for r in rule_sets}


# --- a child's deadlines: the rules and the calendar fetched once, then asked of the engine ---


@dataclass(frozen=True)
class ChildDeadlines:
    """A child's authority's rules and the calendar their school days are counted on, fetched
    once; each method asks the deadline engine. Built by `deadlines_for_child`, which raises
    RulesMissing; a method raises CalendarMissing when the count needs term dates not loaded."""

    rules: PepRules
    calendar: SchoolCalendar

    def teacher_sections(self, *, meeting: dt.date) -> Deadline:
        return deadlines.teacher_sections_due(self.rules, self.calendar, meeting=meeting)

    def submission(self, *, held_on: dt.date) -> Deadline:
        return deadlines.social_worker_upload_due(self.rules, self.calendar, meeting=held_on)

    def resubmission(self, *, returned_on: dt.date) -> Deadline:
        return deadlines.resubmission_due(self.rules, self.calendar, returned_on=returned_on)

    def initial_pep(self, *, entered_care: dt.date, emergency: bool) -> Deadline:
        return deadlines.initial_pep_due(
            self.rules, self.calendar, entered_care=entered_care, emergency=emergency
        )

    def early_years_first_pep(self, *, date_of_birth: dt.date) -> Deadline | None:
        return deadlines.early_years_first_pep_due(
            self.rules, self.calendar, date_of_birth=date_of_birth
        )

    def school_change_pep(self, *, changed_on: dt.date) -> Deadline | None:
        return deadlines.school_change_pep_due(self.rules, self.calendar, changed_on=changed_on)


def deadlines_for_child(
    child: Child, *, on: dt.date, rules: PepRules | None = None
) -> ChildDeadlines:
    """The rules of the child's authority (unless the caller has them already) and the
    calendar of the school they were at on `on` (see calendar_for_child). Raises RulesMissing
    when the authority has no rule set."""
    rules = rules if rules is not None else rules_for_authority(child.authority)
    return ChildDeadlines(rules, calendar_for_child(child, on=on))


# --- screens ----------------------------------------------------------------------------------


def authority_get_for_user(*, user: User, action: Action = Action.VIEW_CALENDAR) -> LocalAuthority:
    """The user's own authority, for the calendar screens: 403 for anyone who may not see its
    calendars (there is no id in the URL to probe)."""
    authority = (
        scope_queryset(user, Action.VIEW_CALENDAR, LocalAuthority.objects.all())
        .filter(pk=user.authority_id)
        .first()
    )
    if authority is None:
        raise PermissionDenied
    if action != Action.VIEW_CALENDAR and not user_can(user, action, authority):
        raise PermissionDenied
    user.reuse_authority(authority)
    return authority


def school_get_for_user(*, user: User, urn: int, action: Action = Action.VIEW_CALENDAR) -> School:
    """404 when the user may not see this school's calendar, 403 when they may see but not
    change it."""
    school = (
        scope_queryset(user, Action.VIEW_CALENDAR, School.objects.all()).filter(urn=urn).first()
    )
    if school is None:
        raise Http404("No such school.")
    if action != Action.VIEW_CALENDAR and not user_can(user, action, school):
        raise PermissionDenied
    return school


def period_get_for_user(*, user: User, pk: int, action: Action) -> CalendarPeriod:
    period = (
        CalendarPeriod.objects.select_related("calendar__authority", "calendar__school")
        .filter(pk=pk)
        .first()
    )
    if period is None:
        raise Http404("No such period.")
    owner = period.calendar.authority or period.calendar.school
    if not user_can(user, Action.VIEW_CALENDAR, owner):
        raise Http404("No such period.")
    if not user_can(user, action, owner):
        raise PermissionDenied
    return period


def _with_counts(calendars: QuerySet[TermCalendar]) -> QuerySet[TermCalendar]:
    return calendars.annotate(
        term_count=Count("periods", filter=Q(periods__kind=PeriodKind.TERM)),
        closed_count=Count("periods", filter=Q(periods__kind=PeriodKind.CLOSED)),
    ).select_related("updated_by")


def authority_calendars(*, authority: LocalAuthority) -> list[TermCalendar]:
    return list(_with_counts(TermCalendar.objects.filter(authority=authority)))


def school_calendars_visible_to(*, user: User) -> list[TermCalendar]:
    """Schools' own calendars and closures that the user may see, in one query."""
    schools = scope_queryset(user, Action.VIEW_CALENDAR, School.objects.all())
    return list(
        _with_counts(TermCalendar.objects.filter(school__in=schools))
        .select_related("school")
        .order_by("school__name", "academic_year")
    )


def calendar_year_periods(
    *, authority: LocalAuthority | None = None, school: School | None = None, academic_year: int
) -> tuple[TermCalendar | None, list[CalendarPeriod]]:
    owner = Q(authority=authority) if authority is not None else Q(school=school)
    calendar = TermCalendar.objects.filter(owner, academic_year=academic_year).first()
    if calendar is None:
        return None, []
    return calendar, list(calendar.periods.all())


def missing_years(*, authority: LocalAuthority, today: dt.date) -> list[int]:
    """This and next academic year, where the authority has no term dates loaded: deadlines
    in them cannot be counted, so its administrators are told."""
    wanted = [academic_year_of(today), academic_year_of(today) + 1]
    loaded = set(
        TermCalendar.objects.filter(
            authority=authority, academic_year__in=wanted, periods__kind=PeriodKind.TERM
        ).values_list("academic_year", flat=True)
    )
    return [year for year in wanted if year not in loaded]


def authorities_missing_years(*, today: dt.date) -> dict[LocalAuthority, list[int]]:
    wanted = [academic_year_of(today), academic_year_of(today) + 1]
    loaded = set(
        TermCalendar.objects.filter(
            authority__isnull=False, academic_year__in=wanted, periods__kind=PeriodKind.TERM
        ).values_list("authority_id", "academic_year")
    )
    gaps = {}
    for authority in LocalAuthority.objects.all():
        missing = [y for y in wanted if (authority.pk, y) not in loaded]
        if missing:
            gaps[authority] = missing
    return gaps


# --- the month view ---------------------------------------------------------------------------


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class DayCell:
    day: dt.date
    status: str
    label: str

    @property
    def counts(self) -> bool:
        return self.status == DayStatus.SCHOOL_DAY

    # The month view draws ~365 of these: plain strings here are cheaper than the template's
    # date filter twice a cell (issue 20).
    @property
    def iso(self) -> str:
        return self.day.isoformat()

    @property
    def weekday(self) -> str:
        return _WEEKDAYS[self.day.weekday()]


@dataclass(frozen=True)
class Month:
    first: dt.date
    weeks: list[list[DayCell | None]]

    @property
    def school_days(self) -> int:
        return sum(1 for week in self.weeks for cell in week if cell and cell.counts)


def month_view(calendar: SchoolCalendar, academic_year: int) -> list[Month]:
    """September to August, week by week (Monday first), each day with whether it counts."""
    first, _ = academic_year_bounds(academic_year)
    months = []
    for offset in range(12):
        year, month = first.year + (first.month - 1 + offset) // 12, (8 + offset) % 12 + 1
        weeks = []
        for week in _calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append(
                [
                    DayCell(day, *day_status(calendar, day)) if day.month == month else None
                    for day in week
                ]
            )
        months.append(Month(dt.date(year, month, 1), weeks))
    return months
