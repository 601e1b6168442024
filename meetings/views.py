"""Thin views: scope through the PEP, check the form, call a service, render."""

import datetime as dt
from itertools import groupby
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from children.selectors import child_get_for_user
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.forms import show_service_errors
from pep_portal.refusals import WHOLE, refused
from peps.selectors import pep_get_for_user

from . import services
from .forms import (
    ActionsStep,
    ArrangeForm,
    AttendanceStep,
    DiscussionStep,
    NextMeetingStep,
    ReviewStep,
    TargetsStep,
    shown_unchecked,
)
from .models import AttendeeRole, Meeting, MeetingKind, MeetingStatus, Outcome
from .selectors import (
    meeting_get_for_user,
    record_draft_for,
    target_tracker,
    upcoming_meetings_for,
)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_arrange(request: HttpRequest, pep_pk: int) -> HttpResponse:
    pep = pep_get_for_user(user=request.user, pk=pep_pk, action=Action.ARRANGE_MEETING)
    form = ArrangeForm(
        request.POST or None,
        allow_internal=user_can(request.user, Action.HOLD_INTERNAL_REVIEW, pep),
    )
    care_team = services.care_team_invitees(pep)
    if request.method == "POST" and form.adding:
        shown_unchecked(form)  # "Add another person": one more row, nothing checked
    elif request.method == "POST" and form.is_valid():
        invitees = list(care_team)
        if form.cleaned_data["invite_child"]:
            invitees.append(services.Invitee(pep.child.display_name, AttendeeRole.CHILD))
        invitees += [
            services.Invitee(name, role, organisation=organisation, email=email, phone=phone)
            for name, role, organisation, email, phone in form.others()
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
        "meetings/arrange.html",
        {"form": form, "pep": pep, "title": "Arrange the PEP meeting", "invitees": care_team},
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
            "can_cancel": meeting.status == MeetingStatus.ARRANGED
            and user_can(request.user, Action.ARRANGE_MEETING, meeting.pep),
        },
    )


# The meeting record, step by step (GOV.UK's "question pages" then "check answers"): each
# step's answers are kept on the server as typed (RecordDraft), so nothing is lost between
# steps; the whole record is checked and saved by services.meeting_record at the end.
STEP_TITLES = {
    "attendance": "Who attended",
    "discussion": "What was discussed",
    "review": "Last term's targets",
    "targets": "New targets",
    "actions": "Actions",
    "next-meeting": "The next meeting",
}
CHECK = "check"
# Form fields that are not answers: never kept in the draft.
NOT_ANSWERS = {"csrfmiddlewaretoken", "submit", "add_target", "add_action"}


class RecordSteps:
    """The steps of one meeting's record, and the form of each."""

    def __init__(self, meeting: Meeting) -> None:
        self.meeting = meeting
        self.attendees = list(meeting.attendees.all())
        self.to_review = services.targets_to_review(meeting.pep.child, before=meeting.pep)
        self.internal = meeting.kind == MeetingKind.INTERNAL_REVIEW
        # Nothing to review at a first PEP: the step is left out.
        self.names = [n for n in STEP_TITLES if n != "review" or self.to_review]

    def form(self, step: str, data: Any = None) -> forms.Form:
        if step == "attendance":
            return AttendanceStep(data, attendees=self.attendees)
        if step == "discussion":
            return DiscussionStep(data)
        if step == "review":
            return ReviewStep(data, to_review=self.to_review)
        if step == "targets":
            return TargetsStep(data)
        if step == "actions":
            return ActionsStep(data)
        return NextMeetingStep(data, internal=self.internal)

    def stored(self, step: str, draft: dict[str, dict[str, list[str]]]) -> forms.Form | None:
        """The step's form bound to what was kept, or None when the step was never answered."""
        if step not in draft:
            return None
        data = QueryDict(mutable=True)
        for name, values in draft[step].items():
            data.setlist(name, [str(v) for v in values])
        return self.form(step, data)

    def after(self, step: str) -> str:
        at = self.names.index(step)
        return self.names[at + 1] if at + 1 < len(self.names) else CHECK

    def before(self, step: str) -> str | None:
        at = self.names.index(step) if step in self.names else len(self.names)
        return self.names[at - 1] if at > 0 else None

    def step_of(self, field: str) -> str | None:
        """The step whose page holds `field`."""
        for step in self.names:
            if field in self.form(step).fields:
                return step
        return None


def _url(meeting: Meeting, step: str) -> str:
    if step == "attendance":
        return reverse("meeting_record", args=[meeting.pk])
    return reverse("meeting_record_step", args=[meeting.pk, step])


# Longer than any box takes (the form refuses more), short enough that a draft stays small.
KEPT_CHARACTERS = 20_000


def _answers(form: forms.Form) -> dict[str, list[str]]:
    """What was typed on the page, as posted (NUL already taken out by the form)."""
    return {
        k: [str(v)[:KEPT_CHARACTERS] for v in form.data.getlist(k)]
        for k in form.data
        if k not in NOT_ANSWERS
    }


def _row(field: str, rows: list[int]) -> tuple[str, int, int] | None:
    """("target", n, row on the page) for a service's `target_<n>_…`: the service numbers the
    targets (or actions) it was given, the page its rows, empty rows included."""
    parts = field.split("_", 2)
    if len(parts) == 3 and parts[0] in ("target", "action") and parts[1].isdigit():
        n = int(parts[1])
        if 1 <= n <= len(rows):
            return parts[0], n, rows[n - 1]
    return None


def _on_page(form: forms.Form, field: str, rows: list[int]) -> str:
    found = _row(field, rows)
    if found is None:
        return field
    kind, _, row = found
    return f"{kind}_{row}_{field.split('_', 2)[2]}"


def _show_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal beside the field it names, renumbered to the page's rows."""
    if hasattr(error, "error_dict") and hasattr(form, "rows_used"):
        rows = form.rows_used()
        renamed: dict[str, list[str]] = {}
        for field, errors in error.error_dict.items():
            texts = [m for e in errors for m in e.messages]
            found = _row(field, rows)
            if found is not None:
                kind, n, row = found
                said, shown = f"{kind.capitalize()} {n}:", f"{kind.capitalize()} {row}:"
                texts = [shown + t[len(said) :] if t.startswith(said) else t for t in texts]
            renamed[_on_page(form, field, rows)] = texts
        error = ValidationError(renamed)
    show_service_errors(form, error)


def _step_check(steps: RecordSteps, step: str, form: Any, draft: dict[str, Any]) -> None:
    """What the service would refuse about this step, asked now, so the person hears it on
    the page where they can put it right."""
    meeting = steps.meeting
    if step == "attendance":
        services.check_held_on(form.cleaned_data["held_on"])
        services.check_attendance(meeting, form.attendance())
    elif step == "review":
        services.check_reviews(meeting.pep, form.reviews())
    elif step == "targets":
        services.check_targets(form.targets())
    elif step == "actions":
        services.check_actions(form.actions())
    elif step == "next-meeting":
        attendance = steps.stored("attendance", draft)
        if attendance is not None and attendance.is_valid():
            held_on = attendance.cleaned_data["held_on"]
            next_on = form.cleaned_data["next_meeting_on"]
            services.check_next_meeting(meeting.pep, held_on, next_on)


def _render_step(
    request: HttpRequest, steps: RecordSteps, step: str, form: forms.Form
) -> HttpResponse:
    meeting = steps.meeting
    back = steps.before(step)
    return render(
        request,
        "meetings/record_step.html",
        {
            "form": form,
            "pep": meeting.pep,
            "meeting": meeting,
            "title": STEP_TITLES[step],
            "step_number": steps.names.index(step) + 1,
            "step_count": len(steps.names),
            "action": _url(meeting, step) + ("?change=1" if request.GET.get("change") else ""),
            "back": _url(meeting, back) if back else reverse("meeting_detail", args=[meeting.pk]),
            "attendees": steps.attendees if step == "attendance" else (),
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
        return refused(
            request,
            reverse("meeting_detail", args=[meeting.pk]),
            "The meeting cannot be cancelled",
            error,
            {WHOLE: "#meeting-status"},
        )
    messages.success(request, "The meeting is cancelled. The people invited have been told.")
    return redirect("pep_detail", pk=meeting.pep_id)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_record(request: HttpRequest, pk: int, step: str = "attendance") -> HttpResponse:
    meeting = meeting_get_for_user(user=request.user, pk=pk, action=Action.RECORD_PEP_MEETING)
    not_yet = services.recording_refusal(meeting)
    if not_yet:
        # Said before anything is typed, never after a filled form.
        return render(
            request,
            "meetings/record_not_yet.html",
            {"meeting": meeting, "pep": meeting.pep, "message": not_yet},
        )
    steps = RecordSteps(meeting)
    if step != CHECK and step not in steps.names:
        raise Http404("No such step.")
    draft = record_draft_for(user=request.user, meeting=meeting)
    if step == CHECK:
        return _check_answers(request, steps, draft)
    if request.method != "POST":
        form = steps.stored(step, draft) or steps.form(step)
        if form.is_bound:
            shown_unchecked(form)
        return _render_step(request, steps, step, form)
    form = steps.form(step, request.POST)
    services.record_draft_save(
        actor=request.user, meeting=meeting, step=step, answers=_answers(form)
    )
    if getattr(form, "adding", False):
        return _render_step(request, steps, step, shown_unchecked(form))
    if form.is_valid():
        try:
            _step_check(steps, step, form, draft)
        except ValidationError as error:
            _show_errors(form, error)
        else:
            # Changed from "Check your answers": back there.
            next_step = CHECK if request.GET.get("change") else steps.after(step)
            return redirect(_url(meeting, next_step))
    return _render_step(request, steps, step, form)


def _check_answers(request: HttpRequest, steps: RecordSteps, draft: dict[str, Any]) -> HttpResponse:
    """Every answer on one page, each with a link to change it; recording checks them all."""
    meeting = steps.meeting
    forms_by_step: dict[str, Any] = {}
    for name in steps.names:
        form = steps.stored(name, draft)
        if form is None or not form.is_valid():
            if request.method == "POST":
                # Unanswered or no longer valid: back to that step, saying what is wrong.
                form = form or steps.form(name, QueryDict(mutable=True))
                form.is_valid()
                return _render_step(request, steps, name, form)
            return redirect(_url(meeting, name))
        forms_by_step[name] = form
    errors: list[str] = []
    if request.method == "POST":
        review = forms_by_step.get("review")
        try:
            services.meeting_record(
                actor=request.user,
                meeting=meeting,
                held_on=forms_by_step["attendance"].cleaned_data["held_on"],
                attendance=forms_by_step["attendance"].attendance(),
                discussion=forms_by_step["discussion"].cleaned_data["discussion"],
                reviews=review.reviews() if review else [],
                targets=forms_by_step["targets"].targets(),
                actions=forms_by_step["actions"].actions(),
                next_meeting_on=forms_by_step["next-meeting"].cleaned_data["next_meeting_on"],
                expected_progress=forms_by_step["next-meeting"].expected_progress(),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                field = next(iter(error.error_dict))
                name = steps.step_of(_field_on_page(forms_by_step, field))
                if name is not None:
                    form = forms_by_step[name]
                    _show_errors(form, error)
                    return _render_step(request, steps, name, form)
            errors = [m for m in error.messages]
        else:
            messages.success(request, "The meeting has been recorded")
            return redirect("pep_detail", pk=meeting.pep.pk)
    came = {True: "Attended", False: "Did not attend", None: "Not recorded"}
    attendance = forms_by_step["attendance"].attendance()
    outcomes = dict(Outcome.choices)
    review = forms_by_step.get("review")
    progress = forms_by_step["next-meeting"].expected_progress()
    return render(
        request,
        "meetings/record_check.html",
        {
            "meeting": meeting,
            "pep": meeting.pep,
            "errors": errors,
            "held_on": forms_by_step["attendance"].cleaned_data["held_on"],
            "attendance": [
                (
                    person,
                    came[attendance[person.pk][0]]
                    + (
                        f": {attendance[person.pk][1]}"
                        if attendance[person.pk][0] is False and attendance[person.pk][1]
                        else ""
                    ),
                )
                for person in steps.attendees
            ],
            "discussion": forms_by_step["discussion"].cleaned_data["discussion"],
            "reviews": [(r, outcomes.get(r.outcome, "")) for r in review.reviews()]
            if review
            else [],
            "targets": forms_by_step["targets"].targets(),
            "actions": forms_by_step["actions"].actions(),
            "next_meeting_on": forms_by_step["next-meeting"].cleaned_data["next_meeting_on"],
            "expected_progress": {True: "Yes", False: "No"}.get(progress, "")
            if progress is not None
            else "",
            "change": {n.replace("-", "_"): _url(meeting, n) + "?change=1" for n in steps.names},
            "change_next": _url(meeting, "next-meeting") + "?change=1",
            "back": _url(meeting, steps.names[-1]),
        },
    )


def _field_on_page(forms_by_step: dict[str, Any], field: str) -> str:
    for name in ("targets", "actions"):
        form = forms_by_step.get(name)
        if form is not None and field.startswith(name[:-1] + "_"):
            return _on_page(form, field, form.rows_used())
    return field


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
