"""Thin views for Pupil Premium Plus: scope through a selector, check the form, call a service,
redirect or render."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from children.models import Child
from pep_portal import csv_export
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.requests import AuthenticatedRequest
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction
from pep_portal.calendars import deadlines
from pep_portal.forms import show_service_errors
from pep_portal.refusals import WHOLE, refused
from pep_portal.security import services as security_services
from pep_portal.security.signin import require_recent_authentication
from peps.selectors import pep_get_for_user

from . import services
from .forms import (
    PpAllocationForm,
    PpDecisionForm,
    PpRequestFilterForm,
    PpSchoolFundForm,
    PpYearForm,
)
from .models import PpKind, PpStatus
from .selectors import (
    can_set_pp_allocation,
    child_name,
    financial_year_label,
    fund_term_label,
    fund_term_on,
    money,
    pp_allocations_for,
    pp_allowance,
    pp_authority_for_user,
    pp_decider_label,
    pp_eligibility_for,
    pp_finance_rows,
    pp_financial_years,
    pp_fund_devolved,
    pp_fund_schools,
    pp_release_check,
    pp_request_get_for_user,
    pp_request_window,
    pp_requests_for_pep,
    pp_requests_to_decide,
    pp_review_answers,
    pp_school_count,
    pp_section_editable,
    pp_to_review_at,
    pp_totals_by_child,
    pp_totals_by_school,
    pp_totals_by_year,
    pp_totals_children,
)

PAGE_SIZE = 50
EXPORT_KINDS = {"requests": "requests", "schools": "by-school", "children": "by-child"}


def _this_financial_year() -> int:
    return deadlines.financial_year_of(timezone.localdate()).start_year


def _query_without_page(request: AuthenticatedRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_GET
def pp_request_raise(request: AuthenticatedRequest, pep_pk: int) -> HttpResponse:
    """The PEP's Pupil Premium Plus, as a view of the one record: the request is raised,
    changed and withdrawn in the PEP's "Pupil Premium Plus request" section."""
    pep = pep_get_for_user(user=request.user, pk=pep_pk, action=Action.RAISE_PP_REQUEST)
    today = timezone.localdate()
    window = pp_request_window(authority=pep.child.authority, on=today)
    eligibility = pp_eligibility_for(child=pep.child, on=today)
    kind = eligibility.kind or PpKind.PP_PLUS
    return render(
        request,
        "pupil_premium/pp_request_record.html",
        {
            "pep": pep,
            "child": pep.child,
            "window": window,
            "eligibility": eligibility,
            "decider": pp_decider_label(pep.child.authority),
            "can_edit": pp_section_editable(user=request.user, pep=pep),
            "allowance": pp_allowance(
                child=pep.child, financial_year=window.financial_year, kind=kind
            ),
            "requests": pp_requests_for_pep(user=request.user, pep=pep),
            "to_review": pp_to_review_at(user=request.user, pep=pep),
            "review": pp_review_answers(pep),
        },
    )


@login_required
@require_GET
def pp_request_list(request: AuthenticatedRequest) -> HttpResponse:
    pp_authority_for_user(user=request.user)
    data = request.GET.copy()
    # Opened from the menu, the list shows what is waiting for a decision.
    data.setdefault("status", PpStatus.REQUESTED)
    form = PpRequestFilterForm(data, years=pp_financial_years(user=request.user))
    status, year = "", None
    if form.is_valid():
        status, year = form.cleaned_data["status"], form.cleaned_data["year"]
    requests = pp_requests_to_decide(user=request.user, status=status, financial_year=year)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "pupil_premium/pp_request_list.html",
        {"form": form, "page": page, "query_string": _query_without_page(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def pp_request_decide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    pp_request = pp_request_get_for_user(user=request.user, pk=pk, action=Action.DECIDE_PP_REQUEST)
    form = PpDecisionForm(request.POST or None)
    if request.method == "POST":
        if pp_request.status != PpStatus.REQUESTED:
            return refused(
                request,
                reverse("pp_request_decide", args=[pp_request.pk]),
                "The request cannot be decided again",
                "This request has already been decided",
                {WHOLE: "#pp-status"},
            )
        if form.is_valid():
            try:
                decided = services.pp_request_decide(
                    actor=request.user,
                    request=pp_request,
                    decision=form.cleaned_data["decision"],
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(
                    request,
                    f"The request for {decided.child.display_name} has been "
                    f"{decided.get_status_display().lower()}",
                )
                if user_can(request.user, Action.OPEN_PUPIL_PREMIUM):
                    return redirect("pp_request_list")
                # A designated teacher allocating devolved PP+ goes back to the PEP.
                return redirect("pep_detail", pk=decided.pep_id)
    return render(
        request,
        "pupil_premium/pp_request_decide.html",
        {
            "form": form if pp_request.status == PpStatus.REQUESTED else None,
            "pp_request": pp_request,
            "child": pp_request.child,
            "allowance": pp_allowance(
                child=pp_request.child,
                financial_year=pp_request.financial_year,
                exclude=pp_request,
            ),
            "year_label": financial_year_label(pp_request.financial_year),
            "release": pp_release_check(pp_request.pep),
        },
    )


def _chosen_year(request: AuthenticatedRequest, years: list[int]) -> tuple[PpYearForm, int]:
    form = PpYearForm(request.GET or None, years=years)
    year = _this_financial_year()
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
    elif not form.is_bound:
        form = PpYearForm(initial={"year": str(year)}, years=years)
    return form, year


@login_required
@require_GET
def pp_totals(request: AuthenticatedRequest) -> HttpResponse:
    authority = pp_authority_for_user(user=request.user)
    form, year = _chosen_year(request, pp_financial_years(user=request.user))
    # The page's children are chosen (and counted) first, then only their requests are summed.
    children = Paginator(pp_totals_children(user=request.user, financial_year=year), PAGE_SIZE)
    page: Page[Any] = children.get_page(request.GET.get("page"))
    ids = cast("QuerySet[Child, dict[str, Any]]", page.object_list)  # the page's slice
    page.object_list = list(
        pp_totals_by_child(user=request.user, financial_year=year, children=ids)
    )
    for row in page.object_list:
        row["name"] = child_name(row)
    return render(
        request,
        "pupil_premium/pp_totals.html",
        {
            "authority": authority,
            "form": form,
            "year": year,
            "year_label": financial_year_label(year),
            "years": pp_totals_by_year(user=request.user),
            # Counted here; the table is a list of its own, page by page (an authority's
            # children attend hundreds of schools: issue 20).
            "school_count": pp_school_count(user=request.user, financial_year=year),
            "page": page,
            "query_string": _query_without_page(request),
        },
    )


@login_required
@require_GET
def pp_totals_schools(request: AuthenticatedRequest) -> HttpResponse:
    authority = pp_authority_for_user(user=request.user)
    form, year = _chosen_year(request, pp_financial_years(user=request.user))
    schools = Paginator(pp_totals_by_school(user=request.user, financial_year=year), PAGE_SIZE)
    return render(
        request,
        "pupil_premium/pp_totals_schools.html",
        {
            "authority": authority,
            "form": form,
            "year": year,
            "year_label": financial_year_label(year),
            "page": schools.get_page(request.GET.get("page")),
            "query_string": _query_without_page(request),
        },
    )


@login_required
@require_recent_authentication
@require_GET
def pp_export(request: AuthenticatedRequest) -> HttpResponse:
    authority = pp_authority_for_user(user=request.user)
    _, year = _chosen_year(request, pp_financial_years(user=request.user))
    kind = request.GET.get("kind", "requests")
    if kind not in EXPORT_KINDS:
        kind = "requests"
    rows = pp_finance_rows(user=request.user, financial_year=year, kind=kind)
    filename = f"pupil-premium-plus-{authority.slug}-{year}-{year + 1}-{EXPORT_KINDS[kind]}.csv"
    audit.record(
        request.user,
        AuditAction.CSV_DOWNLOADED,
        request=request,
        detail={"export": "Pupil Premium Plus", "kind": kind, "year": year},
    )
    security_services.bulk_export_record(
        actor=request.user,
        what=f"CSV of Pupil Premium Plus {EXPORT_KINDS[kind]}, {financial_year_label(year)}",
    )
    # Sent as it is read (a large authority's year is thousands of requests).
    return csv_export.streaming_response(rows, filename)  # type: ignore[return-value]


@login_required
@require_http_methods(["GET", "POST"])
def pp_allocations(request: AuthenticatedRequest) -> HttpResponse:
    authority = pp_authority_for_user(user=request.user)
    if not can_set_pp_allocation(request.user, authority):
        raise PermissionDenied
    now = _this_financial_year()
    form = PpAllocationForm(
        request.POST or None, years=[now - 1, now, now + 1], initial={"financial_year": str(now)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            allocation = services.pp_allocation_set(
                actor=request.user,
                authority=authority,
                financial_year=form.cleaned_data["financial_year"],
                amount_per_child=form.cleaned_data["amount_per_child"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Pupil Premium Plus for {financial_year_label(allocation.financial_year)} is "
                f"now {money(allocation.amount_per_child)} per child",
            )
            return redirect("pp_allocations")
    allocations = pp_allocations_for(authority=authority)
    return render(
        request,
        "pupil_premium/pp_allocations.html",
        {
            "form": form,
            "authority": authority,
            "allocations": [(financial_year_label(a.financial_year), a) for a in allocations],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pp_school_funds(request: AuthenticatedRequest) -> HttpResponse:
    """Where the authority devolves PP+, each school's amount for this term, which its
    designated teacher allocates; virtual school administrators set it."""
    authority = pp_authority_for_user(user=request.user)
    if not can_set_pp_allocation(request.user, authority):
        raise PermissionDenied
    year, term = fund_term_on(authority, timezone.localdate())
    schools = list(pp_fund_schools(authority=authority, academic_year=year, term=term))
    chosen = request.POST.get("school", "")
    if (
        chosen.isascii()
        and chosen.isdigit()
        and len(chosen) <= 10
        and int(chosen) not in {s.pk for s in schools}
    ):
        # A school none of the authority's children attends (another authority's): not theirs.
        raise Http404
    form = PpSchoolFundForm(request.POST or None, schools=[(s.pk, str(s)) for s in schools])
    if request.method == "POST" and form.is_valid():
        school = next(s for s in schools if s.pk == form.cleaned_data["school"])
        try:
            fund = services.pp_school_fund_set(
                actor=request.user,
                school=school,
                academic_year=year,
                term=term,
                amount=form.cleaned_data["amount"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{school.name} now has {money(fund.amount)} for {fund_term_label(year, term)}",
            )
            return redirect("pp_school_funds")
    return render(
        request,
        "pupil_premium/pp_school_funds.html",
        {
            "form": form,
            "authority": authority,
            "schools": schools,
            "term_label": fund_term_label(year, term),
            "devolved": pp_fund_devolved(authority),
        },
    )
