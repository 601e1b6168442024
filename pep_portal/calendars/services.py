"""Every write to term calendars and PEP rule sets.

Each service checks the actor may act (commands run as the system, with no actor), validates,
writes in one transaction, and leaves an audit record (django-simple-history, with the actor).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from children.models import School
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.roles import Role

from .choices import PeriodKind, TermCode
from .deadlines import academic_year_bounds, academic_year_label, academic_year_of
from .models import CalendarPeriod, PepRuleSet, ReviewWindow, TermCalendar
from .presets import PRESETS, Preset
from .selectors import authorities_missing_years
from .term_dates import MAX_NAME_LENGTH, Row, TermDatesError, check_rows, long_date, plan_load

PORTAL_SOURCE = "Entered in the portal"


def _require(actor: User | None, action: Action, obj: Any) -> None:
    # No actor means a management command run by the portal's operators.
    if actor is not None and not user_can(actor, action, obj):
        raise PermissionDenied


def _owner_q(*, authority: LocalAuthority | None, school: School | None) -> Q:
    if (authority is None) == (school is None):
        raise ValueError("A calendar belongs to an authority or to a school, not both.")
    return Q(authority=authority) if authority is not None else Q(school=school)


# --- loading files ----------------------------------------------------------------------------


@dataclass
class LoadSummary:
    owner: str
    years: list[int]
    terms: int
    closures: int
    closures_only: bool
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        what = (
            "closures added to its authority's term dates"
            if self.closures_only
            else ("term dates replaced")
        )
        years = ", ".join(academic_year_label(y) for y in self.years)
        return [
            f"{self.owner}: {what} for {years} ({self.terms} term rows, {self.closures} "
            "closed rows).",
            *self.notes,
        ]


@transaction.atomic
def term_dates_load(
    *,
    actor: User | None,
    rows: list[Row],
    source: str,
    authority: LocalAuthority | None = None,
    school: School | None = None,
) -> LoadSummary:
    """Store the rows of a checked file. Each academic year the file covers replaces that year
    of the owner's calendar; a school's file with no term rows adds closures on top of its
    authority's term dates instead. Nothing is stored if anything is wrong."""
    owner_q = _owner_q(authority=authority, school=school)
    owner = authority or school
    _require(actor, Action.EDIT_CALENDAR, owner)
    errors = check_rows(rows)
    if errors:
        raise TermDatesError(errors)
    plan = plan_load(rows, for_school=school is not None)
    if not plan.years:
        raise TermDatesError(["The file has no dates in any academic year it could load."])
    if plan.closures_only:
        own_terms = set(
            TermCalendar.objects.filter(
                owner_q, academic_year__in=plan.years, periods__kind=PeriodKind.TERM
            ).values_list("academic_year", flat=True)
        )
        if own_terms:
            labels = ", ".join(academic_year_label(y) for y in sorted(own_terms))
            raise TermDatesError(
                [
                    f"{school} has its own term dates for {labels}, so closures alone cannot be "
                    "added on top of its authority's. Load a complete file (with term rows) for "
                    "those years, or change the dates in the portal."
                ]
            )
    for year, year_rows in plan.years.items():
        calendar = _calendar_for_update(
            actor=actor, authority=authority, school=school, academic_year=year, source=source
        )
        calendar.periods.all().delete()
        CalendarPeriod.objects.bulk_create(
            CalendarPeriod(
                calendar=calendar, kind=r.kind, start_date=r.start, end_date=r.end, name=r.name
            )
            for r in year_rows
        )
    counted = [r for year_rows in plan.years.values() for r in year_rows]
    return LoadSummary(
        owner=str(owner),
        years=sorted(plan.years),
        terms=sum(1 for r in counted if r.kind == PeriodKind.TERM),
        closures=sum(1 for r in counted if r.kind == PeriodKind.CLOSED),
        closures_only=plan.closures_only,
        notes=plan.notes,
    )


def _calendar_for_update(
    *,
    actor: User | None,
    authority: LocalAuthority | None,
    school: School | None,
    academic_year: int,
    source: str,
) -> TermCalendar:
    calendar = (
        TermCalendar.objects.select_for_update()
        .filter(_owner_q(authority=authority, school=school), academic_year=academic_year)
        .first()
    ) or TermCalendar(authority=authority, school=school, academic_year=academic_year)
    calendar.source = source[:200]
    calendar.updated_by = actor
    calendar._history_user = actor  # type: ignore[attr-defined]
    calendar.full_clean()
    calendar.save()
    return calendar


# --- editing in the portal --------------------------------------------------------------------


def _check_period(
    *,
    calendar_year: int,
    kind: str,
    start: dt.date,
    end: dt.date,
    name: str,
    other_terms: Sequence[CalendarPeriod],
) -> None:
    first, last = academic_year_bounds(calendar_year)
    label = academic_year_label(calendar_year)
    errors: dict[str, str] = {}
    if kind not in PeriodKind.values:
        errors["kind"] = "Choose term or closed"
    if end < start:
        errors["end_date"] = "The end date must be the same as or after the start date"
    if not first <= start <= last:
        errors["start_date"] = (
            f"The start date must be in {label} ({long_date(first)} to {long_date(last)})"
        )
    elif not first <= end <= last:
        errors["end_date"] = (
            f"The end date must be in {label} ({long_date(first)} to {long_date(last)})"
        )
    if len(name) > MAX_NAME_LENGTH:
        errors["name"] = f"The name must be {MAX_NAME_LENGTH} characters or fewer"
    if not errors and kind == PeriodKind.TERM:
        for other in other_terms:
            if start <= other.end_date and other.start_date <= end:
                errors["start_date"] = (
                    f"This term overlaps the term from {long_date(other.start_date)} to "
                    f"{long_date(other.end_date)}"
                )
                break
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def calendar_period_save(
    *,
    actor: User,
    kind: str,
    start: dt.date,
    end: dt.date,
    name: str,
    period: CalendarPeriod | None = None,
    authority: LocalAuthority | None = None,
    school: School | None = None,
    academic_year: int | None = None,
) -> CalendarPeriod:
    """Add a term or closure to an owner's year (starting that year's calendar if need be),
    or change an existing one."""
    if period is not None:
        calendar = period.calendar
        authority, school = calendar.authority, calendar.school
    else:
        year = academic_year if academic_year is not None else academic_year_of(start)
        _require(actor, Action.EDIT_CALENDAR, authority or school)
        calendar = TermCalendar.objects.filter(
            _owner_q(authority=authority, school=school), academic_year=year
        ).first() or TermCalendar(authority=authority, school=school, academic_year=year)
    _require(actor, Action.EDIT_CALENDAR, authority or school)
    name = name.strip()
    other_terms = (
        list(calendar.periods.filter(kind=PeriodKind.TERM).exclude(pk=getattr(period, "pk", None)))
        if calendar.pk
        else []
    )
    _check_period(
        calendar_year=calendar.academic_year,
        kind=kind,
        start=start,
        end=end,
        name=name,
        other_terms=other_terms,
    )
    calendar.source = PORTAL_SOURCE if not calendar.pk else calendar.source
    calendar.updated_by = actor
    calendar._history_user = actor  # type: ignore[attr-defined]
    calendar.save()
    period = period or CalendarPeriod(calendar=calendar)
    period.kind, period.start_date, period.end_date, period.name = kind, start, end, name
    period._history_user = actor  # type: ignore[attr-defined]
    period.full_clean()
    period.save()
    return period


@transaction.atomic
def calendar_period_delete(*, actor: User, period: CalendarPeriod) -> None:
    calendar = period.calendar
    _require(actor, Action.EDIT_CALENDAR, calendar.authority or calendar.school)
    period._history_user = actor  # type: ignore[attr-defined]
    period.delete()
    calendar.updated_by = actor
    calendar._history_user = actor  # type: ignore[attr-defined]
    calendar.save()


# --- rule sets --------------------------------------------------------------------------------

# The rules as staff see them, each with the fields it is made of; provenance is kept per rule.
RULE_FIELDS: dict[str, tuple[str, ...]] = {
    "initial_pep": ("initial_pep_unit", "initial_pep_days", "initial_pep_days_emergency"),
    "school_change_pep": (
        "school_change_pep_days",
        "school_change_pep_unit",
        "previous_school_access_days",
        "previous_school_access_unit",
    ),
    "early_years_first_pep": (
        "early_years_first_pep_days",
        "early_years_first_pep_unit",
        "early_years_age",
    ),
    "formal_meetings": (
        "formal_meetings_per_year",
        "internal_review_needs_expected_progress",
        "teacher_records_meetings",
    ),
    "teacher_sections": ("teacher_sections_days_before", "teacher_sections_unit"),
    "ready_for_meeting": (
        "ready_needs_teacher_sections",
        "ready_needs_care_information",
        "ready_needs_child_views",
    ),
    "social_worker_upload": ("social_worker_upload_days_after", "social_worker_upload_unit"),
    "pp_plus_cutoff": ("pp_plus_last_accepted_month", "pp_plus_last_accepted_day"),
    "pp_plus_eligibility": (
        "pp_plus_first_year_group",
        "pp_plus_last_year_group",
        "early_years_pp_first_age",
        "early_years_pp_last_age",
    ),
    "pp_plus_decided_by": ("pp_plus_decided_by",),
    "no_school_place_meeting": ("no_school_place_meeting_hours",),
    "reminders": (
        "reminder_lead_days",
        "escalate_after_days",
        "set_up_days_before_term",
        "pp_plus_reminder_days",
    ),
    "education_outcomes": (
        "persistent_absence_below",
        "severe_absence_below",
        "missing_education_alert_days",
    ),
}

# A review window as the services take it: (term code, name shown, first month, last month).
Window = tuple[str, str, int, int]


def _pp_plus_range_errors(values: dict[str, Any]) -> dict[str, str]:
    errors = {}
    if values["pp_plus_first_year_group"] > values["pp_plus_last_year_group"]:
        errors["pp_plus_last_year_group"] = (
            "The last year group with Pupil Premium Plus must not be before the first"
        )
    if values["early_years_pp_first_age"] > values["early_years_pp_last_age"]:
        errors["early_years_pp_last_age"] = (
            "The oldest age for the Early Years Pupil Premium must not be below the youngest"
        )
    return errors


def _check_rules(values: dict[str, Any], windows: Sequence[Window]) -> None:
    errors: dict[str, str] = {}
    try:
        # Checked against a leap year's neighbour: a cut-off must exist every year.
        dt.date(2027, values["pp_plus_last_accepted_month"], values["pp_plus_last_accepted_day"])
    except ValueError:
        errors["pp_plus_last_accepted_day"] = "Enter a day that exists in that month every year"
    errors.update(_pp_plus_range_errors(values))
    if not windows:
        errors["__all__"] = "Give at least one review term"
    names = [name.strip().casefold() for _, name, _, _ in windows]
    if len(set(names)) != len(names) or not all(names):
        errors["__all__"] = "Give each review term a different name"
    codes = [code for code, _, _, _ in windows]
    if not all(code in TermCode.values for code in codes):
        errors["__all__"] = "Say which termly PEP each review term is for"
    elif len(set(codes)) != len(codes):
        errors["__all__"] = "Give each termly PEP one review term only"
    taken: set[int] = set()
    for _, name, first, last in windows:
        # Months in academic order: September is 0, August is 11.
        span = set(range((first - 9) % 12, (last - 9) % 12 + 1))
        if (first - 9) % 12 > (last - 9) % 12:
            errors["__all__"] = f"The {name} term must end in or after the month it starts"
        elif span & taken:
            errors["__all__"] = "Review terms must not overlap"
        taken |= span
    if values["severe_absence_below"] > values["persistent_absence_below"]:
        errors["severe_absence_below"] = (
            "The severe absence line must not be above the persistent absence line"
        )
    if values["formal_meetings_per_year"] > len(windows):
        errors["formal_meetings_per_year"] = (
            "There cannot be more formal meetings than review terms"
        )
    if errors:
        raise ValidationError(errors)


def _windows_of(rule_set: PepRuleSet) -> list[Window]:
    return [(w.code, w.name, w.first_month, w.last_month) for w in rule_set.windows.all()]


@transaction.atomic
def rule_set_save(
    *,
    actor: User | None,
    authority: LocalAuthority,
    values: dict[str, Any],
    windows: Sequence[Window],
    provenance: dict[str, str] | None = None,
    preset: str = "",
) -> tuple[PepRuleSet, bool]:
    """Set an authority's rules; returns the rule set and whether anything changed (nothing is
    written, not even history, when nothing did). Rules changed by hand are marked so on the
    rules page, with who changed them and when."""
    _require(actor, Action.EDIT_RULES, authority)
    _check_rules(values, windows)
    rule_set = PepRuleSet.objects.select_for_update().filter(authority=authority).first()
    created = rule_set is None
    rule_set = rule_set or PepRuleSet(authority=authority)
    old_windows = [] if created else _windows_of(rule_set)
    windows = [(code, n.strip(), first, last) for code, n, first, last in windows]
    changed_rules = [
        rule
        for rule, names in RULE_FIELDS.items()
        if any(getattr(rule_set, n) != values[n] for n in names)
    ]
    if old_windows != windows:
        changed_rules.append("windows")
    notes = dict(provenance) if provenance is not None else dict(rule_set.provenance or {})
    if provenance is None and actor is not None:
        today = timezone.localdate()
        for rule in changed_rules:
            notes[rule] = f"Changed in the portal by {actor.full_name} on {long_date(today)}."
    new_preset = preset or rule_set.preset
    unchanged = not changed_rules and notes == rule_set.provenance
    if not created and unchanged and new_preset == rule_set.preset:
        return rule_set, False
    for name, value in values.items():
        setattr(rule_set, name, value)
    rule_set.provenance = notes
    rule_set.preset = new_preset
    rule_set._history_user = actor  # type: ignore[attr-defined]
    rule_set.full_clean()
    rule_set.save()
    if old_windows != windows:
        rule_set.windows.all().delete()
        for position, (code, name, first, last) in enumerate(windows):
            window = ReviewWindow(
                rule_set=rule_set,
                position=position,
                code=code,
                name=name,
                first_month=first,
                last_month=last,
            )
            window._history_user = actor  # type: ignore[attr-defined]
            window.save()
    return rule_set, True


@dataclass
class PresetResult:
    authority: LocalAuthority
    rule_set: PepRuleSet
    authority_created: bool
    rules_changed: bool
    preset: Preset


@transaction.atomic
def rule_set_load_preset(*, preset: str, slug: str | None = None) -> PresetResult:
    """Give an authority (created from the preset's details if missing) the preset's rules,
    or reset its rules to them. Running it again changes nothing."""
    chosen = PRESETS[preset]
    slug = slug or chosen.slug
    authority = LocalAuthority.objects.filter(slug=slug).first()
    created = authority is None
    if authority is None:
        clash = LocalAuthority.objects.filter(
            Q(name=chosen.authority["name"]) | Q(la_code=chosen.authority["la_code"])
        ).first()
        if clash is not None:
            raise ValidationError(
                f"{clash.name} (slug “{clash.slug}”, LA code {clash.la_code}) already exists: "
                f"name it with --authority {clash.slug}."
            )
        authority = LocalAuthority(slug=slug, **chosen.authority)
        authority.full_clean()
        authority.save()
    rule_set, changed = rule_set_save(
        actor=None,
        authority=authority,
        values=dict(chosen.rules),
        windows=chosen.windows,
        provenance=dict(chosen.provenance),
        preset=chosen.slug,
    )
    return PresetResult(authority, rule_set, created, changed, chosen)


# --- telling administrators about missing calendars -------------------------------------------


def calendar_managers(authority: LocalAuthority) -> list[User]:
    return list(
        User.objects.filter(authority=authority, is_active=True).filter(
            Q(role=Role.AUTHORITY_ADMINISTRATOR)
            | Q(role=Role.VIRTUAL_SCHOOL_STAFF, is_vs_administrator=True)
        )
    )


def calendar_gaps_notify(
    *, today: dt.date | None = None, send: bool = True
) -> dict[str, list[int]]:
    """Tell each authority's administrators which of this and next academic year have no term
    dates loaded. The e-mail carries a link only: no child's details ever leave the portal."""
    today = today or timezone.localdate()
    gaps = authorities_missing_years(today=today)
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse("calendar_home")
    for authority, years in gaps.items():
        recipients = [u.email for u in calendar_managers(authority)]
        if not send or not recipients:
            continue
        labels = " and ".join(academic_year_label(y) for y in years)
        send_mail(
            subject=f"{settings.SERVICE_NAME}: term dates missing for {labels}",
            message=(
                f"{authority.name} has no term dates loaded for {labels}. PEP deadlines counted "
                f"in school days cannot be worked out for those dates until they are.\n\n"
                f"Load them here: {link}\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
    return {authority.slug: years for authority, years in gaps.items()}
