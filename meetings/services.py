"""Arranging and recording PEP meetings: attendance, SMART targets and their reviews, actions,
and the next meeting. Recording a meeting moves the PEP to "meeting held"."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from children.access import Seat
from children.models import Child
from children.selectors import care_team_members
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.calendars import deadlines
from pep_portal.calendars.deadlines import Deadline
from pep_portal.calendars.selectors import RulesMissing, deadlines_for_child, rules_for_authority
from peps.models import Pep, PepStatus, Term
from peps.services import pep_record_meeting_held

from .models import (
    Attendee,
    AttendeeRole,
    Meeting,
    MeetingAction,
    MeetingKind,
    MeetingStatus,
    MeetingTask,
    Outcome,
    RecordDraft,
    Target,
    TargetReview,
    Venue,
)
from .signals import meeting_arranged, meeting_cancelled, required_attendee_absent

NO_SCHOOL_PLACE = "Meeting with the virtual school: the child has no school place"


@dataclass(frozen=True)
class Invitee:
    name: str
    role: str
    person: User | None = None
    organisation: str = ""
    email: str = ""
    phone: str = ""

    @property
    def role_label(self) -> str:
        return str(dict(AttendeeRole.choices).get(self.role, ""))


@dataclass(frozen=True)
class Arranged:
    meeting: Meeting
    warnings: list[str] = field(default_factory=list)


def _set_history_user(obj: Any, actor: User) -> Any:
    obj._history_user = actor
    return obj


def care_team_invitees(pep: Pep) -> list[Invitee]:
    """Everyone who should be invited, from the care team: never typed twice."""
    roles = {
        Seat.SOCIAL_WORKER: AttendeeRole.SOCIAL_WORKER,
        Seat.DESIGNATED_TEACHER: AttendeeRole.DESIGNATED_TEACHER,
        Seat.VIRTUAL_SCHOOL_ADVISER: AttendeeRole.VIRTUAL_SCHOOL,
        Seat.CARER: AttendeeRole.CARER,
    }
    invitees = []
    for member in care_team_members(child=pep.child):
        role = roles.get(member.seat)
        if role is None:
            continue  # IROs and delegated staff read the PEP; they are not core attendees
        person = member.person
        organisation = person.school or person.authority or ""
        invitees.append(
            Invitee(person.full_name, role, person, str(organisation), person.email, person.phone)
        )
    return invitees


def teacher_sections_deadline(pep: Pep, meeting_day: dt.date) -> Deadline | str:
    """When the designated teacher's sections are due for a meeting on `meeting_day`, asked
    of the deadline engine; or why it cannot be worked out (no rules, no term dates)."""
    try:
        return deadlines_for_child(pep.child, on=meeting_day).teacher_sections(meeting=meeting_day)
    except (RulesMissing, deadlines.CalendarMissing) as missing:
        return str(missing)


def meeting_warnings(
    pep: Pep, starts_at: dt.datetime, teacher_deadline: Deadline | str | None = None
) -> list[str]:
    """What the person arranging should know, without stopping them: a date after the PEP is
    due, or too few school days left for the designated teacher's sections."""
    warnings = []
    day = timezone.localtime(starts_at).date()
    if pep.due_on and day > pep.due_on:
        warnings.append(f"This is after the PEP is due ({pep.due_on:%-d %B %Y}).")
    deadline = teacher_deadline or teacher_sections_deadline(pep, day)
    if isinstance(deadline, str):
        return [*warnings, f"The designated teacher's deadline cannot be worked out: {deadline}"]
    if deadline.due < timezone.localdate():
        warnings.append(
            f"This leaves the designated teacher less than {deadline.count} to complete their "
            f"sections (they would have been due on {deadline.due:%-d %B %Y})."
        )
    return warnings


@transaction.atomic
def meeting_arrange(
    *,
    actor: User,
    pep: Pep,
    starts_at: dt.datetime | None,
    kind: str = MeetingKind.FORMAL,
    venue: str = Venue.SCHOOL,
    venue_details: str = "",
    online_link: str = "",
    invitees: Sequence[Invitee] = (),
) -> Arranged:
    if not user_can(actor, Action.ARRANGE_MEETING, pep):
        raise PermissionDenied
    if starts_at is None:
        raise ValidationError({"starts_at": "Enter the date and time of the meeting"})
    if pep.is_locked or pep.status in (PepStatus.MEETING_HELD, PepStatus.SUBMITTED):
        raise ValidationError(
            f"A meeting cannot be arranged for a PEP that is “{pep.get_status_display()}”"
        )
    if kind == MeetingKind.INTERNAL_REVIEW and not user_can(
        actor, Action.HOLD_INTERNAL_REVIEW, pep
    ):
        raise ValidationError({"kind": "Only the designated teacher holds an internal review"})
    if venue == Venue.ONLINE and not online_link:
        raise ValidationError({"online_link": "Enter the link to join the online meeting"})
    # Arranging again moves the meeting: the one arranged before is cancelled.
    replaced = Meeting.objects.filter(pep=pep, status=MeetingStatus.ARRANGED).order_by("-pk")
    moved_from = replaced.first()
    replaced.update(status=MeetingStatus.CANCELLED)
    # A record half-written for a meeting that will not happen is of no use to anyone.
    RecordDraft.objects.filter(meeting__pep=pep, meeting__status=MeetingStatus.CANCELLED).delete()
    meeting = _set_history_user(
        Meeting(
            pep=pep,
            kind=kind,
            starts_at=starts_at,
            venue=venue,
            venue_details=venue_details.strip(),
            online_link=online_link.strip(),
            arranged_by=actor,
        ),
        actor,
    )
    meeting.full_clean()
    meeting.save()
    for invitee in invitees or care_team_invitees(pep):
        _set_history_user(
            Attendee(
                meeting=meeting,
                person=invitee.person,
                name=invitee.name,
                role=invitee.role,
                organisation=invitee.organisation,
                email=invitee.email,
                phone=invitee.phone,
            ),
            actor,
        ).save()
    teacher_deadline = teacher_sections_deadline(pep, timezone.localtime(starts_at).date())
    due = None if isinstance(teacher_deadline, str) else teacher_deadline.due
    Pep.objects.filter(pk=pep.pk).update(teacher_sections_due_on=due)
    pep.teacher_sections_due_on = due
    MeetingTask.objects.filter(child=pep.child, done_at__isnull=True).update(done_at=timezone.now())
    meeting_arranged.send(sender=Meeting, meeting=meeting, moved_from=moved_from, actor=actor)
    return Arranged(meeting, meeting_warnings(pep, starts_at, teacher_deadline))


def recording_opens_on(meeting: Meeting) -> dt.date:
    """A meeting is recorded from the day it is arranged for: what happened cannot be known
    before."""
    return timezone.localtime(meeting.starts_at).date()


def recording_refusal(meeting: Meeting, *, today: dt.date | None = None) -> str | None:
    """Why the meeting cannot be recorded yet (or any more), in the user's words; None when it
    can. The pages ask this before offering "Record the meeting", the service before saving."""
    if meeting.status == MeetingStatus.HELD:
        return "This meeting has already been recorded"
    if meeting.status != MeetingStatus.ARRANGED:
        return "This meeting was cancelled: it cannot be recorded"
    opens = recording_opens_on(meeting)
    if (today or timezone.localdate()) < opens:
        return f"You can record this meeting from {opens:%A %-d %B %Y}, the day it is arranged for"
    return None


@transaction.atomic
def meeting_cancel(*, actor: User, meeting: Meeting) -> Meeting:
    """Call off an arranged meeting without arranging another; the invitees are told."""
    if not user_can(actor, Action.ARRANGE_MEETING, meeting.pep):
        raise PermissionDenied
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if current.status != MeetingStatus.ARRANGED:
        raise ValidationError("Only an arranged meeting can be cancelled")
    current.status = MeetingStatus.CANCELLED
    _set_history_user(current, actor).save()
    RecordDraft.objects.filter(meeting=current).delete()
    meeting_cancelled.send(sender=Meeting, meeting=current, actor=actor)
    return current


@dataclass(frozen=True)
class NewTarget:
    what: str
    measure: str
    support: str
    responsible: str
    due_on: dt.date | None
    cost: Decimal | None = None
    funded_by_pp_plus: bool = False


@dataclass(frozen=True)
class Review:
    target: Target
    outcome: str
    evidence: str


@dataclass(frozen=True)
class NewAction:
    what: str
    owner: str
    due_on: dt.date | None


def targets_to_review(child: Child, *, before: Pep) -> list[Target]:
    """Targets set at earlier PEPs and not yet achieved: the next meeting reviews them."""
    achieved = TargetReview.objects.filter(outcome=Outcome.ACHIEVED).values("target_id")
    return list(
        Target.objects.filter(child=child)
        .exclude(pep=before)
        .exclude(pk__in=achieved)
        .order_by("created_at")
    )


TARGET_NEEDS = {
    "what": "what the target is",
    "measure": "how it will be measured",
    "responsible": "who is responsible",
    "due_on": "the date it is due by",
}


def check_targets(targets: Sequence[NewTarget]) -> None:
    """SMART: each target says what, how it is measured, who and by when. Each problem is
    named by its row and box (`target_2_measure`), so the page shows it beside that box."""
    problems: dict[str, list[str]] = {}
    for n, target in enumerate(targets, start=1):
        for name, label in TARGET_NEEDS.items():
            value = getattr(target, name)
            if not (value.strip() if isinstance(value, str) else value):
                problems[f"target_{n}_{name}"] = [f"Target {n}: enter {label}"]
        if target.funded_by_pp_plus and not target.cost:
            problems[f"target_{n}_cost"] = [
                f"Target {n}: enter the cost, as Pupil Premium Plus funds it"
            ]
    if problems:
        raise ValidationError(problems)


def check_next_meeting(pep: Pep, held_on: dt.date, next_meeting_on: dt.date | None) -> None:
    """The next meeting falls in the term after the one this meeting was held in."""
    if next_meeting_on is None:
        raise ValidationError({"next_meeting_on": "Enter the date of the next PEP meeting"})
    try:
        rules = rules_for_authority(pep.child.authority)
    except RulesMissing:
        return
    following = deadlines.following_review_term(rules, held_on)
    if following is None:
        return  # held outside every term (August): any later date will do
    if not following.start <= next_meeting_on <= following.end:
        raise ValidationError(
            {
                "next_meeting_on": f"The next meeting must be in the {following.name} term: "
                f"between {following.start:%-d %B} and {following.end:%-d %B %Y}"
            }
        )


def _check_internal_review(pep: Pep, held_on: dt.date, expected_progress: bool | None) -> None:
    """An internal review counts only where the rules allow one, the child is making expected
    progress, and enough formal meetings remain in the year (the deadline engine decides)."""
    try:
        rules = rules_for_authority(pep.child.authority)
    except RulesMissing as missing:
        raise ValidationError(str(missing)) from None
    # An initial PEP's review belongs to the term it is held in.
    held_in = deadlines.term_of(rules, held_on)
    term_code = pep.term if pep.term != Term.INITIAL else (held_in.code if held_in else "")
    formal_so_far = (
        Meeting.objects.filter(
            pep__child=pep.child,
            pep__academic_year=pep.academic_year,
            kind=MeetingKind.FORMAL,
            status=MeetingStatus.HELD,
        )
        .exclude(pep=pep)
        .count()
    )
    refusal = deadlines.internal_review_refusal(
        rules,
        term_code=term_code,
        formal_meetings_this_year=formal_so_far,
        expected_progress=expected_progress,
    )
    authority = pep.child.authority.name
    if refusal == deadlines.InternalReviewRefused.EVERY_TERM_FORMAL:
        raise ValidationError(
            f"{authority}'s rules ask for a formal PEP meeting every term: an internal review "
            "does not count"
        )
    if refusal == deadlines.InternalReviewRefused.NEEDS_EXPECTED_PROGRESS:
        raise ValidationError(
            {
                "expected_progress": "An internal review is only for a child "
                "making expected progress: hold a formal PEP meeting"
            }
        )
    if refusal == deadlines.InternalReviewRefused.MUST_BE_FORMAL:
        raise ValidationError(
            f"{authority} needs {rules.formal_meetings_per_year} formal PEP meetings a year: "
            "this one must be formal"
        )


def check_reviews(pep: Pep, reviews: Sequence[Review]) -> None:
    """Every target still open from earlier PEPs is reviewed, each with outcome and evidence;
    each problem named by the target's boxes (`outcome_<id>`, `evidence_<id>`)."""
    problems: dict[str, list[str]] = {}
    given = {r.target.pk: r for r in reviews}
    for target in targets_to_review(pep.child, before=pep):
        review = given.get(target.pk)
        what = target.what[:60]
        if review is None or review.outcome not in Outcome.values:
            problems[f"outcome_{target.pk}"] = [f"Choose the outcome of “{what}”"]
        if review is None or not review.evidence.strip():
            problems[f"evidence_{target.pk}"] = [f"Enter the evidence for “{what}”"]
    if problems:
        raise ValidationError(problems)


def check_actions(actions: Sequence[NewAction]) -> None:
    """Each action says what, who and by when (`action_2_owner` …)."""
    problems: dict[str, list[str]] = {}
    needs = {"what": "what is to be done", "owner": "who will do it", "due_on": "by when"}
    for n, action in enumerate(actions, start=1):
        for name, label in needs.items():
            value = getattr(action, name)
            if not (value.strip() if isinstance(value, str) else value):
                problems[f"action_{n}_{name}"] = [f"Action {n}: enter {label}"]
    if problems:
        raise ValidationError(problems)


def check_attendance(meeting: Meeting, attendance: dict[int, tuple[bool | None, str]]) -> None:
    """Whether each invitee came is recorded, and why a required one did not (`came_<id>`,
    `reason_<id>`)."""
    problems: dict[str, list[str]] = {}
    for attendee in meeting.attendees.all():
        came, reason = attendance.get(attendee.pk, (None, ""))
        if came is None:
            problems[f"came_{attendee.pk}"] = [f"Say whether {attendee.name} attended"]
        elif not came and attendee.required and not reason.strip():
            problems[f"reason_{attendee.pk}"] = [f"Enter why {attendee.name} was absent"]
    if problems:
        raise ValidationError(problems)


def check_held_on(held_on: dt.date | None, *, today: dt.date | None = None) -> dt.date:
    """The day the meeting was held: given, and not in the future (as pep_record_meeting_held
    will insist; asked here too so the first step of the record says so at once)."""
    if held_on is None:
        raise ValidationError({"held_on": "Enter the date the meeting was held"})
    if held_on > (today or timezone.localdate()):
        raise ValidationError({"held_on": "Enter a date that is today or in the past"})
    return held_on


def _check_record(
    meeting: Meeting,
    *,
    held_on: dt.date | None,
    attendance: dict[int, tuple[bool | None, str]],
    discussion: str,
    reviews: Sequence[Review],
    targets: Sequence[NewTarget],
    actions: Sequence[NewAction],
    next_meeting_on: dt.date | None,
    expected_progress: bool | None,
) -> dt.date:
    """Everything a PEP meeting record must have, refused naming the field; returns the day
    the meeting was held."""
    refusal = recording_refusal(meeting)
    if refusal:
        raise ValidationError(refusal)
    held_on = check_held_on(held_on)
    check_attendance(meeting, attendance)
    if not discussion.strip():
        raise ValidationError({"discussion": "Enter what was discussed"})
    check_targets(targets)
    check_reviews(meeting.pep, reviews)
    check_actions(actions)
    if meeting.kind == MeetingKind.INTERNAL_REVIEW:
        _check_internal_review(meeting.pep, held_on, expected_progress)
    check_next_meeting(meeting.pep, held_on, next_meeting_on)
    return held_on


def _record_attendance(
    meeting: Meeting, attendance: dict[int, tuple[bool | None, str]], actor: User
) -> bool:
    """Who came, and why each absent person did not (checked by check_attendance); returns
    whether someone required was absent."""
    required_absent = False
    for attendee in meeting.attendees.all():
        came, reason = attendance[attendee.pk]
        attendee.attended, attendee.absence_reason = came, ("" if came else reason.strip())
        required_absent |= attendee.required and not came
        _set_history_user(attendee, actor).save()
    return required_absent


def _save_outcomes(
    meeting: Meeting,
    actor: User,
    *,
    reviews: Sequence[Review],
    targets: Sequence[NewTarget],
    actions: Sequence[NewAction],
) -> None:
    """The reviews of earlier targets, the new SMART targets and the actions agreed."""
    pep = meeting.pep
    for review in reviews:
        _set_history_user(
            TargetReview(
                target=review.target,
                meeting=meeting,
                outcome=review.outcome,
                evidence=review.evidence.strip(),
            ),
            actor,
        ).save()
    for target in targets:
        _set_history_user(
            Target(
                child=pep.child,
                pep=pep,
                meeting=meeting,
                what=target.what.strip(),
                measure=target.measure.strip(),
                support=target.support.strip(),
                responsible=target.responsible.strip(),
                due_on=target.due_on,
                cost=target.cost,
                funded_by_pp_plus=target.funded_by_pp_plus,
            ),
            actor,
        ).save()
    for action in actions:
        _set_history_user(
            MeetingAction(
                meeting=meeting,
                what=action.what.strip(),
                owner=action.owner.strip(),
                due_on=action.due_on,
            ),
            actor,
        ).save()


@transaction.atomic
def meeting_record(
    *,
    actor: User,
    meeting: Meeting,
    held_on: dt.date | None,
    attendance: dict[int, tuple[bool | None, str]],
    discussion: str,
    reviews: Sequence[Review] = (),
    targets: Sequence[NewTarget] = (),
    actions: Sequence[NewAction] = (),
    next_meeting_on: dt.date | None = None,
    expected_progress: bool | None = None,
) -> Meeting:
    """Record what happened at the meeting. `attendance` maps each attendee's id to (came,
    reason if not). Refuses, naming the field, anything a PEP meeting record must have."""
    # Who records (the rule set decides whether a designated teacher may) is the permission
    # engine's rule, the same one the pages ask before offering "Record the meeting".
    if not user_can(actor, Action.RECORD_PEP_MEETING, meeting):
        raise PermissionDenied
    held_on = _check_record(
        meeting,
        held_on=held_on,
        attendance=attendance,
        discussion=discussion,
        reviews=reviews,
        targets=targets,
        actions=actions,
        next_meeting_on=next_meeting_on,
        expected_progress=expected_progress,
    )
    meeting.required_absence = _record_attendance(meeting, attendance, actor)
    meeting.held_on = held_on
    meeting.discussion = discussion.strip()
    meeting.expected_progress = expected_progress
    meeting.next_meeting_on = next_meeting_on
    meeting.status = MeetingStatus.HELD
    meeting.recorded_by = actor
    meeting.recorded_at = timezone.now()
    _set_history_user(meeting, actor).save()
    _save_outcomes(meeting, actor, reviews=reviews, targets=targets, actions=actions)
    RecordDraft.objects.filter(meeting=meeting).delete()
    pep_record_meeting_held(actor=actor, pep=meeting.pep, held_on=held_on, meeting=meeting)
    # Next term's PEP may already be set up (the termly set-up runs before the term opens).
    following = _pep_of_next_meeting(meeting)
    if following is not None:
        next_meeting_carry_forward(pep=following)
    if meeting.required_absence:
        # The page then says "The virtual school has been told": this is the telling.
        required_attendee_absent.send(sender=Meeting, meeting=meeting, actor=actor)
    return meeting


def record_draft_save(
    *, actor: User, meeting: Meeting, step: str, answers: dict[str, list[str]]
) -> RecordDraft:
    """Keep one step of the meeting record as typed (checked or not), so nothing is lost
    between steps; the record itself is checked and saved by meeting_record."""
    if not user_can(actor, Action.RECORD_PEP_MEETING, meeting):
        raise PermissionDenied
    with transaction.atomic():
        draft, _ = RecordDraft.objects.select_for_update().get_or_create(
            meeting=meeting, author=actor
        )
        draft.answers = {**draft.answers, step: answers}
        draft.saved_at = timezone.now()
        draft.save(update_fields=["answers", "saved_at"])
    return draft


# --- the next meeting, agreed at this one -----------------------------------------------------

# The date of the next meeting is agreed at a meeting; its time is settled later, so the
# meeting is arranged for the morning of that day and its page says the time is to be confirmed.
NEXT_MEETING_TIME = dt.time(10, 0)
TIME_TO_BE_CONFIRMED = "Date agreed at the last PEP meeting; time to be confirmed"


def _term_windows(child: Child) -> tuple[deadlines.ReviewWindow, ...]:
    try:
        return rules_for_authority(child.authority).review_windows
    except RulesMissing:
        return deadlines.STATUTORY_REVIEW_WINDOWS


def _pep_term_bounds(pep: Pep) -> tuple[dt.date, dt.date] | None:
    window = next((w for w in _term_windows(pep.child) if w.code == pep.term), None)
    return window.bounds(pep.academic_year) if window is not None else None


def _pep_of_next_meeting(meeting: Meeting) -> Pep | None:
    """The child's termly PEP, already set up, whose term the agreed next meeting falls in."""
    day = meeting.next_meeting_on
    if day is None:
        return None
    for pep in Pep.objects.filter(child_id=meeting.pep.child_id).exclude(term=Term.INITIAL):
        bounds = _pep_term_bounds(pep)
        if pep.pk != meeting.pep_id and bounds and bounds[0] <= day <= bounds[1]:
            return pep
    return None


def next_meetings_carry_forward(*, peps: Sequence[Pep]) -> list[Meeting]:
    """next_meeting_carry_forward for a batch of new termly PEPs (the termly set-up): one query
    finds the children whose last meetings agreed a date on or after the year began, and only
    their PEPs are looked at one by one."""
    if not peps:
        return []
    year_starts = dt.date(min(p.academic_year for p in peps), 8, 1)
    agreed = set(
        Meeting.objects.filter(
            pep__child_id__in=[p.child_id for p in peps],
            status=MeetingStatus.HELD,
            next_meeting_on__gte=year_starts,
        ).values_list("pep__child_id", flat=True)
    )
    arranged = (next_meeting_carry_forward(pep=p) for p in peps if p.child_id in agreed)
    return [m for m in arranged if m is not None]


def next_meeting_carry_forward(*, pep: Pep) -> Meeting | None:
    """When a termly PEP is set up (or the meeting before it is recorded after it was), the
    next-meeting date agreed at the child's last meeting, if it falls in this PEP's term,
    becomes this PEP's arranged meeting: with the care team invited (meeting_arrange), and the
    invitees without an account of the meeting that agreed it, at the same venue as last time,
    arranged in the name of whoever recorded the last meeting (else the child's social
    worker). Nothing when the PEP already has a meeting."""
    bounds = _pep_term_bounds(pep) if pep.term != Term.INITIAL else None
    if bounds is None or pep.meetings.exclude(status=MeetingStatus.CANCELLED).exists():
        return None
    agreed = (
        Meeting.objects.filter(
            pep__child_id=pep.child_id,
            status=MeetingStatus.HELD,
            next_meeting_on__range=bounds,
        )
        .exclude(pep=pep)
        .select_related("recorded_by", "pep__child__social_worker")
        .order_by("-held_on", "-pk")
        .first()
    )
    if agreed is None or agreed.next_meeting_on is None:
        return None
    actor = next(
        (
            person
            for person in (agreed.recorded_by, pep.child.social_worker)
            if person is not None and user_can(person, Action.ARRANGE_MEETING, pep)
        ),
        None,
    )
    if actor is None:
        return None  # nobody who may arrange it is left: the sweep asks for a meeting instead
    starts_at = timezone.make_aware(dt.datetime.combine(agreed.next_meeting_on, NEXT_MEETING_TIME))
    details = agreed.venue_details[:230] if agreed.venue != Venue.ONLINE else ""
    where = f"{details} ({TIME_TO_BE_CONFIRMED})" if details else TIME_TO_BE_CONFIRMED
    # The people without an account who were invited to the meeting that agreed the date
    # (a parent, an agency carer, another professional) are invited again, with the care team.
    others = [
        Invitee(a.name, a.role, None, a.organisation, a.email, a.phone)
        for a in agreed.attendees.filter(person__isnull=True).order_by("pk")
    ]
    return meeting_arrange(
        actor=actor,
        pep=pep,
        starts_at=starts_at,
        venue=agreed.venue,
        venue_details=where,
        online_link=agreed.online_link,
        invitees=[*care_team_invitees(pep), *others],
    ).meeting


@transaction.atomic
def no_school_place_task_raise(*, child: Child, since: dt.datetime | None = None) -> None:
    """Raise the task to meet the virtual school, where the authority's rules ask for one."""
    try:
        rules = rules_for_authority(child.authority)
    except RulesMissing:
        return
    due = deadlines.no_school_place_meeting_due(rules, since=since or timezone.now())
    if due is None:
        return
    if not MeetingTask.objects.filter(
        child=child, reason=NO_SCHOOL_PLACE, done_at__isnull=True
    ).exists():
        MeetingTask.objects.create(child=child, reason=NO_SCHOOL_PLACE, due_at=due)
