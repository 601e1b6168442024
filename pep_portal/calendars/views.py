"""Thin views: authorise through the selectors (pep_portal.accounts.permissions underneath),
check the form, call a service, render."""

from __future__ import annotations

import calendar as _calendar
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from children.models import School
from pep_portal.accounts.models import LocalAuthority
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction

from . import services
from .choices import Contribution, PpDecider
from .deadlines import (
    CalendarMissing,
    academic_year_label,
    academic_year_of,
    initial_pep_due,
)
from .forms import (
    YEAR_GROUP_CHOICES,
    DeadlineCheckForm,
    PeriodForm,
    RuleSetForm,
    UploadForm,
    WindowFormSet,
)
from .models import CalendarPeriod, PepRuleSet
from .presets import TERM_WINDOWS
from .selectors import (
    RulesMissing,
    authority_calendars,
    authority_get_for_user,
    calendar_for_authority,
    calendar_for_school,
    calendar_year_periods,
    missing_years,
    month_view,
    period_get_for_user,
    rules_for_authority,
    rules_from,
    school_calendars_visible_to,
    school_get_for_user,
)
from .term_dates import TermDatesError, long_date, read_csv, read_ics, write_csv

FIRST_YEAR, LAST_YEAR = 2000, 2099


def _apply_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _posted(request: HttpRequest) -> Any:
    # An empty POST is still a POST: bind it, so a blank submission shows the errors.
    return request.POST if request.method == "POST" else None


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404("No such academic year.")


@login_required
@require_GET
def calendar_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    authority = authority_get_for_user(user=user)
    today = timezone.localdate()
    return render(
        request,
        "calendars/home.html",
        {
            "authority": authority,
            "calendars": authority_calendars(authority=authority),
            "school_calendars": school_calendars_visible_to(user=user),
            "missing": [
                academic_year_label(y) for y in missing_years(authority=authority, today=today)
            ],
            "this_year": academic_year_of(today),
            "can_edit": user_can(user, Action.EDIT_CALENDAR, authority),
        },
    )


def _year_page(
    request: HttpRequest,
    *,
    year: int,
    authority: LocalAuthority | None = None,
    school: School | None = None,
) -> HttpResponse:
    _check_year(year)
    user = request.user
    calendar, periods = calendar_year_periods(
        authority=authority, school=school, academic_year=year
    )
    if school is not None:
        resolved = calendar_for_school(school, responsible=user.authority)
        owner_name = school.name
    else:
        resolved = calendar_for_authority(authority)
        owner_name = authority.name
    loaded = resolved.years.get(year)
    return render(
        request,
        "calendars/year.html",
        {
            "authority": authority,
            "school": school,
            "owner_name": owner_name,
            "year": year,
            "year_label": academic_year_label(year),
            "calendar": calendar,
            "periods": periods,
            "source": loaded.source if loaded else "",
            "school_days": len(loaded.school_days) if loaded else 0,
            "months": month_view(resolved, year),
            "can_edit": user_can(user, Action.EDIT_CALENDAR, authority or school),
        },
    )


@login_required
@require_GET
def authority_year(request: HttpRequest, year: int) -> HttpResponse:
    return _year_page(request, year=year, authority=authority_get_for_user(user=request.user))


@login_required
@require_GET
def school_year(request: HttpRequest, urn: int, year: int) -> HttpResponse:
    return _year_page(request, year=year, school=school_get_for_user(user=request.user, urn=urn))


def _back_url(period_owner: LocalAuthority | School, year: int) -> str:
    if isinstance(period_owner, School):
        return reverse("calendar_school_year", args=[period_owner.urn, year])
    return reverse("calendar_year", args=[year])


def _period_form_page(
    request: HttpRequest,
    *,
    owner: LocalAuthority | School,
    year: int,
    period: CalendarPeriod | None,
) -> HttpResponse:
    initial = {}
    if period is not None:
        initial = {
            "kind": period.kind,
            "start_date": period.start_date,
            "end_date": period.end_date,
            "name": period.name,
        }
    form = PeriodForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        is_school = isinstance(owner, School)
        try:
            services.calendar_period_save(
                actor=request.user,
                period=period,
                authority=None if is_school else owner,
                school=owner if is_school else None,
                academic_year=year,
                kind=data["kind"],
                start=data["start_date"],
                end=data["end_date"],
                name=data["name"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "The calendar has been saved")
            return redirect(_back_url(owner, year))
    return render(
        request,
        "calendars/period_form.html",
        {
            "form": form,
            "title": "Change a term or closure" if period else "Add a term or closure",
            "caption": f"{owner} · {academic_year_label(year)}",
            "owner_name": str(owner),
            "year_label": academic_year_label(year),
            "back_url": _back_url(owner, year),
            "period": period,
            "is_school": isinstance(owner, School),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def authority_period_add(request: HttpRequest, year: int) -> HttpResponse:
    _check_year(year)
    authority = authority_get_for_user(user=request.user, action=Action.EDIT_CALENDAR)
    return _period_form_page(request, owner=authority, year=year, period=None)


@login_required
@require_http_methods(["GET", "POST"])
def school_period_add(request: HttpRequest, urn: int, year: int) -> HttpResponse:
    _check_year(year)
    school = school_get_for_user(user=request.user, urn=urn, action=Action.EDIT_CALENDAR)
    return _period_form_page(request, owner=school, year=year, period=None)


@login_required
@require_http_methods(["GET", "POST"])
def period_edit(request: HttpRequest, pk: int) -> HttpResponse:
    period = period_get_for_user(user=request.user, pk=pk, action=Action.EDIT_CALENDAR)
    calendar = period.calendar
    owner = calendar.authority or calendar.school
    return _period_form_page(request, owner=owner, year=calendar.academic_year, period=period)


@login_required
@require_POST
def period_delete(request: HttpRequest, pk: int) -> HttpResponse:
    period = period_get_for_user(user=request.user, pk=pk, action=Action.EDIT_CALENDAR)
    calendar = period.calendar
    owner = calendar.authority or calendar.school
    services.calendar_period_delete(actor=request.user, period=period)
    messages.success(
        request, f"{period.get_kind_display()} from {long_date(period.start_date)} has been removed"
    )
    return redirect(_back_url(owner, calendar.academic_year))


def _csv_response(
    request: HttpRequest, owner_slug: str, year: int, periods: list[CalendarPeriod]
) -> HttpResponse:
    audit.record(
        request.user,
        AuditAction.CSV_DOWNLOADED,
        request=request,
        detail={"export": "term dates", "calendar": owner_slug, "year": year},
    )
    body = write_csv((p.kind, p.start_date, p.end_date, p.name) for p in periods)
    response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{owner_slug}-{year}.csv"'
    return response


@login_required
@require_GET
def authority_export(request: HttpRequest, year: int) -> HttpResponse:
    _check_year(year)
    authority = authority_get_for_user(user=request.user)
    _, periods = calendar_year_periods(authority=authority, academic_year=year)
    return _csv_response(request, authority.slug, year, periods)


@login_required
@require_GET
def school_export(request: HttpRequest, urn: int, year: int) -> HttpResponse:
    _check_year(year)
    school = school_get_for_user(user=request.user, urn=urn)
    _, periods = calendar_year_periods(school=school, academic_year=year)
    return _csv_response(request, f"school-{school.urn}", year, periods)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_upload(request: HttpRequest) -> HttpResponse:
    user = request.user
    authority = authority_get_for_user(user=user, action=Action.EDIT_CALENDAR)
    form = UploadForm(_posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        school = data["school"]
        if school is not None:
            # The same rule as every school calendar page: 404 for a school the user may not see.
            school = school_get_for_user(user=user, urn=school.urn, action=Action.EDIT_CALENDAR)
        upload = data["file"]
        try:
            if form.is_ics:
                result = read_ics(upload, year_start=data["year_start"], year_end=data["year_end"])
                rows, notes = result.rows, result.notes
            else:
                rows, notes = read_csv(upload), []
            summary = services.term_dates_load(
                actor=user,
                rows=rows,
                source=upload.name,
                authority=None if school else authority,
                school=school,
            )
        except TermDatesError as error:
            form.add_error("file", f"{upload.name}: nothing was loaded")
            for problem in error.errors[:50]:
                form.add_error(None, problem)
        else:
            audit.record(
                user,
                AuditAction.IMPORTED,
                school or authority,
                request=request,
                detail={"import": "term dates", "file": upload.name[:200], "years": summary.years},
            )
            for line in notes + summary.lines()[1:]:
                messages.info(request, line)
            messages.success(request, summary.lines()[0])
            return redirect("calendar_home")
    return render(request, "calendars/upload.html", {"form": form, "authority": authority})


def _rule_rows(rule_set: PepRuleSet | None) -> list[tuple[str, str, str]]:
    """(rule, value, where it came from) for the rules page."""
    if rule_set is None:
        return []
    rules = rules_from(rule_set, authority_name=rule_set.authority.name)
    notes = rule_set.provenance or {}
    hours = rules.no_school_place_meeting_hours
    windows = ", ".join(
        f"{w.name} ({_month(w.first_month)} to {_month(w.last_month)})"
        for w in rules.review_windows
    )
    internal = len(rules.review_windows) - rules.formal_meetings_per_year
    formal = f"{rules.formal_meetings_per_year} formal meeting(s) a year"
    if internal > 0:
        formal += f"; {internal} may be an internal review" + (
            " if the child is making expected progress"
            if rules.internal_review_needs_expected_progress
            else ""
        )
    reminders = (
        f"Reminders {rules.reminder_lead_days} days before a deadline; the virtual school "
        f"adviser told {rules.escalate_after_days} days after it; termly PEPs set up "
        f"{rules.set_up_days_before_term} days before the term opens"
    )
    return [
        (
            "Initial PEP",
            f"Within {rules.initial_pep} of becoming looked after; within "
            f"{rules.initial_pep_emergency} after an emergency placement",
            notes.get("initial_pep", ""),
        ),
        (
            "New PEP after a change of school",
            (
                f"Within {rules.school_change_pep} of the move: the social worker is reminded "
                "until a PEP meeting is held"
                if rules.school_change_pep
                else "No rule"
            )
            + f"; the previous school (its designated teacher and the staff they delegated to) "
            f"may read the PEPs it contributed to for {rules.previous_school_access}",
            notes.get("school_change_pep", ""),
        ),
        (
            "First early-years PEP",
            f"{rules.early_years_first_pep} after the start of the term following the child's "
            f"birthday at {rules.early_years_age}; their termly PEPs start that term"
            if rules.early_years_first_pep
            else "No rule",
            notes.get("early_years_first_pep", ""),
        ),
        ("Review terms", windows, notes.get("windows", "")),
        ("Formal meetings", formal, notes.get("formal_meetings", "")),
        (
            "Designated teacher's sections",
            f"{rules.teacher_sections_before_meeting} before the meeting",
            notes.get("teacher_sections", ""),
        ),
        (
            "Ready for meeting",
            _before_meeting(rules.before_meeting, rules.teacher_sections_before_meeting),
            notes.get("ready_for_meeting", ""),
        ),
        (
            "PEP completed and uploaded",
            f"Within {rules.social_worker_upload_after_meeting} of the meeting",
            notes.get("social_worker_upload", ""),
        ),
        (
            "Pupil premium plus requests",
            f"Last date accepted: {rules.pp_plus_last_accepted_day} "
            f"{_month(rules.pp_plus_last_accepted_month)} in the financial year (1 April to "
            f"31 March); designated teachers reminded {rules.pp_plus_reminder_days} days before",
            notes.get("pp_plus_cutoff", ""),
        ),
        (
            "Who may have pupil premium plus",
            f"Pupil Premium Plus from {_year_group(rules.pp_plus_first_year_group)} to "
            f"{_year_group(rules.pp_plus_last_year_group)}; the Early Years Pupil Premium at "
            f"{rules.early_years_pp_first_age} to {rules.early_years_pp_last_age} in funded "
            "early education; after that, none (the 16 to 19 bursary)",
            notes.get("pp_plus_eligibility", ""),
        ),
        (
            "Who decides pupil premium plus requests",
            PpDecider(rules.pp_plus_decided_by).label,
            notes.get("pp_plus_decided_by", ""),
        ),
        (
            "No school place",
            f"Meeting with the virtual school within {hours} hours" if hours else "No rule",
            notes.get("no_school_place_meeting", ""),
        ),
        ("Reminders and set-up", reminders, notes.get("reminders", "")),
        (
            "Attendance and missing education",
            f"Persistent absence: attendance under {rules.persistent_absence_below}%; severe "
            f"absence: under {rules.severe_absence_below}%; the adviser and social worker are "
            f"told of a child with no school or setting for more than "
            f"{rules.missing_education_alert_days} days",
            notes.get("education_outcomes", ""),
        ),
        (
            "The roll",
            f"Children from age {rule_set.youngest_age} to 18; an entry to care counts as an "
            "emergency when its SSDA903 legal status is "
            f"{_codes(rule_set.emergency_legal_statuses)} or its placement type is "
            f"{_codes(rule_set.emergency_placement_codes)}; an imported entry to care "
            f"{rule_set.initial_pep_lookback_days} days or fewer before the extract's date gets "
            "an initial PEP",
            notes.get("roll", ""),
        ),
    ]


def _codes(text: str) -> str:
    codes = text.split()
    if not codes:
        return "none"
    return ", ".join(codes[:-1]) + (" or " if len(codes) > 1 else "") + codes[-1]


def _year_group(number: int) -> str:
    return dict(YEAR_GROUP_CHOICES)[number]


def _before_meeting(codes: frozenset[str], cut_off: object) -> str:
    wanted = [label for code, label in Contribution.choices if code in codes]
    if not wanted:
        return "Nothing needs to be complete before the meeting"
    return f"Complete before the meeting (each due {cut_off} before it): " + "; ".join(wanted)


def _month(number: int) -> str:
    return _calendar.month_name[number]


@login_required
@require_GET
def rules_detail(request: HttpRequest) -> HttpResponse:
    authority = authority_get_for_user(user=request.user)
    rule_set = (
        PepRuleSet.objects.select_related("authority")
        .prefetch_related("windows")
        .filter(authority=authority)
        .first()
    )
    return render(
        request,
        "calendars/rules.html",
        {
            "authority": authority,
            "rule_set": rule_set,
            "rows": _rule_rows(rule_set),
            "can_edit": user_can(request.user, Action.EDIT_RULES, authority),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rules_edit(request: HttpRequest) -> HttpResponse:
    authority = authority_get_for_user(user=request.user, action=Action.EDIT_RULES)
    rule_set = PepRuleSet.objects.filter(authority=authority).first() or PepRuleSet(
        authority=authority
    )
    windows = [
        {"code": code, "name": name, "first_month": first, "last_month": last}
        for code, name, first, last in (
            [(w.code, w.name, w.first_month, w.last_month) for w in rule_set.windows.all()]
            if rule_set.pk
            else TERM_WINDOWS
        )
    ]
    form = RuleSetForm(_posted(request), instance=rule_set)
    formset = WindowFormSet(_posted(request), initial=windows, prefix="windows")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        values = {name: form.cleaned_data[name] for name in RuleSetForm.Meta.fields}
        chosen = [
            (
                f.cleaned_data["code"],
                f.cleaned_data["name"],
                f.cleaned_data["first_month"],
                f.cleaned_data["last_month"],
            )
            for f in formset
            if f.cleaned_data.get("name", "").strip()
        ]
        try:
            services.rule_set_save(
                actor=request.user, authority=authority, values=values, windows=chosen
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "The PEP rules have been saved")
            return redirect("calendar_rules")
    return render(
        request,
        "calendars/rules_form.html",
        {"form": form, "formset": formset, "authority": authority},
    )


@login_required
@require_GET
def deadline_check(request: HttpRequest) -> HttpResponse:
    authority = authority_get_for_user(user=request.user)
    form = DeadlineCheckForm(request.GET or None)
    deadline = problem = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        school = data["school"]
        calendar = (
            calendar_for_school(school, responsible=authority)
            if school is not None
            else calendar_for_authority(authority)
        )
        try:
            deadline = initial_pep_due(
                rules_for_authority(authority),
                calendar,
                entered_care=data["entered_care"],
                emergency=data["emergency"],
            )
        except (CalendarMissing, RulesMissing) as error:
            problem = str(error)
    context: dict[str, Any] = {
        "form": form,
        "authority": authority,
        "deadline": deadline,
        "problem": problem,
    }
    return render(request, "calendars/deadline.html", context)
