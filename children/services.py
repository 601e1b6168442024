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
from simple_history.utils import bulk_create_with_history

from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.roles import Role
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction

from . import ssda903_codes
from .access import sync_child_access
from .models import (
    CareEpisode,
    Child,
    Cohort,
    Delegation,
    Enrolment,
    Placement,
    RecordWarning,
    School,
)
from .school_year import year_group_on
from .selectors import CORRECTED_BY_HAND, carer_choices, delegate_choices, staff_choices_for
from .signals import (
    child_entered_care,
    child_left_care,
    delegation_granted,
    placement_changed,
    school_moved,
    school_place_missing,
)
from .upn import normalise_upn, validate_upn


def _save(obj: Any, actor: User | None) -> None:
    """Save with the actor named in the audit trail, whether or not there is a request."""
    obj._history_user = actor
    obj.full_clean()
    obj.save()


def _require(actor: User | None, action: Action, child: Child) -> None:
    # No actor: the case system's import run from the command line (`manage.py import_903`), by
    # whoever runs the portal; every screen passes the signed-in person.
    if actor is not None and not user_can(actor, action, child):
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


def registration_check(
    *,
    authority_id: int,
    details: dict[str, Any],
    entered_care_on: dt.date,
    age_checked_on: dt.date | None = None,
    carers: Sequence[User] = (),
    school: School | None = None,
    social_worker: User | None = None,
    virtual_school_adviser: User | None = None,
) -> dict[str, Any]:
    """What child_register would refuse, asked without saving anything (the check-answers
    page asks it before showing the answers): the details as they will be kept."""
    _not_in_future(entered_care_on, "entered_care_on")
    group = year_group_on(details["date_of_birth"], age_checked_on or entered_care_on)
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
    return details


@transaction.atomic
def child_register(
    *,
    actor: User | None,
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
    school_known: bool = True,
    social_worker: User | None = None,
    virtual_school_adviser: User | None = None,
    authority_id: int | None = None,
    age_checked_on: dt.date | None = None,
    episode_codes: dict[str, str] | None = None,
    placement_codes: dict[str, str] | None = None,
    initial_pep: bool = True,
) -> Child:
    """A child enters care: their details, the episode, where they live and their school
    (or none: "no school place"), the staff allocated to them, and their initial PEP.
    `initial_pep=False` only for a record brought onto the portal long after the child entered
    care (the demo's older records; an import), whose termly PEPs follow instead.

    The case system's import (roll.services) registers children through here too, with no
    actor, the authority it imports for, the SSDA903 codes of the episode and placement, and
    the date the extract describes as the day the child's age is checked on."""
    if actor is not None:
        if not user_can(actor, Action.REGISTER_CHILD):
            raise PermissionDenied
        authority_id = actor.authority_id
    if authority_id is None:
        raise PermissionDenied
    details = registration_check(
        authority_id=authority_id,
        details=details,
        entered_care_on=entered_care_on,
        age_checked_on=age_checked_on,
        carers=carers,
        school=school,
        social_worker=social_worker,
        virtual_school_adviser=virtual_school_adviser,
    )

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
        **(episode_codes or {}),
    )
    _save(episode, actor)
    placement = Placement(
        child=child,
        placement_type=placement_type,
        setting_name=setting_name,
        started_on=placement_started_on or entered_care_on,
        **(placement_codes or {}),
    )
    _save(placement, actor)
    placement.carers.set(carers)
    if school is not None:
        _save(
            Enrolment(child=child, school=school, started_on=enrolled_on or entered_care_on), actor
        )
    sync_child_access([child.pk])
    # An import that does not know the school (an SSDA903 extract never does) is not telling
    # us the child has no school place.
    if school is None and school_known:
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
    actor: User | None,
    child: Child,
    placement_type: str,
    started_on: dt.date,
    setting_name: str = "",
    carers: Sequence[User] = (),
    codes: dict[str, str] | None = None,
    announce: bool = True,
) -> Placement:
    """The child moves home: the current placement ends, the new carers gain access and the
    previous carers lose it. `codes`: the SSDA903 placement codes, from the case system's
    import. `announce=False`: a placement in the past of a child the import brings onto the
    portal, which is not a move anyone is told about (roll.services)."""
    _require(actor, Action.CHANGE_CHILD, child)
    _not_in_future(started_on, "started_on")
    _check_carers(carers)
    current = Placement.objects.select_for_update().filter(child=child, ended_on__isnull=True)
    _end_current(current.first(), started_on, actor)
    placement = Placement(
        child=child,
        placement_type=placement_type,
        setting_name=setting_name,
        started_on=started_on,
        **(codes or {}),
    )
    _save(placement, actor)
    placement.carers.set(carers)
    sync_child_access([child.pk])
    if announce:
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
def care_leave(
    *, actor: User | None, child: Child, left_on: dt.date, reason_code: str
) -> CareEpisode:
    """The child leaves care, for one of the SSDA903 reasons (REC). The episode ends, and with
    it the placement and the school place as the care team knows them, so carers and school
    staff lose access on the day; the record stays for the virtual school (retained to the
    child's 75th birthday). Adoption, special guardianship and child arrangements orders move
    the child to the previously looked-after cohort. Apps above follow `child_left_care` (peps
    closes the open PEPs, so their reminders stop)."""
    _require(actor, Action.CHANGE_CHILD, child)
    _not_in_future(left_on, "left_on")
    if reason_code not in ssda903_codes.REASON_CEASED or reason_code == ssda903_codes.CONTINUES:
        raise ValidationError({"reason": "Choose why the child left care"})
    episode = (
        CareEpisode.objects.select_for_update().filter(child=child, ended_on__isnull=True).first()
    )
    if episode is None:
        raise ValidationError({"left_on": "This child is not in care"})
    if left_on < episode.started_on:
        raise ValidationError(
            {
                "left_on": f"Enter a date on or after {episode.started_on:%d %B %Y}, when "
                "the child entered care"
            }
        )
    episode.ended_on = left_on
    episode.ssda903_reason_ceased = reason_code
    episode.end_reason = ssda903_codes.REASON_CEASED[reason_code]
    _save(episode, actor)
    for spell in (
        *Placement.objects.select_for_update().filter(child=child, ended_on__isnull=True),
        *Enrolment.objects.select_for_update().filter(child=child, ended_on__isnull=True),
    ):
        spell.ended_on = max(left_on, spell.started_on)
        _save(spell, actor)
    for delegation in Delegation.objects.filter(child=child, revoked_at__isnull=True):
        delegation.revoked_at = timezone.now()
        _save(delegation, actor)
    child.cohort = ssda903_codes.cohort_after_leaving(reason_code)
    _save(child, actor)
    sync_child_access([child.pk])
    child_left_care.send(sender=Child, child=child, episode=episode, actor=actor)
    return episode


@transaction.atomic
def care_episode_start(
    *,
    actor: User | None,
    child: Child,
    entered_care_on: dt.date,
    emergency_placement: bool,
    legal_status: str,
    initial_pep: bool = True,
) -> CareEpisode:
    """A child who left care comes back into care: a new episode (the old one stays on the
    record), and, like a first entry, an initial PEP (peps/receivers.py). `initial_pep=False`
    only for an import that finds a return to care long before the extract's date (as for
    child_register)."""
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
    if child.cohort != Cohort.LOOKED_AFTER:
        child.cohort = Cohort.LOOKED_AFTER
        _save(child, actor)
    if initial_pep:
        child_entered_care.send(sender=Child, child=child, episode=episode, actor=actor)
    return episode


# The fields an import may set on a record it already holds ("pure updates", with history).
_IMPORT_FIELDS = {
    Child: {"upn", "social_care_id"},
    CareEpisode: {
        "legal_status",
        "ssda903_legal_status",
        "ssda903_reason_new",
        "ssda903_category_of_need",
        "ssda903_reason_ceased",
        "emergency_placement",
    },
    Placement: {"placement_type", "ssda903_place", "ssda903_provider", "ofsted_urn"},
}


def import_fields_allowed(record: Child | CareEpisode | Placement, values: dict[str, Any]) -> None:
    allowed = _IMPORT_FIELDS[type(record)]
    if set(values) - allowed:
        raise ValueError(f"An import may not set {sorted(set(values) - allowed)}")


def imported_fields_update(
    *, actor: User | None, record: Child | CareEpisode | Placement, values: dict[str, Any]
) -> bool:
    """Set fields the case system's import owns on a record; saved (with history) only if one
    changed. Returns whether anything changed. Entries to care, moves and leaving go through
    their own services, never through here."""
    import_fields_allowed(record, values)
    changed = {name for name, value in values.items() if getattr(record, name) != value}
    if not changed:
        # Nothing to write, so no query at all: a re-import of an unchanged roll costs none
        # per record (not even a savepoint).
        return False
    child = record if isinstance(record, Child) else record.child
    _require(actor, Action.CHANGE_CHILD, child)
    for name in changed:
        setattr(record, name, values[name])
    if isinstance(record, Child) and "upn" in changed:
        validate_upn(record.upn)
    with transaction.atomic():
        _save(record, actor)
    return True


# What a person may correct on a record an import wrote; the history reason names the fields
# (CORRECTED_BY_HAND), and the import keeps them (children.selectors.corrected_fields).
_CORRECTABLE = {
    CareEpisode: (
        "legal_status",
        "emergency_placement",
        "ssda903_legal_status",
        "ssda903_reason_new",
        "ssda903_category_of_need",
    ),
    Placement: ("placement_type", "ssda903_place", "ssda903_provider", "ofsted_urn"),
}


@transaction.atomic
def imported_record_correct(
    *, actor: User, record: CareEpisode | Placement, values: dict[str, Any]
) -> bool:
    """The virtual school corrects, by hand, what an import (or a person) recorded about a time
    in care or a placement: the legal status, emergency or planned, the SSDA903 codes, the
    placement's type, provider and URN. The history row names the fields corrected, and the
    next import keeps them, listing what its extract says instead (roll.services). Returns
    whether anything changed."""
    _require(actor, Action.CHANGE_CHILD, record.child)
    if set(values) - set(_CORRECTABLE[type(record)]):
        raise ValueError(
            f"Not a correctable field: {sorted(set(values) - set(_CORRECTABLE[type(record)]))}"
        )
    changed = sorted(name for name, value in values.items() if getattr(record, name) != value)
    if not changed:
        return False
    for name in changed:
        setattr(record, name, values[name])
    record._change_reason = f"{CORRECTED_BY_HAND}: {' '.join(changed)}"  # type: ignore[union-attr]
    _save(record, actor)
    return True


@transaction.atomic
def record_warnings_raise(*, warnings: Sequence[tuple[int, str, str]], source: str) -> int:
    """Note things on children's records for someone to correct: (child id, field, message).
    A warning already open for the same problem is not repeated. Returns how many are new."""
    wanted = {(child_id, field, message[:300]) for child_id, field, message in warnings}
    if not wanted:
        return 0
    held = set(
        RecordWarning.objects.filter(
            child_id__in={child_id for child_id, _, _ in wanted}, resolved_at__isnull=True
        ).values_list("child_id", "field", "message")
    )
    new = [
        RecordWarning(child_id=child_id, field=field, message=message, source=source)
        for child_id, field, message in sorted(wanted - held)
    ]
    bulk_create_with_history(new, RecordWarning, batch_size=1000, default_change_reason=source)
    return len(new)


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
