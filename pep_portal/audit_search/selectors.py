import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from children.models import Child
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import Action, scope_queryset, user_can
from pep_portal.audit.models import AuditEvent


def audit_authorities_for(*, user: User) -> QuerySet[LocalAuthority]:
    """The authorities whose audit log a user may search: their own, for the people who manage
    its accounts (authority administrators and virtual school administrators); none otherwise.
    The authority itself is scoped by the permission engine's VIEW_AUTHORITY rule."""
    if not user_can(user, Action.SEARCH_AUDIT_LOG):
        return LocalAuthority.objects.none()
    return scope_queryset(user, Action.VIEW_AUTHORITY, LocalAuthority.objects.all())


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events_for(*, user: User, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """The events of the user's authority matching the search, newest first. Another
    authority's events are never in it, whatever the filters say."""
    events = AuditEvent.objects.filter(
        authority_id__in=audit_authorities_for(user=user).values("pk")
    ).select_related("actor", "child")
    child = (filters.get("child") or "").strip()
    if child:
        rule = (
            Q(child__legal_first_name__icontains=child)
            | Q(child__legal_last_name__icontains=child)
            | Q(child__preferred_name__icontains=child)
            | Q(child__upn__iexact=child)
        )
        if child.isdigit() and len(child) < 12:
            rule |= Q(child_id=int(child))
        events = events.filter(rule)
    person = (filters.get("person") or "").strip()
    if person:
        events = events.filter(
            Q(actor__full_name__icontains=person)
            | Q(actor__email__icontains=person)
            | Q(actor_label__icontains=person)
        )
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("date_from"):
        events = events.filter(occurred_at__gte=_start_of(filters["date_from"]))
    if filters.get("date_to"):
        events = events.filter(occurred_at__lt=_start_of(filters["date_to"] + dt.timedelta(1)))
    return events.order_by("-occurred_at", "-id")


def children_named_for(*, user: User, child_ids: Iterable[int] | QuerySet[Any]) -> dict[int, str]:
    """Names of the children the user may see anyway (VIEW_CHILD); the others are shown by
    their portal reference only, so the audit page tells nobody a name they could not read.
    `child_ids` may be a query of ids (read as a subquery)."""
    visible = scope_queryset(user, Action.VIEW_CHILD, Child.objects.filter(pk__in=child_ids))
    # Only the name's fields, as plain values (no model objects): an export names up to every
    # child of the authority.
    named = visible.values_list("pk", "preferred_name", "legal_first_name", "legal_last_name")
    name_from = Child.name_from
    return {pk: name_from(*name) for pk, *name in named.iterator(chunk_size=2000)}
