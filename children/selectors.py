"""Reads about children, always scoped to the user asking (pep_portal.accounts.permissions)."""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, scope_queryset, user_can
from pep_portal.accounts.roles import Role
from pep_portal.audit.models import AuditAction, AuditEvent

from .access import Seat, care_teams
from .audit_sources import registered_histories
from .models import (
    AdviceRequest,
    CareEpisode,
    Child,
    Cohort,
    Delegation,
    Enrolment,
    Placement,
    School,
    SocialWorkerCount,
    TeacherApproval,
)
from .school_year import PepTemplate, birth_dates_for_template

_URN_TEXT = re.compile(r"[0-9]{6}")
_UKPRN_TEXT = re.compile(r"1[0-9]{7}")
_PORTAL_REFERENCE = re.compile(r"S([0-9]{1,9})")
REFERENCE_HELP = (
    "Enter the URN as 6 digits (for example 990101), a UKPRN as 8 digits starting with 1 (for "
    "example 10012345), or a setting's reference from the settings page (S and its number)"
)


def setting_by_reference(text: str) -> School | str:
    """The setting a person means by a URN, a UKPRN or the portal's reference ("S12"), or
    what is wrong with what they typed (never more than 12 characters of it shown)."""
    text = text.strip().upper()
    if _URN_TEXT.fullmatch(text):
        school = School.objects.filter(urn=int(text)).first()
        return school or (
            "No school or setting has that URN: check it, or add the setting on the settings page"
        )
    if _UKPRN_TEXT.fullmatch(text):
        found = list(School.objects.filter(ukprn=text).order_by("-is_open", "pk")[:2])
        if not found:
            return "No setting has that UKPRN: check it, or add the setting on the settings page"
        if len(found) > 1:
            return "More than one setting has that UKPRN: enter its URN or reference instead"
        return found[0]
    match = _PORTAL_REFERENCE.fullmatch(text)
    if match:
        school = School.objects.filter(pk=int(match.group(1))).first()
        return school or "No setting has that reference: check it on the settings page"
    return REFERENCE_HELP


def _current_enrolments() -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(ended_on__isnull=True)


def school_sections_at_setting(child_ref: str = "child_id") -> Exists:
    """For annotating rows that name a child (`child_ref`): whether someone at the child's
    current setting does the school's sections of the PEP (a designated teacher, or the
    setting's named contact with a designated teacher's account). Without a setting, or at a
    setting without one (home education, EOTAS, NEET, an employer…), the social worker owns
    those sections, as with no school place. The one home of that rule (peps, dashboards)."""
    return Exists(
        _current_enrolments().filter(child=OuterRef(child_ref), school__has_designated_teacher=True)
    )


def school_sections_at_setting_of(child: Child) -> bool:
    return _current_enrolments().filter(child=child, school__has_designated_teacher=True).exists()


def designated_teachers_by_child(child_ids: Iterable[int]) -> dict[int, set[int]]:
    """The designated teachers in each child's care team (of the current school, approved by
    the child's authority there, account open), from the one derivation of the care team."""
    return {
        child_id: {m.user_id for m in members if m.seat == Seat.DESIGNATED_TEACHER}
        for child_id, members in care_teams(child_ids, only=[Seat.DESIGNATED_TEACHER]).items()
    }


@dataclass(frozen=True)
class ChildFilters:
    search: str = ""
    school: School | None = None
    social_worker: str = ""  # part of their name, or their e-mail address
    template: str = ""
    no_school_place: bool = False


def _children_listed(*, user: User, filters: ChildFilters, on: dt.date) -> QuerySet[Child]:
    """The children a user may see that match the filters, in the list's order, without the
    columns shown (the current school is only an alias here, for its filters)."""
    current = _current_enrolments().filter(child=OuterRef("pk"))
    children = scope_queryset(user, Action.VIEW_CHILD, Child.objects.all())
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
        children = children.alias(
            current_school_id=Subquery(current.values("school_id")[:1])
        ).filter(current_school_id=filters.school.pk)
    if filters.social_worker.strip():
        named = filters.social_worker.strip()
        children = children.filter(
            Q(social_worker__full_name__icontains=named) | Q(social_worker__email__iexact=named)
        )
    if filters.template:
        earliest, latest = birth_dates_for_template(PepTemplate(filters.template), on)
        children = children.filter(date_of_birth__range=(earliest, latest))
    if filters.no_school_place:
        children = children.alias(has_school_place=Exists(current)).filter(has_school_place=False)
    return children.order_by(*CHILD_LIST_ORDER)


CHILD_LIST_ORDER = ("legal_last_name", "legal_first_name", "pk")


def _with_what_the_list_shows(children: QuerySet[Child]) -> QuerySet[Child]:
    current = _current_enrolments().filter(child=OuterRef("pk"))
    return children.select_related("authority", "social_worker").annotate(
        current_school_name=Subquery(current.values("school__name")[:1]),
        current_school_id=Subquery(current.values("school_id")[:1]),
        has_school_place=Exists(current),
    )


def child_list_visible_to(
    *, user: User, filters: ChildFilters | None = None, on: dt.date | None = None
) -> QuerySet[Child]:
    """The children a user may see, with what the list shows, in one query."""
    return _with_what_the_list_shows(
        _children_listed(
            user=user, filters=filters or ChildFilters(), on=on or timezone.localdate()
        )
    )


class _PageFirst(Paginator):
    """Cuts the page from the bare list first, then reads what the list shows (the current
    school, the social worker) for that page's children only, in the same query: with OFFSET
    over the annotated list, PostgreSQL computed the school subqueries for every child skipped
    too (issue 20: a late page of 10,000 children took several times the first)."""

    def page(self, number: Any) -> Page:  # type: ignore[type-arg]
        page = super().page(number)
        cut = page.object_list.values("pk")  # type: ignore[attr-defined]
        page.object_list = _with_what_the_list_shows(
            Child.objects.filter(pk__in=cut).order_by(*CHILD_LIST_ORDER)
        )
        return page


def child_list_page(
    *,
    user: User,
    filters: ChildFilters | None = None,
    number: Any = None,
    per_page: int,
    on: dt.date | None = None,
) -> Page:  # type: ignore[type-arg]
    """One page of the children a user may see (`number` as typed: a page past the end is the
    last), with what the list shows: the same rows, in the same order, as
    `child_list_visible_to` cut into pages."""
    children = _children_listed(
        user=user, filters=filters or ChildFilters(), on=on or timezone.localdate()
    )
    return _PageFirst(children, per_page).get_page(number)


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


SEAT_LABELS = {
    Seat.SOCIAL_WORKER: "Social worker",
    Seat.VIRTUAL_SCHOOL_ADVISER: "Virtual school adviser",
    Seat.INDEPENDENT_REVIEWING_OFFICER: "Independent reviewing officer",
    Seat.DESIGNATED_TEACHER: "Designated teacher",
    Seat.DELEGATED_SCHOOL_STAFF: "Delegated school staff",
}


@dataclass(frozen=True)
class CareTeamMember:
    seat: Seat
    person: User

    @property
    def role(self) -> str:
        """What the record calls them: a carer by the kind of care they give."""
        return SEAT_LABELS.get(self.seat) or self.person.role_label


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


def care_team_members(*, child: Child) -> list[CareTeamMember]:
    """The child's care team (children.access.care_teams), with each person, in the order the
    record lists them."""
    members = care_teams([child.pk])[child.pk]
    people = User.objects.select_related("school", "authority").in_bulk(
        [m.user_id for m in members]
    )
    return [CareTeamMember(m.seat, people[m.user_id]) for m in members]


def _teachers_not_approved(child: Child, school: School | None) -> list[User]:
    if school is None:
        return []
    approval = TeacherApproval.objects.filter(
        authority_id=child.authority_id,
        school=school,
        teacher=OuterRef("pk"),
        withdrawn_at__isnull=True,
    )
    return list(
        User.objects.filter(role=Role.DESIGNATED_TEACHER, school=school, is_active=True)
        .exclude(Exists(approval))
        .select_related("school")
    )


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
    return ChildRecord(
        child,
        episodes,
        placements,
        enrolments,
        care_team_members(child=child),
        delegations,
        _teachers_not_approved(child, current_school),
    )


@dataclass(frozen=True)
class AuditEntry:
    when: dt.datetime
    who: str
    what: str
    changes: list[str]


def _history_entries(records: Iterable[Any], label: str) -> list[AuditEntry]:
    """Entries for history records given oldest first: each change is diffed against the
    record before it of the same object, from the records already read (no query each)."""
    entries = []
    last_of: dict[object, Any] = {}
    for record in records:
        kind = {"+": "created", "~": "changed", "-": "deleted"}[record.history_type]
        changes: list[str] = []
        previous = last_of.get(record.id)
        last_of[record.id] = record
        if record.history_type == "~" and previous is not None:
            delta = record.diff_against(previous)
            changes = [
                f"{change.field.replace('_', ' ')}: “{change.old}” → “{change.new}”"
                for change in delta.changes
            ]
        who = record.who_name if record.history_user_id is not None else "System"
        entries.append(AuditEntry(record.history_date, who, f"{label} {kind}", changes))
    return entries


def _what(event: AuditEvent) -> str:
    page = event.detail.get("page") if isinstance(event.detail, dict) else None
    if event.action == AuditAction.CHILD_RECORD_OPENED and page:
        return f"Viewed {page}"
    return event.get_action_display()


def child_audit_trail(*, child: Child, limit: int = 500) -> list[AuditEntry]:
    """Every change to the child and their episodes, placements, school places, delegations
    and the records other apps register (education outcomes), and every audited read of them
    (record opened, PEP opened, a download), newest first."""
    histories = [
        (child.history, "Child's details"),
        (CareEpisode.history.filter(child_id=child.pk), "Care episode"),
        (Placement.history.filter(child_id=child.pk), "Placement"),
        (Enrolment.history.filter(child_id=child.pk), "School place"),
        (Delegation.history.filter(child_id=child.pk), "Delegation"),
        # The apps above this one (the education outcomes) add theirs: audit_sources.py.
        *registered_histories(child.pk),
    ]
    # Each source read once, oldest first, so each change finds the record before it among
    # the rows read (a query per source, however many changes).
    # Only the name of whoever made each change is shown: read as one joined column, not a
    # whole User per row (ten sources' worth of User columns to compile and build).
    changes = chain.from_iterable(
        _history_entries(
            # (A registered source may still ask for the whole User: select_related(None).)
            qs.select_related(None)
            .annotate(who_name=F("history_user__full_name"))
            .order_by("history_date", "history_id"),
            label,
        )[-limit:]
        for qs, label in histories
    )
    views = (
        AuditEntry(e.occurred_at, e.who_name if e.actor_id else e.actor_label, _what(e), [])
        for e in AuditEvent.objects.filter(child_id=child.pk).annotate(
            who_name=F("actor__full_name")
        )[:limit]
    )
    return sorted(chain(changes, views), key=lambda e: e.when, reverse=True)[:limit]


def staff_choices_for(*, child_authority_id: int, role: Role) -> QuerySet[User]:
    """Active staff of the child's authority who can be allocated in `role` (the form's choices
    and the service's check: one rule)."""
    return User.objects.filter(authority_id=child_authority_id, role=role, is_active=True).order_by(
        "full_name"
    )


def carer_choices(*, authority_id: int | None = None) -> QuerySet[User]:
    """Open carer accounts (of one authority, for the forms' lists) who can be placed with."""
    carers = User.objects.filter(role=Role.CARER, is_active=True)
    if authority_id is not None:
        carers = carers.filter(authority_id=authority_id)
    return carers.order_by("full_name")


def delegate_choices(*, school_id: int | None) -> QuerySet[User]:
    """The colleagues a designated teacher may delegate a child to: open delegated-staff
    accounts at their own school."""
    return User.objects.filter(
        school_id=school_id, role=Role.DELEGATED_SCHOOL_STAFF, is_active=True
    ).order_by("full_name")


def settings_added_in_portal(*, user: User, kind: str = "") -> QuerySet[School]:
    """The settings the GIAS download does not hold (early years providers, training
    providers, employers, home education, EOTAS, NEET), for the virtual school's settings
    page; `kind` narrows them."""
    if not user_can(user, Action.REGISTER_CHILD):
        raise PermissionDenied
    settings = School.objects.exclude(kind__in=["school", "college"], urn__isnull=False)
    if kind:
        settings = settings.filter(kind=kind)
    return settings.order_by("kind", "name", "pk")


# --- the wider cohorts (issue 15) -------------------------------------------------------------


def advice_requests_for(*, user: User, open_only: bool = False) -> QuerySet[AdviceRequest]:
    """The advice requests the user may see (their own authority's, for the virtual school)."""
    if not user_can(user, Action.VIEW_WIDER_COHORTS):
        raise PermissionDenied
    requests = scope_queryset(user, Action.VIEW_WIDER_COHORTS, AdviceRequest.objects.all())
    if open_only:
        requests = requests.filter(closed_on__isnull=True)
    return requests.select_related("school", "child").order_by("-received_on", "-pk")


def advice_request_get_for_user(*, user: User, pk: int) -> AdviceRequest:
    requests = scope_queryset(user, Action.VIEW_WIDER_COHORTS, AdviceRequest.objects.all())
    request = requests.select_related("school", "child").filter(pk=pk).first()
    if request is None:
        raise Http404("No such request")
    return request


def social_worker_counts_for(*, user: User) -> QuerySet[SocialWorkerCount]:
    if not user_can(user, Action.VIEW_WIDER_COHORTS):
        raise PermissionDenied
    counts = scope_queryset(user, Action.VIEW_WIDER_COHORTS, SocialWorkerCount.objects.all())
    return counts.select_related("school").order_by("school__name", "pk")


def previously_looked_after_choices(*, authority_id: int) -> QuerySet[Child]:
    return Child.objects.filter(
        authority_id=authority_id, cohort=Cohort.PREVIOUSLY_LOOKED_AFTER
    ).order_by("legal_last_name", "legal_first_name", "pk")


@dataclass(frozen=True)
class WiderCohorts:
    """The dashboard's counts of the cohorts without PEPs, each counted on its own."""

    previously_looked_after: int
    advice_open: int
    advice_closed_this_year: int
    with_social_worker: int
    with_social_worker_schools: int


def wider_cohort_counts(*, authority_id: int, since: dt.date) -> WiderCohorts:
    """For the virtual school's dashboard (which checks who may see it): the previously
    looked-after children on the portal; advice requests open, and closed since `since` (the
    school year's start); children with a social worker, and at how many schools."""
    requests = AdviceRequest.objects.filter(authority_id=authority_id).aggregate(
        open=Count("pk", filter=Q(closed_on__isnull=True)),
        closed=Count("pk", filter=Q(closed_on__gte=since)),
    )
    counts = SocialWorkerCount.objects.filter(authority_id=authority_id, children__gt=0).aggregate(
        children=Sum("children"), schools=Count("pk")
    )
    return WiderCohorts(
        previously_looked_after=Child.objects.filter(
            authority_id=authority_id, cohort=Cohort.PREVIOUSLY_LOOKED_AFTER
        ).count(),
        advice_open=requests["open"],
        advice_closed_this_year=requests["closed"],
        with_social_worker=counts["children"] or 0,
        with_social_worker_schools=counts["schools"],
    )


def possible_duplicates(
    *,
    user: User,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: dt.date,
    upn: str = "",
) -> list[Child]:
    """Children already on the portal, that this user may see, who may be the child being
    registered: the same legal names (letter case aside) and date of birth,
    or the same UPN. At most ten, in the list's order."""
    same = Q(
        legal_first_name__iexact=legal_first_name.strip(),
        legal_last_name__iexact=legal_last_name.strip(),
        date_of_birth=date_of_birth,
    )
    if upn.strip():
        same |= Q(upn__iexact=upn.strip())
    return list(
        scope_queryset(user, Action.VIEW_CHILD, Child.objects.all())
        .filter(same)
        .order_by("legal_last_name", "legal_first_name", "pk")[:10]
    )


# The history reason of a person's correction, naming the fields corrected.
CORRECTED_BY_HAND = "Corrected by hand"


def corrected_fields(record: CareEpisode | Placement) -> set[str]:
    """The fields of a time in care or placement a person has corrected by hand
    (children.services.imported_record_correct), which an import keeps."""
    reasons = record.history.filter(  # type: ignore[union-attr]
        history_change_reason__startswith=CORRECTED_BY_HAND
    ).values_list("history_change_reason", flat=True)
    return {name for reason in reasons for name in reason.partition(":")[2].split()}
