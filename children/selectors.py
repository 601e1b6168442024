"""Reads about children, always scoped to the user asking (pep_portal.accounts.permissions)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, scope_queryset, user_can
from pep_portal.accounts.roles import Role
from pep_portal.audit.models import AuditAction, AuditEvent

from .models import (
    CareEpisode,
    Child,
    Delegation,
    Enrolment,
    Placement,
    School,
    TeacherApproval,
)
from .school_year import PepTemplate, birth_dates_for_template


def _current_enrolments() -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(ended_on__isnull=True)


def current_school_ids(child_ids: Iterable[int]) -> dict[int, int]:
    """Each child's current school, for the children who have a school place."""
    return dict(
        _current_enrolments().filter(child_id__in=child_ids).values_list("child_id", "school_id")
    )


def _approved_at(
    schools: Iterable[int], *, open_accounts_only: bool = True
) -> dict[tuple[int, int], set[int]]:
    """The designated teachers each authority approves at each of these schools:
    {(school, authority): teachers}, in one query."""
    approved: dict[tuple[int, int], set[int]] = defaultdict(set)
    rows = TeacherApproval.objects.filter(
        withdrawn_at__isnull=True,
        school_id__in=set(schools),
        # An approval is for the teacher at that school: it ends when they move school.
        teacher__school_id=F("school_id"),
        teacher__role=Role.DESIGNATED_TEACHER,
    )
    if open_accounts_only:
        rows = rows.filter(teacher__is_active=True)
    rows = rows.values_list("school_id", "authority_id", "teacher_id")
    for school_id, authority_id, teacher_id in rows:
        approved[(school_id, authority_id)].add(teacher_id)
    return approved


def designated_teachers_by_child(school_of: dict[int, int]) -> dict[int, set[int]]:
    """The designated teachers of each child's current school (`current_school_ids`) whom the
    child's authority has approved for that school, in two queries however many children."""
    authority_of = dict(Child.objects.filter(pk__in=school_of).values_list("pk", "authority_id"))
    approved = _approved_at(school_of.values())
    return {
        child_id: set(approved.get((school_id, authority_of[child_id]), ()))
        for child_id, school_id in school_of.items()
    }


def care_team_user_ids(child_ids: Iterable[int]) -> dict[int, set[int]]:
    """Who is in each child's care team, from the facts alone, in six queries however many
    children: allocated staff, the designated teachers of the current school whom the child's
    authority approved there, current carers, and colleagues such a teacher delegated the
    child to."""
    child_ids = list(child_ids)
    team: dict[int, set[int]] = {child_id: set() for child_id in child_ids}
    allocated = Child.objects.filter(pk__in=child_ids).values_list(
        "pk",
        "authority_id",
        "social_worker_id",
        "virtual_school_adviser_id",
        "independent_reviewing_officer_id",
    )
    authority_of: dict[int, int] = {}
    for child_id, authority_id, *staff in allocated:
        authority_of[child_id] = authority_id
        team[child_id].update(user_id for user_id in staff if user_id)

    school_of = current_school_ids(child_ids)
    # Closed accounts included: a delegation outlives its teacher's account, and closed
    # accounts leave the team below anyway.
    approved = _approved_at(school_of.values(), open_accounts_only=False)
    for child_id, school_id in school_of.items():
        team[child_id] |= approved.get((school_id, authority_of[child_id]), set())

    carers = Placement.carers.through.objects.filter(
        placement__child_id__in=child_ids, placement__ended_on__isnull=True
    ).values_list("placement__child_id", "user_id")
    for child_id, user_id in carers:
        team[child_id].add(user_id)

    # A delegation lapses by itself when the child leaves the school that made it, and is
    # suspended while the child's authority does not approve the teacher who made it.
    delegations = Delegation.objects.filter(
        child_id__in=child_ids, revoked_at__isnull=True, delegate__is_active=True
    ).values_list("child_id", "school_id", "delegate_id", "delegated_by_id")
    for child_id, school_id, user_id, teacher_id in delegations:
        if school_of.get(child_id) != school_id:
            continue
        if teacher_id in approved.get((school_id, authority_of[child_id]), ()):
            team[child_id].add(user_id)

    # A closed account belongs to no care team.
    everyone = set().union(*team.values())
    active = set(User.objects.filter(pk__in=everyone, is_active=True).values_list("pk", flat=True))
    return {child_id: members & active for child_id, members in team.items()}


@dataclass(frozen=True)
class ChildFilters:
    search: str = ""
    school: School | None = None
    social_worker: User | None = None
    template: str = ""
    no_school_place: bool = False


def child_list_visible_to(
    *, user: User, filters: ChildFilters | None = None, on: dt.date | None = None
) -> QuerySet[Child]:
    """The children a user may see, with what the list shows, in one query."""
    filters = filters or ChildFilters()
    on = on or timezone.localdate()
    current = _current_enrolments().filter(child=OuterRef("pk"))
    children = (
        scope_queryset(user, Action.VIEW_CHILD, Child.objects.all())
        .select_related("authority", "social_worker")
        .annotate(
            current_school_name=Subquery(current.values("school__name")[:1]),
            current_school_id=Subquery(current.values("school_id")[:1]),
            has_school_place=Exists(current),
        )
    )
    if filters.search.strip():
        term = filters.search.strip()
        children = children.filter(
            Q(legal_first_name__icontains=term)
            | Q(legal_last_name__icontains=term)
            | Q(preferred_name__icontains=term)
            | Q(upn__iexact=term)
            | Q(social_care_id__iexact=term)
        )
    if filters.school is not None:
        children = children.filter(current_school_id=filters.school.pk)
    if filters.social_worker is not None:
        children = children.filter(social_worker=filters.social_worker)
    if filters.template:
        earliest, latest = birth_dates_for_template(PepTemplate(filters.template), on)
        children = children.filter(date_of_birth__range=(earliest, latest))
    if filters.no_school_place:
        children = children.filter(has_school_place=False)
    return children.order_by("legal_last_name", "legal_first_name", "pk")


def child_get_for_user(*, user: User, pk: int, action: Action = Action.VIEW_CHILD) -> Child:
    """The child with this id: 404 when the user may not see it (nothing leaks, not even
    whether it exists), 403 when they may see it but not do `action`."""
    child = (
        scope_queryset(user, Action.VIEW_CHILD, Child.objects.all())
        .select_related(
            "authority", "social_worker", "virtual_school_adviser", "independent_reviewing_officer"
        )
        .filter(pk=pk)
        .first()
    )
    if child is None:
        raise Http404("No such child.")
    if action != Action.VIEW_CHILD and not user_can(user, action, child):
        raise PermissionDenied
    return child


@dataclass(frozen=True)
class CareTeamMember:
    role: str
    person: User


@dataclass
class ChildRecord:
    child: Child
    episodes: list[CareEpisode]
    placements: list[Placement]
    enrolments: list[Enrolment]
    care_team: list[CareTeamMember]
    delegations: list[Delegation]
    # Designated teachers of the current school whom the child's authority has not approved:
    # they do not see the child (the virtual school may approve them).
    teachers_not_approved: list[User]

    @property
    def current_episode(self) -> CareEpisode | None:
        return next((e for e in self.episodes if e.ended_on is None), None)

    @property
    def current_placement(self) -> Placement | None:
        return next((p for p in self.placements if p.ended_on is None), None)

    @property
    def current_enrolment(self) -> Enrolment | None:
        return next((e for e in self.enrolments if e.ended_on is None), None)

    @property
    def has_school_place(self) -> bool:
        return self.current_enrolment is not None


def child_record(*, child: Child) -> ChildRecord:
    """Everything the child's record page shows, in a fixed number of queries."""
    episodes = list(child.episodes.all())
    placements = list(
        child.placements.prefetch_related(Prefetch("carers", queryset=User.objects.order_by("pk")))
    )
    enrolments = list(child.enrolments.select_related("school"))
    delegations = list(
        child.delegations.filter(revoked_at__isnull=True).select_related("delegate", "school")
    )
    current_school = next((e.school for e in enrolments if e.ended_on is None), None)
    current_placement = next((p for p in placements if p.ended_on is None), None)

    team: list[CareTeamMember] = []
    allocated = (
        ("Social worker", child.social_worker),
        ("Virtual school adviser", child.virtual_school_adviser),
        ("Independent reviewing officer", child.independent_reviewing_officer),
    )
    team += [CareTeamMember(label, person) for label, person in allocated if person]
    not_approved: list[User] = []
    if current_school is not None:
        approval = TeacherApproval.objects.filter(
            authority_id=child.authority_id,
            school=current_school,
            teacher=OuterRef("pk"),
            withdrawn_at__isnull=True,
        )
        teachers = (
            User.objects.filter(role=Role.DESIGNATED_TEACHER, school=current_school)
            .annotate(approved=Exists(approval))
            .select_related("school")
        )
        approved_ids = set()
        for teacher in teachers:
            if teacher.approved:
                approved_ids.add(teacher.pk)
            if teacher.is_active and teacher.approved:
                team.append(CareTeamMember("Designated teacher", teacher))
            elif teacher.is_active:
                not_approved.append(teacher)
        team += [
            CareTeamMember("Delegated school staff", d.delegate)
            for d in delegations
            if d.school_id == current_school.pk
            and d.delegate.is_active
            and d.delegated_by_id in approved_ids
        ]
    if current_placement is not None:
        team += [
            CareTeamMember(carer.role_label, carer) for carer in current_placement.carers.all()
        ]
    return ChildRecord(child, episodes, placements, enrolments, team, delegations, not_approved)


@dataclass(frozen=True)
class AuditEntry:
    when: dt.datetime
    who: str
    what: str
    changes: list[str]


def _history_entries(records: Iterable[object], label: str) -> list[AuditEntry]:
    entries = []
    for record in records:
        kind = {"+": "created", "~": "changed", "-": "deleted"}[record.history_type]
        changes: list[str] = []
        previous = record.prev_record
        if record.history_type == "~" and previous is not None:
            delta = record.diff_against(previous)
            changes = [
                f"{change.field.replace('_', ' ')}: “{change.old}” → “{change.new}”"
                for change in delta.changes
            ]
        who = record.history_user.full_name if record.history_user else "System"
        entries.append(AuditEntry(record.history_date, who, f"{label} {kind}", changes))
    return entries


def _what(event: AuditEvent) -> str:
    page = event.detail.get("page") if isinstance(event.detail, dict) else None
    if event.action == AuditAction.CHILD_RECORD_OPENED and page:
        return f"Viewed {page}"
    return event.get_action_display()


def child_audit_trail(*, child: Child, limit: int = 500) -> list[AuditEntry]:
    """Every change to the child and their episodes, placements, school places and
    delegations, and every audited read of them (record opened, PEP opened, a download),
    newest first."""
    histories = [
        (child.history.select_related("history_user"), "Child's details"),
        (
            CareEpisode.history.filter(child_id=child.pk).select_related("history_user"),
            "Care episode",
        ),
        (Placement.history.filter(child_id=child.pk).select_related("history_user"), "Placement"),
        (
            Enrolment.history.filter(child_id=child.pk).select_related("history_user"),
            "School place",
        ),
        (Delegation.history.filter(child_id=child.pk).select_related("history_user"), "Delegation"),
    ]
    changes = chain.from_iterable(_history_entries(qs[:limit], label) for qs, label in histories)
    views = (
        AuditEntry(e.occurred_at, e.actor.full_name if e.actor else e.actor_label, _what(e), [])
        for e in AuditEvent.objects.filter(child_id=child.pk).select_related("actor")[:limit]
    )
    return sorted(chain(changes, views), key=lambda e: e.when, reverse=True)[:limit]


def staff_choices_for(*, child_authority_id: int, role: Role) -> QuerySet[User]:
    """Active staff of the child's authority who can be allocated in `role`."""
    return User.objects.filter(authority_id=child_authority_id, role=role, is_active=True).order_by(
        "full_name"
    )
