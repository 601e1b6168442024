"""Thin views: scope through the PEP, check the form, call a service, render."""

import datetime as dt
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from children.selectors import child_get_for_user
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.forms import show_service_errors
from peps.selectors import pep_get_for_user

from . import services
from .forms import ArrangeForm, RecordForm
from .models import AttendeeRole, MeetingKind, MeetingStatus
from .selectors import meeting_get_for_user, target_tracker, upcoming_meetings_for


@login_required
@require_http_methods(["GET", "POST"])
def meeting_arrange(request: HttpRequest, pep_pk: int) -> HttpResponse:
    pep = pep_get_for_user(user=request.user, pk=pep_pk, action=Action.ARRANGE_MEETING)
    form = ArrangeForm(
        request.POST or None,
        allow_internal=user_can(request.user, Action.HOLD_INTERNAL_REVIEW, pep),
    )
    if request.method == "POST" and form.is_valid():
        invitees = services.care_team_invitees(pep)
        if form.cleaned_data["invite_child"]:
            invitees.append(services.Invitee(pep.child.display_name, AttendeeRole.CHILD))
        invitees += [
            services.Invitee(name, AttendeeRole.OTHER, organisation=role, email=email)
            for name, role, email in form.others()
        ]
        try:
            arranged = services.meeting_arrange(
                actor=request.user,
                pep=pep,
                starts_at=form.starts_at(),
                kind=form.cleaned_data["kind"],
                venue=form.cleaned_data["venue"],
                venue_details=form.cleaned_data["venue_details"],
                online_link=form.cleaned_data["online_link"],
                invitees=invitees,
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The meeting has been arranged")
            for warning in arranged.warnings:
                messages.warning(request, warning)
            return redirect("meeting_detail", pk=arranged.meeting.pk)
    return render(
        request,
        "meetings/form.html",
        {"form": form, "pep": pep, "title": "Arrange the PEP meeting"},
    )


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "pep": meeting.pep,
            "attendees": meeting.attendees.all(),
            "reviews": meeting.reviews.select_related("target"),
            "targets": meeting.targets_set.all(),
            "actions": meeting.actions.all(),
            "can_record": meeting.status == MeetingStatus.ARRANGED
            and user_can(request.user, Action.RECORD_PEP_MEETING, meeting),
            "can_cancel": meeting.status == MeetingStatus.ARRANGED
            and user_can(request.user, Action.ARRANGE_MEETING, meeting.pep),
        },
    )


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Call the meeting off; the invitees are told (and their calendars updated)."""
    meeting = meeting_get_for_user(user=request.user, pk=pk, action=Action.ARRANGE_MEETING)
    try:
        services.meeting_cancel(actor=request.user, meeting=meeting)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("meeting_detail", pk=meeting.pk)
    messages.success(request, "The meeting is cancelled. The people invited have been told.")
    return redirect("pep_detail", pk=meeting.pep_id)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_record(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_get_for_user(user=request.user, pk=pk, action=Action.RECORD_PEP_MEETING)
    attendees = list(meeting.attendees.all())
    to_review = services.targets_to_review(meeting.pep.child, before=meeting.pep)
    form = RecordForm(
        request.POST or None,
        attendees=attendees,
        to_review=to_review,
        internal=meeting.kind == MeetingKind.INTERNAL_REVIEW,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_record(
                actor=request.user,
                meeting=meeting,
                held_on=form.cleaned_data["held_on"],
                attendance=form.attendance(),
                discussion=form.cleaned_data["discussion"],
                reviews=form.reviews(),
                targets=form.targets(),
                actions=form.actions(),
                next_meeting_on=form.cleaned_data["next_meeting_on"],
                expected_progress=form.expected_progress(),
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The meeting has been recorded")
            return redirect("pep_detail", pk=meeting.pep.pk)
    return render(
        request,
        "meetings/form.html",
        {"form": form, "pep": meeting.pep, "title": "Record the PEP meeting"},
    )


def parse_date_or_none(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


@login_required
@require_GET
def meeting_calendar(request: HttpRequest) -> HttpResponse:
    # "?from=YYYY-MM-DD" looks ahead from another day (a week being planned, or last week's
    # meetings still to be recorded); anything else shows the calendar from today.
    start = parse_date_or_none(request.GET.get("from", ""))
    meetings = list(upcoming_meetings_for(user=request.user, today=start)[:200])
    days = [
        (day, list(items))
        for day, items in groupby(meetings, key=lambda m: timezone.localtime(m.starts_at).date())
    ]
    return render(request, "meetings/calendar.html", {"days": days, "start": start})


@login_required
@require_GET
def targets_for_child(request: HttpRequest, child_pk: int) -> HttpResponse:
    child = child_get_for_user(user=request.user, pk=child_pk)
    return render(
        request,
        "meetings/targets.html",
        {"child": child, "targets": target_tracker(user=request.user, child=child)},
    )
