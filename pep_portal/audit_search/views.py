from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pep_portal import csv_export
from pep_portal.accounts.requests import AuthenticatedRequest
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction
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
    # Plain values of the columns the file holds, not event, person and child objects for each
    # of up to 50,000 rows (issue 20: 15 s for a large authority's log).
    events = list(
        audit_events_for(user=request.user, filters=filters).values_list(
            "occurred_at",
            "action",
            "actor_label",
            "child_id",
            "target_type",
            "target_id",
            "ip_address",
        )[:EXPORT_LIMIT]
    )
    security_services.bulk_export_record(
        actor=request.user, what=f"CSV of the audit log: {len(events)} events"
    )
    names = children_named_for(
        user=request.user, child_ids={event[3] for event in events if event[3]}
    )
    audit.record(
        request.user,
        AuditAction.CSV_DOWNLOADED,
        request=request,
        detail={"export": "audit log", "rows": len(events)},
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    response["Cache-Control"] = "no-store, private"
    writer = csv_export.writer(response)
    writer.writerow(
        ["when", "what", "person", "child", "child reference", "item", "item reference", "address"]
    )
    actions = dict(AuditAction.choices)
    for occurred_at, action, actor_label, child_id, target_type, target_id, address in events:
        writer.writerow(
            [
                timezone.localtime(occurred_at).isoformat(timespec="seconds"),
                actions.get(action, action),
                actor_label,
                _child_label(child_id, names),
                child_id or "",
                target_type,
                target_id,
                address or "",
            ]
        )
    return response
