"""Thin views for the virtual school's dashboard: scope, select, render."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from children.school_year import academic_year_start
from pep_portal import csv_export
from pep_portal.accounts.models import LocalAuthority
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.requests import AuthenticatedRequest
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction

from .selectors import dashboard_for, terms_for


def _virtual_school_only(request: AuthenticatedRequest) -> LocalAuthority:
    """The virtual school's own authority; everyone else is refused."""
    authority = request.user.authority
    # The area rule (no query); dashboard_for checks the authority itself by the object rule.
    if authority is None or not user_can(request.user, Action.VIEW_VIRTUAL_SCHOOL_DASHBOARD):
        raise PermissionDenied
    return authority


# The chart is drawn 320 units wide and scales to its box (templates/dashboards/dashboard.html).
CHART_BAR = 200
CHART_ROW = 64


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return academic_year_start(timezone.localdate())


@login_required
@require_GET
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    authority = _virtual_school_only(request)
    year = _year(request)
    board = dashboard_for(user=request.user, authority=authority, academic_year=year)
    top = max([row["total"] for row in board.terms] or [1]) or 1
    bars = [
        {
            **row,
            # Bars at most 200 wide in a 320-wide drawing, each labelled with its figure.
            "signed_width": round(CHART_BAR * row["signed_off"] / top),
            "overdue_width": round(CHART_BAR * row["overdue"] / top),
            "y": 10 + n * CHART_ROW,
        }
        for n, row in enumerate(board.terms)
    ]
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "board": board,
            "year": year,
            "bars": bars,
            "chart_height": 20 + CHART_ROW * len(bars),
        },
    )


@login_required
@require_GET
def dashboard_csv(request: AuthenticatedRequest) -> HttpResponse:
    authority = _virtual_school_only(request)
    year = _year(request)
    # Only the figures the file holds, not the whole dashboard (issue 20: 4 rows took 1.2 s).
    terms = terms_for(user=request.user, authority=authority, academic_year=year)
    audit.record(
        request.user,
        AuditAction.CSV_DOWNLOADED,
        request=request,
        detail={"export": "PEP dashboard", "year": year},
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="peps-{year}.csv"'
    writer = csv_export.writer(response)
    writer.writerow(["term", "peps", "signed_off", "overdue", "due"])
    for row in terms:
        writer.writerow([row["label"], row["total"], row["signed_off"], row["overdue"], row["due"]])
    return response
