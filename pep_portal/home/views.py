"""The home page: who you are, and the work waiting for you across the portal; and the
virtual school's lists of PEPs by kind of work waiting on them."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboards.work import (
    WORK_KINDS,
    is_a_work_kind,
    label_of,
    most_urgent,
    work_by_pep,
    work_counts,
    work_page,
)
from meetings.selectors import open_meeting_tasks_for
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.requests import AuthenticatedRequest
from pep_portal.accounts.roles import Role
from pep_portal.accounts.selectors import people_count_by_role


def _sees_the_virtual_schools_work(request: AuthenticatedRequest) -> bool:
    # The area rule (no query): the virtual school's staff, who see their authority's PEPs.
    user = request.user
    return user.authority is not None and user_can(user, Action.VIEW_VIRTUAL_SCHOOL_DASHBOARD)


@login_required
@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {}
    if user_can(user, Action.COUNT_PEOPLE):
        counts = people_count_by_role(user=user)
        context["people_counts"] = [(label, counts.get(value, 0)) for value, label in Role.choices]
    context["can_see_people"] = user_can(user, Action.OPEN_PEOPLE)
    context["can_see_teacher_approvals"] = user.authority is not None and user_can(
        user, Action.VIEW_TEACHER_APPROVALS, user.authority
    )
    # A designated teacher sees which authorities approve them (permissions: their own row).
    context["can_see_own_approvals"] = user_can(user, Action.VIEW_OWN_APPROVALS)
    if user.role and _sees_the_virtual_schools_work(request):
        # Counts by kind and the most urgent: a fixed number of queries at any size.
        context["work_counts"] = work_counts(user=user)
        context["urgent"] = most_urgent(user=user)
        context["today"] = timezone.localdate()
        context["work"] = []
    else:
        context["work"] = work_by_pep(user=user) if user.role else []
    context["meeting_tasks"] = open_meeting_tasks_for(user=user) if user.role else []
    context["now"] = timezone.now()
    return render(request, "home/home.html", context)


@login_required
@require_GET
def work_list(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    """The PEPs waiting on one kind of work, soonest due first, 25 a page (filtered in SQL)."""
    if not _sees_the_virtual_schools_work(request):
        raise PermissionDenied
    if not is_a_work_kind(kind):
        raise Http404("No such kind of work.")
    mine = request.GET.get("mine") == "1"
    page = work_page(user=request.user, kind=kind, page=request.GET.get("page"), mine=mine)
    return render(
        request,
        "home/work_list.html",
        {"kind": kind, "label": label_of(kind), "page": page, "mine": mine, "kinds": WORK_KINDS},
    )
