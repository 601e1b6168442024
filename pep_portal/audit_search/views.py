from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pep_portal import csv_export
from pep_portal.accounts.models import User
from pep_portal.accounts.requests import AuthenticatedRequest
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction, AuditEvent
from pep_portal.security import services as security_services
from pep_portal.security.signin import require_recent_authentication

from .forms import AuditSearchForm
from .selectors import audit_authorities_for, audit_events_for, children_named_for

PAGE_SIZE = 50
# An export is of one search; this many rows at most, newest first (the page says so).
EXPORT_LIMIT = 50_000


def _search(request: AuthenticatedRequest) -> tuple[AuditSearchForm, dict[str, object]]:
    if not audit_authorities_for(user=request.user).exists():
        raise PermissionDenied
    form = AuditSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return form, filters


def _child_label(child_id: int | None, names: dict[int, str]) -> str:
    if child_id is None:
        return ""
    return names.get(child_id, f"Child {child_id}")


@login_required
@require_GET
def audit_search(request: AuthenticatedRequest) -> HttpResponse:
    form, filters = _search(request)
    page = Paginator(audit_events_for(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    names = children_named_for(
        user=request.user, child_ids={e.child_id for e in page if e.child_id}
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/search.html",
        {
            "form": form,
            "page": page,
            "rows": [(event, _child_label(event.child_id, names)) for event in page],
            "query_string": query.urlencode(),
        },
    )


@login_required
@require_recent_authentication
@require_GET
def audit_export(request: AuthenticatedRequest) -> HttpResponse:
    _, filters = _search(request)
    events = audit_events_for(user=request.user, filters=filters)
    # Counted first (the bulk-export record says how many events leave), in one statement with
    # the newest event's id: the file is then read up to that id, so it holds the events
    # counted, not those written while it is sent (its own download's among them).
    counted = events.order_by().aggregate(rows=Count("pk"), last=Max("pk"))
    rows = min(counted["rows"], EXPORT_LIMIT)
    security_services.bulk_export_record(
        actor=request.user, what=f"CSV of the audit log: {rows} events"
    )
    audit.record(
        request.user,
        AuditAction.CSV_DOWNLOADED,
        request=request,
        detail={"export": "audit log", "rows": rows},
    )
    # Sent as it is read, a chunk of plain values at a time (issue 20: up to 50,000 events
    # built in memory took 14 s under load), so its memory does not grow with the log.
    response = csv_export.streaming_response(
        _audit_rows(request.user, events.filter(pk__lte=counted["last"] or 0), rows),
        f"audit-{timezone.localdate():%Y-%m-%d}.csv",
        byte_order_mark=False,
    )
    response["Cache-Control"] = "no-store, private"
    return response  # type: ignore[return-value]


EXPORT_CHUNK = 2000
COLUMNS = [
    "when",
    "what",
    "person",
    "child",
    "child reference",
    "item",
    "item reference",
    "address",
]


def _audit_rows(user: User, events: QuerySet[AuditEvent], rows: int) -> Iterator[list[Any]]:
    """The file's rows, header first: the newest `rows` events. The names of the children in
    them whom the person may see are read in one query first (at most the authority's
    children, however long the log)."""
    yield COLUMNS
    actions = dict(AuditAction.choices)
    names = children_named_for(user=user, child_ids=events.order_by().values("child_id").distinct())
    values = events.values_list(
        "occurred_at",
        "action",
        "actor_label",
        "child_id",
        "target_type",
        "target_id",
        "ip_address",
    )[:rows]
    here = timezone.get_current_timezone()
    for (
        occurred_at,
        action,
        actor_label,
        child_id,
        target_type,
        target_id,
        address,
    ) in values.iterator(chunk_size=EXPORT_CHUNK):
        yield [
            occurred_at.astimezone(here).isoformat(timespec="seconds"),
            actions.get(action, action),
            actor_label,
            _child_label(child_id, names),
            child_id or "",
            target_type,
            target_id,
            address or "",
        ]
