"""The home page: who you are, and the work waiting for you across the portal."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from meetings.selectors import open_meeting_tasks_for
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.requests import AuthenticatedRequest
from pep_portal.accounts.roles import Role
from pep_portal.accounts.selectors import people_count_by_role
from peps.selectors import work_for

# Who sees how many people of each role their authority has.
SEES_PEOPLE_COUNTS: tuple[str, ...] = (Role.VIRTUAL_SCHOOL_STAFF, Role.AUTHORITY_ADMINISTRATOR)


@login_required
@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {"role": user.role, "Role": Role}
    if user.role in SEES_PEOPLE_COUNTS:
        counts = people_count_by_role(user=user)
        context["people_counts"] = [(label, counts.get(value, 0)) for value, label in Role.choices]
    context["can_see_people"] = user.role != Role.CARER and user.role != ""
    context["can_see_teacher_approvals"] = user.authority is not None and user_can(
        user, Action.VIEW_TEACHER_APPROVALS, user.authority
    )
    # A designated teacher sees which authorities approve them (permissions: their own row).
    context["can_see_own_approvals"] = user.role == Role.DESIGNATED_TEACHER
    context["work"] = work_for(user=user) if user.role else []
    context["meeting_tasks"] = open_meeting_tasks_for(user=user) if user.role else []
    context["now"] = timezone.now()
    return render(request, "home/home.html", context)
