"""Every change to a child, their time in care, placements, school places and care team.

Each service checks the actor may act, validates, writes in one transaction (with the actor
recorded in the history), and re-derives who may see the child (`sync_child_access`).
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.roles import Role
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction

from .access import sync_child_access
from .models import (
    CareEpisode,
    Child,
    Delegation,
    Enrolment,
    Placement,
    School,
)
from .school_year import year_group_on
from .selectors import carer_choices, delegate_choices, staff_choices_for
from .signals import (
    child_entered_care,
    delegation_granted,
    placement_changed,
    school_moved,
    school_place_missing,
)
from .upn import normalise_upn, validate_upn


def _save(obj: Any, actor: User) -> None:
    """Save with the actor named in the audit trail, whether or not there is a request."""
    obj._history_user = actor
    obj.full_clean()
    obj.save()


def _require(actor: User, action: Action, child: Child) -> None:
    if not user_can(actor, action, child):
        raise PermissionDenied


def _not_in_future(day: dt.date, what: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({what: "Enter a date that is today or in the past"})


def _check_staff(authority_id: int, person: User | None, role: Role, field: str) -> None:
    if person is None:
        return
    choices = staff_choices_for(child_authority_id=authority_id, role=role)
    if not choices.filter(pk=person.pk).exists():
        raise ValidationError(
            {field: f"Choose an active {role.label.lower()} of the child's authority"}
        )


def _check_carers(carers: Sequence[User]) -> None:
    ids = {c.pk for c in carers}
    if ids and carer_choices().filter(pk__in=ids).count() != len(ids):
        raise ValidationError({"carers": "Choose carers from the list"})


def _check_school(school: School | None) -> None:
    if school is not None and not school.is_open:
        raise ValidationError({"school": f"{school.name} is closed: choose an open school"})


@transaction.atomic
def child_register(
    *,
    actor: User,
    details: dict[str, Any],
    entered_care_on: dt.date,
    emergency_placement: bool,
    legal_status: str,
    placement_type: str,
    placement_started_on: dt.date | None = None,
    setting_name: str = "",
    carers: Sequence[User] = (),
    school: School | None = None,
    enrolled_on: dt.date | None = None,
    social_worker: User | None = None,
    virtual_school_adviser: User | None = None,
    initial_pep: bool = True,
) -> Child:
    """A child enters care: their details, the episode, where they live and their school
    (or none: "no school place"), the staff allocated to them, and their initial PEP.
    `initial_pep=False` only for a record brought onto the portal long after the child entered
    care (the demo's older records; an import), whose termly PEPs follow instead."""
    if not user_can(actor, Action.REGISTER_CHILD):
        raise PermissionDenied
    authority_id = actor.authority_id
    _not_in_future(entered_care_on, "entered_care_on")
    group = year_group_on(details["date_of_birth"], entered_care_on)
    if group.pep_template is None:
        raise ValidationError({"date_of_birth": "PEPs are for children from nursery age (3) to 18"})
    _check_staff(authority_id, social_worker, Role.SOCIAL_WORKER, "social_worker")
    _check_staff(
        authority_id, virtual_school_adviser, Role.VIRTUAL_SCHOOL_STAFF, "virtual_school_adviser"
    )
    _check_carers(carers)
    _check_school(school)
    if details.get("upn"):
        details = {**details, "upn": normalise_upn(details["upn"])}
        validate_upn(details["upn"])

    child = Child(
        authority_id=authority_id,
        social_worker=social_worker,
        virtual_school_adviser=virtual_school_adviser,
        **details,
    )
    _save(child, actor)
    episode = CareEpisode(
        child=child,
        started_on=entered_care_on,
        emergency_placement=emergency_placement,
        legal_status=legal_status,
    )
    _save(episode, actor)
    placement = Placement(
        child=child,
        placement_type=placement_type,
        setting_name=setting_name,
        started_on=placement_started_on or entered_care_on,
    )
    _save(placement, actor)
    placement.carers.set(carers)
    if school is not None:
        _save(
            Enrolment(child=child, school=school, started_on=enrolled_on or entered_care_on), actor
        )
    sync_child_access([child.pk])
    if school is None:
        _raise_no_school_place_task(child)
    if initial_pep:
        # peps sets up the initial PEP, due by the authority's rules (peps/receivers.py); the
        # notification centre tells the virtual school.
        child_entered_care.send(sender=Child, child=child, episode=episode, actor=actor)
    return child


@transaction.atomic
def child_update_details(*, actor: User, child: Child, details: dict[str, Any]) -> Child:
    _require(actor, Action.CHANGE_CHILD, child)
    if details.get("upn"):
        details = {**details, "upn": normalise_upn(details["upn"])}
        validate_upn(details["upn"])
    for field, value in details.items():
        setattr(child, field, value)
    _save(child, actor)
    return child


@transaction.atomic
def care_team_allocate(
    *,
    actor: User,
    child: Child,
    social_worker: User | None,
    virtual_school_adviser: User | None,
    independent_reviewing_officer: User | None,
) -> Child:
    """Allocate staff. Whoever is replaced loses access to the child at once."""
    _require(actor, Action.CHANGE_CHILD, child)
    _check_staff(child.authority_id, social_worker, Role.SOCIAL_WORKER, "social_worker")
    _check_staff(
        child.authority_id,
        virtual_school_adviser,
        Role.VIRTUAL_SCHOOL_STAFF,
        "virtual_school_adviser",
    )
    _check_staff(
        child.authority_id,
        independent_reviewing_officer,
        Role.INDEPENDENT_REVIEWING_OFFICER,
        "independent_reviewing_officer",
    )
    child.social_worker = social_worker
    child.virtual_school_adviser = virtual_school_adviser
    child.independent_reviewing_officer = independent_reviewing_officer
    _save(child, actor)
    sync_child_access([child.pk])
    return child


def _end_current(current: Placement | Enrolment | None, new_start: dt.date, actor: User) -> None:
    if current is None:
        return
    if new_start < current.started_on:
        raise ValidationError(
            {
                "started_on": f"Enter a date on or after {current.started_on:%d %B %Y}, "
                "when the current one started"
            }
        )
    # The old one's last day is the day before the new one starts (or the same day, if both
    # start together after a correction).
    current.ended_on = max(current.started_on, new_start - dt.timedelta(days=1))
    _save(current, actor)


@transaction.atomic
def placement_change(
    *,
    actor: User,
    child: Child,
    placement_type: str,
    started_on: dt.date,
    setting_name: str = "",
    carers: Sequence[User] = (),
) -> Placement:
    """The child moves home: the current placement ends, the new carers gain access and the
    previous carers lose it."""
    _require(actor, Action.CHANGE_CHILD, child)
    _not_in_future(started_on, "started_on")
    _check_carers(carers)
    current = Placement.objects.select_for_update().filter(child=child, ended_on__isnull=True)
    _end_current(current.first(), started_on, actor)
    placement = Placement(
        child=child, placement_type=placement_type, setting_name=setting_name, started_on=started_on
    )
    _save(placement, actor)
    placement.carers.set(carers)
    sync_child_access([child.pk])
    placement_changed.send(sender=Child, child=child, placement=placement, actor=actor)
    return placement


@transaction.atomic
def school_move(
    *, actor: User, child: Child, school: School | None, started_on: dt.date
) -> Enrolment | None:
    """The child changes school, or loses their place (`school=None`: "no school place").
    The previous school's staff lose access from the move on; their delegations lapse."""
    _require(actor, Action.CHANGE_CHILD, child)
    _not_in_future(started_on, "started_on")
    _check_school(school)
    current = Enrolment.objects.select_for_update().filter(child=child, ended_on__isnull=True)
    current_enrolment = current.first()
    if current_enrolment is not None and school is not None and current_enrolment.school == school:
        raise ValidationError({"school": f"{child.display_name} is already at {school.name}"})
    _end_current(current_enrolment, started_on, actor)
    if current_enrolment is not None:
        for delegation in Delegation.objects.filter(
            child=child, school=current_enrolment.school, revoked_at__isnull=True
        ):
            delegation.revoked_at = timezone.now()
            _save(delegation, actor)
    enrolment = None
    if school is not None:
        enrolment = Enrolment(child=child, school=school, started_on=started_on)
        _save(enrolment, actor)
    sync_child_access([child.pk])
    if school is None:
        _raise_no_school_place_task(child)
    # peps applies the school-change rule, the previous school's read-only window and the
    # handover of its unfinished sections (peps/receivers.py); the notification centre tells the
    # receiving designated teacher and the virtual school.
    school_moved.send(
        sender=Child,
        child=child,
        previous=current_enrolment,
        enrolment=enrolment,
        moved_on=started_on,
        actor=actor,
    )
    return enrolment


@transaction.atomic
def delegation_grant(*, actor: User, child: Child, delegate: User) -> Delegation:
    """A designated teacher lets a colleague at their school work on this child's PEPs."""
    _require(actor, Action.DELEGATE_CHILD, child)
    if not delegate_choices(school_id=actor.school_id).filter(pk=delegate.pk).exists():
        raise ValidationError({"delegate": "Choose a colleague at your school"})
    if Delegation.objects.filter(child=child, delegate=delegate, revoked_at__isnull=True).exists():
        raise ValidationError({"delegate": f"{delegate.full_name} already has this child"})
    delegation = Delegation(
        child=child, school_id=actor.school_id, delegate=delegate, delegated_by=actor
    )
    _save(delegation, actor)
    sync_child_access([child.pk])
    delegation_granted.send(sender=Child, delegation=delegation, actor=actor)
    return delegation


@transaction.atomic
def delegation_revoke(*, actor: User, delegation: Delegation) -> None:
    _require(actor, Action.DELEGATE_CHILD, delegation.child)
    if delegation.school_id != actor.school_id:
        raise PermissionDenied
    delegation.revoked_at = timezone.now()
    _save(delegation, actor)
    sync_child_access([delegation.child_id])


@transaction.atomic
def care_episode_end(*, actor: User, child: Child, ended_on: dt.date, reason: str) -> CareEpisode:
    """The child leaves care. The record stays (retained to their 75th birthday)."""
    _require(actor, Action.CHANGE_CHILD, child)
    _not_in_future(ended_on, "ended_on")
    episode = (
        CareEpisode.objects.select_for_update().filter(child=child, ended_on__isnull=True).first()
    )
    if episode is None:
        raise ValidationError({"ended_on": "This child is not in care"})
    if not reason.strip():
        raise ValidationError({"end_reason": "Enter why the child left care"})
    episode.ended_on = ended_on
    episode.end_reason = reason.strip()
    _save(episode, actor)
    return episode


@transaction.atomic
def care_episode_start(
    *,
    actor: User,
    child: Child,
    entered_care_on: dt.date,
    emergency_placement: bool,
    legal_status: str,
) -> CareEpisode:
    """A child who left care comes back into care: a new episode (the old one stays on the
    record), and, like a first entry, an initial PEP (peps/receivers.py)."""
    _require(actor, Action.CHANGE_CHILD, child)
    _not_in_future(entered_care_on, "entered_care_on")
    episodes = CareEpisode.objects.select_for_update().filter(child=child)
    if episodes.filter(ended_on__isnull=True).exists():
        raise ValidationError({"entered_care_on": "This child is already in care"})
    last_ended = max((e.ended_on for e in episodes if e.ended_on), default=None)
    if last_ended is not None and entered_care_on <= last_ended:
        raise ValidationError(
            {
                "entered_care_on": f"Enter a date after {last_ended:%d %B %Y}, when the child "
                "last left care"
            }
        )
    episode = CareEpisode(
        child=child,
        started_on=entered_care_on,
        emergency_placement=emergency_placement,
        legal_status=legal_status,
    )
    _save(episode, actor)
    child_entered_care.send(sender=Child, child=child, episode=episode, actor=actor)
    return episode


def _raise_no_school_place_task(child: Child) -> None:
    # Medway: a child without a school place meets the virtual school within 24 hours; meetings
    # decides from the authority's rules (meetings/receivers.py).
    school_place_missing.send(sender=Child, child=child)


def child_record_viewed(
    *, viewer: User, child: Child, page: str, request: HttpRequest | None = None
) -> None:
    """Log that someone opened a child's record in the audit log (the child's audit trail and
    the authority's audit search show every view)."""
    audit.record(
        viewer,
        AuditAction.CHILD_RECORD_OPENED,
        child,
        child=child,
        request=request,
        detail={"page": page},
    )
