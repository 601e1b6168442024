"""Recording a child's education outcomes (from the PEP and the child's page), and uploading
schools' MIS files. Thin: each view asks the engine through the selectors and calls one
service."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from children.models import Child, School
from children.school_year import academic_year_start
from children.selectors import child_get_for_user
from pep_portal import csv_export
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.requests import AuthenticatedRequest
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction
from pep_portal.calendars.choices import TermCode
from pep_portal.forms import show_service_errors
from pep_portal.refusals import WHOLE, refused

from . import services
from .attendance import Thresholds
from .dashboard import (
    SHOWS,
    Filters,
    board_figures,
    board_sheets,
    children_behind,
    outcomes_board,
    year_label,
)
from .forms import (
    AttainmentForm,
    AttendanceForm,
    DashboardFilterForm,
    ExclusionForm,
    MissingEducationForm,
    MisUploadForm,
    PartTimeForm,
)
from .models import (
    AttainmentRecord,
    MisImport,
    MisImportStatus,
    MissingEducationSpell,
    PartTimeTimetable,
    TermAttendance,
)
from .selectors import term_outcomes, thresholds_of


def _child_and_term(request: AuthenticatedRequest, child_pk: int, year: int, term: str) -> Child:
    if term not in TermCode.values or not 2000 <= year <= 2100:
        raise Http404
    return child_get_for_user(user=request.user, pk=child_pk, action=Action.RECORD_OUTCOMES)


def _next_page(request: AuthenticatedRequest) -> str:
    """The PEP page or PEP section page the form was opened from (a path of ours only: one
    that resolves to one of those pages), else ""."""
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not back.startswith("/peps/") or len(back) > 200:
        return ""
    try:
        match = resolve(back)
    except Resolver404:
        return ""
    # The PEP's page or one of its sections' pages (where its records are edited).
    return back if match.url_name in ("pep_detail", "section_edit") else ""


def _back(request: AuthenticatedRequest, child: Child) -> HttpResponse:
    """Back to the PEP the page was opened from, else the child's page."""
    return redirect(_next_page(request) or reverse("child_detail", args=[child.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def attendance_edit(
    request: AuthenticatedRequest, child_pk: int, year: int, term: str
) -> HttpResponse:
    child = _child_and_term(request, child_pk, year, term)
    record = TermAttendance.objects.filter(child=child, academic_year=year, term=term).first()
    initial = (
        {
            "possible": record.sessions_possible,
            "present": record.sessions_present,
            "authorised": record.authorised_absence,
            "unauthorised": record.unauthorised_absence,
        }
        if record
        else {}
    )
    form = AttendanceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_save(
                actor=request.user,
                child=child,
                academic_year=year,
                term=term,
                **form.cleaned_data,
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "Attendance has been saved")
            return _back(request, child)
    label = term_outcomes(user=request.user, child=child, academic_year=year, term=term)
    return render(
        request,
        "outcomes/form.html",
        {
            "form": form,
            "child": child,
            "title": f"Attendance, {label.term_label}",
            "back_to": _next_page(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def attainment_edit(
    request: AuthenticatedRequest, child_pk: int, year: int, term: str
) -> HttpResponse:
    child = _child_and_term(request, child_pk, year, term)
    outcomes = term_outcomes(user=request.user, child=child, academic_year=year, term=term)
    if outcomes.key_stage is None:
        raise Http404
    records = AttainmentRecord.objects.filter(
        child=child, academic_year=year, term=term, key_stage=outcomes.key_stage
    )
    initial = {f"{r.subject}__{name}": value for r in records for name, value in r.values.items()}
    form = AttainmentForm(request.POST or None, initial=initial, key_stage=outcomes.key_stage)
    if request.method == "POST" and form.is_valid():
        try:
            services.attainment_save_many(
                actor=request.user,
                child=child,
                academic_year=year,
                term=term,
                key_stage=outcomes.key_stage,
                values_by_subject=form.values_by_subject(),
            )
        except ValidationError as error:
            for subject, problems in error.message_dict.items():
                for problem in problems:
                    name = subject if subject in form.fields else None
                    form.add_error(name, problem)
        else:
            messages.success(request, "Attainment has been saved")
            return _back(request, child)
    return render(
        request,
        "outcomes/form.html",
        {
            "form": form,
            "child": child,
            "title": f"Attainment, {outcomes.term_label}",
            "back_to": _next_page(request),
        },
    )


@login_required
@require_POST
def attainment_confirm(
    request: AuthenticatedRequest, child_pk: int, year: int, term: str
) -> HttpResponse:
    child = _child_and_term(request, child_pk, year, term)
    count = services.attainment_confirm(
        actor=request.user, child=child, academic_year=year, term=term
    )
    messages.success(request, f"{count} carried-forward values confirmed")
    return _back(request, child)


@login_required
@require_http_methods(["GET", "POST"])
def exclusion_add(request: AuthenticatedRequest, child_pk: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, pk=child_pk, action=Action.RECORD_OUTCOMES)
    form = ExclusionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.exclusion_record(actor=request.user, child=child, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The suspension or exclusion has been recorded")
            return _back(request, child)
    return render(
        request,
        "outcomes/form.html",
        {
            "form": form,
            "child": child,
            "title": "Record a suspension or exclusion",
            "back_to": _next_page(request),
        },
    )


@dataclass(frozen=True)
class _RecordPage:
    """A kind of record a child's page and PEP add and change on one form page: its model,
    form, service (and the service's name for the record being changed), the fields a change
    starts from, and its words."""

    model: type[PartTimeTimetable] | type[MissingEducationSpell]
    form: type[forms.Form]
    save: Callable[..., object]
    record_keyword: str
    fields: tuple[str, ...]
    what: str  # "Record …" / "Change …"
    saved: str


PART_TIME = _RecordPage(
    model=PartTimeTimetable,
    form=PartTimeForm,
    save=services.part_time_record,
    record_keyword="timetable",
    fields=("started_on", "review_on", "hours_per_week", "reason", "ended_on"),
    what="a part-time timetable",
    saved="The part-time timetable has been saved",
)
WITHOUT_A_SETTING = _RecordPage(
    model=MissingEducationSpell,
    form=MissingEducationForm,
    save=services.missing_education_record,
    record_keyword="spell",
    fields=("started_on", "ended_on"),
    what="a time without a school or setting",
    saved="The time without a school or setting has been saved",
)


def _record_edit(
    request: AuthenticatedRequest, child_pk: int, pk: int | None, page: _RecordPage
) -> HttpResponse:
    child = child_get_for_user(user=request.user, pk=child_pk, action=Action.RECORD_OUTCOMES)
    record = None
    initial: dict[str, object] = {}
    if pk is not None:
        record = page.model.objects.filter(child=child, pk=pk).first()
        if record is None:
            raise Http404
        initial = {name: getattr(record, name) for name in page.fields}
    form = page.form(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            page.save(
                actor=request.user,
                child=child,
                **{page.record_keyword: record},
                **form.cleaned_data,
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, page.saved)
            return _back(request, child)
    title = f"Change {page.what}" if record else f"Record {page.what}"
    return render(
        request,
        "outcomes/form.html",
        {"form": form, "child": child, "title": title, "back_to": _next_page(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def part_time_edit(
    request: AuthenticatedRequest, child_pk: int, pk: int | None = None
) -> HttpResponse:
    """Record a part-time timetable, or change one (its review date, its end)."""
    return _record_edit(request, child_pk, pk, PART_TIME)


@login_required
@require_http_methods(["GET", "POST"])
def missing_education_edit(
    request: AuthenticatedRequest, child_pk: int, pk: int | None = None
) -> HttpResponse:
    """Record a time without a school or setting, or change one (its last day once over)."""
    return _record_edit(request, child_pk, pk, WITHOUT_A_SETTING)


@login_required
@require_http_methods(["GET", "POST"])
def mis_upload(request: AuthenticatedRequest) -> HttpResponse:
    if not user_can(request.user, Action.IMPORT_MIS_DATA):
        raise PermissionDenied
    form = MisUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        school = None
        if form.cleaned_data["school"]:
            school = School.objects.filter(urn=form.cleaned_data["school"]).first()
        if form.cleaned_data["school"] and school is None:
            form.add_error("school", "No school has that URN")
        else:
            upload_file = form.cleaned_data["file"]
            upload = services.mis_preview(
                actor=request.user,
                layout=form.cleaned_data["layout"],
                file_name=upload_file.name,
                content=upload_file.read(services.mis.MAX_BYTES + 1),
                school=school,
            )
            return redirect("mis_preview", pk=upload.pk)
    recent = MisImport.objects.filter(uploaded_by=request.user).only(
        "pk", "layout", "file_name", "status", "uploaded_at"
    )[:10]
    return render(request, "outcomes/mis_upload.html", {"form": form, "recent": recent})


@login_required
@require_http_methods(["GET", "POST"])
def mis_preview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if not user_can(request.user, Action.IMPORT_MIS_DATA):
        raise PermissionDenied
    upload = MisImport.objects.filter(pk=pk, uploaded_by=request.user).first()
    if upload is None:
        raise Http404
    if request.method == "POST":
        try:
            written = services.mis_import(actor=request.user, upload=upload)
        except ValidationError as error:
            return refused(
                request,
                reverse("mis_preview", args=[upload.pk]),
                "The file cannot be imported",
                error,
                {WHOLE: "#mis-status"},
            )
        messages.success(request, f"Imported {written} records")
        return redirect("mis_preview", pk=upload.pk)
    return render(
        request,
        "outcomes/mis_preview.html",
        {
            "upload": upload,
            "may_import": upload.status == MisImportStatus.PREVIEWED
            and upload.rows_removed_at is None,
            "rows_shown": upload.rows[:50],
            "keep_days": settings.MIS_IMPORT_ROWS_KEEP_DAYS,
        },
    )


def _dashboard_request(request: AuthenticatedRequest) -> tuple[int, Filters, Thresholds]:
    if not user_can(request.user, Action.VIEW_VIRTUAL_SCHOOL_DASHBOARD):
        raise PermissionDenied
    form = DashboardFilterForm(request.GET or None, user=request.user)
    year = academic_year_start(timezone.localdate())
    filters = Filters()
    if form.is_valid():
        data = form.cleaned_data
        year = data["year"] or year
        filters = Filters(
            year_group=data["year_group"],
            school_urn=data["school"],
            area=data["area"] or "",
            sen=data["sen"] or "",
            adviser=data["adviser"].pk if data["adviser"] else None,
        )
    if request.user.authority is None:
        raise PermissionDenied
    lines = thresholds_of(request.user.authority)
    return year, filters, lines


@login_required
@require_http_methods(["GET"])
def outcomes_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    year, filters, lines = _dashboard_request(request)
    board = outcomes_board(user=request.user, academic_year=year, filters=filters, lines=lines)
    show = request.GET.get("show", "")
    behind = None
    if show in SHOWS:
        behind = children_behind(
            user=request.user, academic_year=year, filters=filters, lines=lines, show=show
        )[:200]
    query = request.GET.copy()
    query.pop("show", None)
    return render(
        request,
        "outcomes/dashboard.html",
        {
            "board": board,
            "form": DashboardFilterForm(request.GET or None, user=request.user),
            "lines": lines,
            "show": show,
            "behind": behind,
            "query": query.urlencode(),
        },
    )


@login_required
@require_http_methods(["GET"])
def outcomes_dashboard_csv(request: AuthenticatedRequest) -> HttpResponse:
    year, filters, lines = _dashboard_request(request)
    board = outcomes_board(user=request.user, academic_year=year, filters=filters, lines=lines)
    audit.record(
        request.user,
        AuditAction.CSV_DOWNLOADED,
        request=request,
        detail={"export": "education outcomes dashboard", "year": year},
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="education-outcomes-{year}.csv"'
    writer = csv_export.writer(response)
    writer.writerow(["table", "figure", year_label(year), year_label(year - 1)])
    writer.writerows(board_figures(board))
    return response


@login_required
@require_http_methods(["GET"])
def outcomes_dashboard_xlsx(request: AuthenticatedRequest) -> HttpResponseBase:
    year, filters, lines = _dashboard_request(request)
    board = outcomes_board(user=request.user, academic_year=year, filters=filters, lines=lines)
    audit.record(
        request.user,
        AuditAction.CSV_DOWNLOADED,
        request=request,
        detail={"export": "education outcomes dashboard", "year": year, "format": "xlsx"},
    )
    # Imported here: openpyxl (~9 MB) only for the processes that write a workbook.
    from pep_portal import xlsx_export

    return xlsx_export.response(board_sheets(board), f"education-outcomes-{year}.xlsx")
