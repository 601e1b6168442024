"""Events that reach people: when something happens to a child's PEP, meeting, school, home or
Pupil Premium Plus, the people who must act on it or know are told, in the notification centre
and by e-mail as each prefers (at once or in the daily summary).

The layers below announce the events (their signals.py); receivers.py passes each here. Who is
told is decided in this module alone. Each notification is keyed by the event (the meeting, the
return, the decision…) and the person, so an event is told once however often it is passed on,
and never to the person who made the change: they know. The message, shown only in the portal,
may name the child; the e-mail says only what kind of thing happened and links to the portal,
and a meeting's e-mail carries a calendar entry with its time and a link, never a name.
Invitees without an account (recorded by hand with their e-mail) cannot sign in: they are
e-mailed the time, the place, the organiser's contact details and a meeting reference, with a
calendar entry of the same, and still never the child's name (services.invitee_email_send).
"""

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from children.access import Seat, care_teams
from children.models import CareEpisode, Child, Delegation, Enrolment, Placement
from meetings.models import Meeting, MeetingStatus
from outcomes.models import AlertKind, OutcomeAlert
from pep_portal.accounts.models import User
from pep_portal.accounts.roles import Role
from peps.models import Pep, PepEvent
from pupil_premium.models import PpRequest

from .models import Kind, Stage
from .services import Due, invitees_without_accounts_tell, notify


def _seats(child_id: int) -> dict[Seat, set[int]]:
    """The child's care team by seat (closed accounts belong to none)."""
    seats: dict[Seat, set[int]] = {}
    for member in care_teams([child_id])[child_id]:
        seats.setdefault(member.seat, set()).add(member.user_id)
    return seats


def _team(child_id: int, *wanted: Seat) -> set[int]:
    seats = _seats(child_id)
    return set().union(*(seats.get(seat, set()) for seat in wanted))


def _virtual_school(child: Child) -> set[int]:
    """The child's virtual school adviser; where none is allocated, the authority's virtual
    school staff, so that the virtual school is always told."""
    adviser = _team(child.pk, Seat.VIRTUAL_SCHOOL_ADVISER)
    if adviser:
        return adviser
    return set(
        User.objects.filter(
            authority_id=child.authority_id, role=Role.VIRTUAL_SCHOOL_STAFF, is_active=True
        ).values_list("pk", flat=True)
    )


def _tell(
    people: Iterable[int | None],
    actor: User | None,
    *,
    kind: str,
    item: str,
    message: str,
    url: str,
    child: Child,
    meeting: Meeting | None = None,
    calendar_uid: str = "",
) -> None:
    """Tell each person once (the key names the event and the person), except the actor."""
    skip = {actor.pk} if actor is not None else set()
    recipients = sorted({pk for pk in people if pk is not None} - skip)
    notify(
        Due(
            person,
            kind,
            Stage.REMINDER,
            item,
            None,
            message,
            url,
            child.pk,
            meeting.pk if meeting is not None else None,
            calendar_uid,
        )
        for person in recipients
    )


# --- meetings ---------------------------------------------------------------------------------


def _invitees(meeting: Meeting) -> set[int]:
    """The invitees who have an account that is open."""
    return set(
        User.objects.filter(
            pk__in=meeting.attendees.filter(person__isnull=False).values("person_id"),
            is_active=True,
        ).values_list("pk", flat=True)
    )


def _without_accounts(meeting: Meeting) -> set[str]:
    """The e-mail addresses of the invitees without an account (recorded by hand)."""
    return {
        email.strip().lower()
        for email in meeting.attendees.filter(person__isnull=True).values_list("email", flat=True)
        if email.strip()
    }


def calendar_uid(meeting: Meeting) -> str:
    """One calendar entry per PEP meeting: arranging it again (a move) or cancelling it updates
    the same entry; a meeting arranged after one was held is a new entry."""
    held = Meeting.objects.filter(pep_id=meeting.pep_id, status=MeetingStatus.HELD).count()
    host = urlsplit(settings.PORTAL_BASE_URL).hostname or "pep-portal"
    return f"pep{meeting.pep_id}-meeting{held}@{host}"


def _when(meeting: Meeting) -> str:
    return f"{timezone.localtime(meeting.starts_at):%A %-d %B %Y at %H:%M}"


def meeting_arranged(*, meeting: Meeting, moved_from: Meeting | None, actor: User) -> None:
    """Every invitee is sent the meeting (or its new time); anyone invited to the meeting it
    replaces but not to this one is told that one is cancelled."""
    pep = meeting.pep
    child = pep.child
    uid = calendar_uid(meeting)
    url = reverse("meeting_detail", args=[meeting.pk])
    invited = _invitees(meeting)
    kind = Kind.MEETING_MOVED if moved_from is not None else Kind.MEETING_ARRANGED
    what = "moved to" if moved_from is not None else "arranged for"
    _tell(
        invited,
        actor,
        kind=kind,
        item=f"meeting{meeting.pk}",
        message=f"{child.display_name}: the {pep.title} meeting is {what} {_when(meeting)}",
        url=url,
        child=child,
        meeting=meeting,
        calendar_uid=uid,
    )
    # Invitees without an account are e-mailed the time, place, organiser and reference (no
    # link, no name): "moved" only to those invited to the meeting it replaces.
    guests, guests_before = _without_accounts(meeting), set()
    if moved_from is not None:
        guests_before = _without_accounts(moved_from)
        invitees_without_accounts_tell(
            meeting=meeting,
            kind=Kind.MEETING_MOVED,
            calendar_uid=uid,
            organiser=actor,
            emails=guests & guests_before,
        )
    invitees_without_accounts_tell(
        meeting=meeting,
        kind=Kind.MEETING_ARRANGED,
        calendar_uid=uid,
        organiser=actor,
        emails=guests - guests_before,
    )
    if moved_from is not None:
        invitees_without_accounts_tell(
            meeting=moved_from,
            kind=Kind.MEETING_CANCELLED,
            calendar_uid=uid,
            organiser=actor,
            emails=guests_before - guests,
        )
        _tell(
            _invitees(moved_from) - invited,
            actor,
            kind=Kind.MEETING_CANCELLED,
            item=f"meeting{moved_from.pk}",
            message=f"{child.display_name}: the {pep.title} meeting on {_when(moved_from)} "
            "is cancelled; you are not invited to the new one",
            url=reverse("pep_detail", args=[pep.pk]),
            child=child,
            meeting=moved_from,
            calendar_uid=uid,
        )


def meeting_cancelled(*, meeting: Meeting, actor: User) -> None:
    pep = meeting.pep
    uid = calendar_uid(meeting)
    invitees_without_accounts_tell(
        meeting=meeting,
        kind=Kind.MEETING_CANCELLED,
        calendar_uid=uid,
        organiser=actor,
        emails=_without_accounts(meeting),
    )
    _tell(
        _invitees(meeting),
        actor,
        kind=Kind.MEETING_CANCELLED,
        item=f"meeting{meeting.pk}",
        message=f"{pep.child.display_name}: the {pep.title} meeting on {_when(meeting)} "
        "is cancelled",
        url=reverse("pep_detail", args=[pep.pk]),
        child=pep.child,
        meeting=meeting,
        calendar_uid=uid,
    )


def required_attendee_absent(*, meeting: Meeting, actor: User) -> None:
    """The virtual school follows up an absence of someone required (the meeting page says it
    has been told)."""
    pep = meeting.pep
    absent = ", ".join(
        a.get_role_display().lower() for a in meeting.attendees.filter(attended=False) if a.required
    )
    _tell(
        _virtual_school(pep.child),
        actor,
        kind=Kind.REQUIRED_ABSENCE,
        item=f"meeting{meeting.pk}",
        message=f"{pep.child.display_name}: the {pep.title} meeting was held without the {absent}",
        url=reverse("meeting_detail", args=[meeting.pk]),
        child=pep.child,
    )


# --- PEPs, quality assurance and Pupil Premium Plus -------------------------------------------


def pep_returned(*, pep: Pep, actor: User, event: PepEvent) -> None:
    """The social worker resubmits and the school puts its sections right: both are told, with
    the reason; the feedback is on the PEP's page."""
    child = pep.child
    _tell(
        _team(child.pk, Seat.SOCIAL_WORKER, Seat.DESIGNATED_TEACHER, Seat.DELEGATED_SCHOOL_STAFF),
        actor,
        kind=Kind.PEP_RETURNED,
        item=f"pep{pep.pk}e{event.pk}",
        message=f"{child.display_name}: the {pep.title} was returned for changes: {event.reason}"[
            :300
        ],
        url=reverse("pep_detail", args=[pep.pk]),
        child=child,
    )


def pep_signed_off(*, pep: Pep, actor: User) -> None:
    """Those who wrote it, and the reviewing officer who reads it at the care review."""
    child = pep.child
    _tell(
        _team(
            child.pk,
            Seat.SOCIAL_WORKER,
            Seat.DESIGNATED_TEACHER,
            Seat.DELEGATED_SCHOOL_STAFF,
            Seat.INDEPENDENT_REVIEWING_OFFICER,
        ),
        actor,
        kind=Kind.PEP_SIGNED_OFF,
        item=f"pep{pep.pk}",
        message=f"{child.display_name}: the {pep.title} has been signed off",
        url=reverse("pep_detail", args=[pep.pk]),
        child=child,
    )


def pp_request_decided(*, request: PpRequest, actor: User) -> None:
    """The designated teacher spends it and the social worker plans with it; whoever raised
    the request is told too."""
    child = request.child
    _tell(
        _team(child.pk, Seat.DESIGNATED_TEACHER, Seat.SOCIAL_WORKER) | {request.requested_by_id},
        actor,
        kind=Kind.PP_DECIDED,
        item=f"pp{request.pk}",
        message=f"{child.display_name}: the Pupil Premium Plus request for £{request.amount} "
        f"is {request.get_status_display().lower()}",
        url=reverse("pep_detail", args=[request.pep_id]),
        child=child,
    )


# --- the child's care, school and home -------------------------------------------------------


def child_entered_care(*, child: Child, episode: CareEpisode, actor: User) -> None:
    """An initial PEP is needed: the virtual school, the social worker and the school's
    designated teacher act on it. Told once per time in care (a child may come back)."""
    _tell(
        _virtual_school(child) | _team(child.pk, Seat.SOCIAL_WORKER, Seat.DESIGNATED_TEACHER),
        actor,
        kind=Kind.NEW_TO_CARE,
        item=f"episode{episode.pk}",
        message=f"{child.display_name} is new to care: an initial PEP is needed",
        url=reverse("child_detail", args=[child.pk]),
        child=child,
    )


def school_changed(
    *, child: Child, previous: Enrolment | None, enrolment: Enrolment | None, actor: User
) -> None:
    """The receiving designated teacher takes the child on; the virtual school and the social
    worker follow the move (or find a school place)."""
    if enrolment is not None:
        item = f"enrolment{enrolment.pk}"
        message = f"{child.display_name} has moved to {enrolment.school.name}"
    else:
        item = f"child{child.pk}noplace{previous.pk if previous else 0}"
        message = f"{child.display_name} has no school place"
    _tell(
        _virtual_school(child) | _team(child.pk, Seat.SOCIAL_WORKER, Seat.DESIGNATED_TEACHER),
        actor,
        kind=Kind.SCHOOL_MOVE,
        item=item,
        message=message,
        url=reverse("child_detail", args=[child.pk]),
        child=child,
    )


def placement_changed(*, child: Child, placement: Placement, actor: User) -> None:
    """The new carers, the school (who to contact has changed), the social worker and the
    virtual school."""
    _tell(
        _virtual_school(child)
        | _team(child.pk, Seat.CARER, Seat.SOCIAL_WORKER, Seat.DESIGNATED_TEACHER),
        actor,
        kind=Kind.PLACEMENT_MOVE,
        item=f"placement{placement.pk}",
        message=f"{child.display_name} has moved home",
        url=reverse("child_detail", args=[child.pk]),
        child=child,
    )


def delegation_granted(*, delegation: Delegation, actor: User) -> None:
    child = delegation.child
    _tell(
        [delegation.delegate_id],
        actor,
        kind=Kind.DELEGATION_GRANTED,
        item=f"delegation{delegation.pk}",
        message=f"{actor.full_name} has asked you to work on {child.display_name}'s PEPs",
        url=reverse("child_detail", args=[child.pk]),
        child=child,
    )


# --- education outcomes ------------------------------------------------------------------------

_OUTCOME_KINDS = {
    AlertKind.EXCLUSION: Kind.EXCLUSION_RECORDED,
    AlertKind.PERSISTENT_ABSENCE: Kind.ABSENCE_UNDER_LINE,
    AlertKind.SEVERE_ABSENCE: Kind.ABSENCE_UNDER_LINE,
    AlertKind.MISSING_EDUCATION: Kind.NO_SETTING,
}
_OUTCOME_MESSAGES = {
    AlertKind.EXCLUSION: "{name}: a suspension or exclusion has been recorded",
    AlertKind.PERSISTENT_ABSENCE: "{name}: attendance is under the persistent absence line",
    AlertKind.SEVERE_ABSENCE: "{name}: attendance is under the severe absence line",
    AlertKind.MISSING_EDUCATION: "{name} has had no school or setting for too long",
}


def outcome_alert(*, alert: OutcomeAlert) -> None:
    """A suspension or exclusion, attendance under the rule set's lines, or no setting for too
    long: the child's virtual school adviser and social worker act on it. Told once per event
    (outcomes.OutcomeAlert is made once; the key here names it too)."""
    child = alert.child
    _tell(
        _virtual_school(child) | _team(child.pk, Seat.SOCIAL_WORKER),
        None,
        kind=_OUTCOME_KINDS[AlertKind(alert.kind)],
        item=f"outcome{alert.pk}",
        message=_OUTCOME_MESSAGES[AlertKind(alert.kind)].format(name=child.display_name),
        url=reverse("child_detail", args=[child.pk]),
        child=child,
    )


def outcome_alerts(*, alert_ids: list[int]) -> int:
    """Many alerts at once (a school's data file), to the same people as `outcome_alert`, in a
    few queries however many: the care teams of every child together, the virtual school staff
    of each authority once. Returns how many notifications were new (each is keyed by the alert
    and the person, so a task run twice tells no one twice)."""
    alerts = list(OutcomeAlert.objects.filter(pk__in=alert_ids).select_related("child"))
    if not alerts:
        return 0
    teams = care_teams({alert.child_id for alert in alerts})
    staff_of: dict[int, set[int]] = {}
    for user_id, authority_id in User.objects.filter(
        authority_id__in={alert.child.authority_id for alert in alerts},
        role=Role.VIRTUAL_SCHOOL_STAFF,
        is_active=True,
    ).values_list("pk", "authority_id"):
        staff_of.setdefault(authority_id, set()).add(user_id)
    dues = []
    for alert in alerts:
        child = alert.child
        team = teams.get(child.pk, [])
        advisers = {m.user_id for m in team if m.seat == Seat.VIRTUAL_SCHOOL_ADVISER}
        social_workers = {m.user_id for m in team if m.seat == Seat.SOCIAL_WORKER}
        kind = AlertKind(alert.kind)
        virtual_school = advisers or staff_of.get(child.authority_id, set())
        for person in sorted(virtual_school | social_workers):
            dues.append(
                Due(
                    person,
                    _OUTCOME_KINDS[kind],
                    Stage.REMINDER,
                    f"outcome{alert.pk}",
                    None,
                    _OUTCOME_MESSAGES[kind].format(name=child.display_name),
                    reverse("child_detail", args=[child.pk]),
                    child.pk,
                )
            )
    return len(notify(dues))
