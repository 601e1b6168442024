"""Writing to the audit log, and the retention purge (the one way rows leave it).

`record` is what every app calls: `record(actor, AuditAction.PEP_OPENED, pep, child=pep.child,
request=request)`. It inserts one row and returns it; it never raises for a missing request or
an anonymous actor, so an audit call never turns a working page into an error.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from pep_portal.proxies import client_ip

from .models import DEFAULT_RETENTION_YEARS, AuditAction, AuditEvent, AuditRetention

# The session setting the trigger (migration 0001) reads: only a transaction that set it may
# delete, and even then only rows past their authority's retention period.
PURGE_SETTING = "pep_portal.audit_purge"

Target = models.Model | tuple[str, object] | None


def _target(target: Target) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        kind, pk = target
        return kind, str(pk)
    return target._meta.model_name or "", str(target.pk)


def record(
    actor: Any,
    action: AuditAction,
    target: Target = None,
    *,
    child: Any = None,
    authority_id: int | None = None,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event. `child` is the child it concerns (a Child or its id); the authority is
    the child's, else `authority_id`, else the actor's. `detail` must name no child."""
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    if not signed_in:
        actor = None
    if (
        child is None
        and isinstance(target, models.Model)
        and target._meta.label == "children.Child"
    ):
        child = target
    child_id = getattr(child, "pk", child)
    if authority_id is None and child is not None and hasattr(child, "authority_id"):
        authority_id = child.authority_id
    if authority_id is None and actor is not None:
        authority_id = actor.authority_id
    target_type, target_id = _target(target)
    if not actor_label and actor is not None:
        actor_label = f"{actor.full_name} <{actor.email}>"
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label[:254],
        authority_id=authority_id,
        child_id=child_id,
        target_type=target_type,
        target_id=target_id,
        detail=detail or {},
        ip_address=client_ip(request) if request is not None else None,
    )


def record_many(
    actor: Any,
    events: Iterable[tuple[AuditAction, Target, Any, int | None, dict[str, Any]]],
    *,
    actor_label: str = "",
) -> int:
    """Append many events by one actor in one statement (a sync of many care teams at once):
    each (action, target, child id, authority id, detail), as `record` writes it."""
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    if not signed_in:
        actor = None
    if not actor_label and actor is not None:
        actor_label = f"{actor.full_name} <{actor.email}>"
    rows = []
    for action, target, child, authority_id, detail in events:
        target_type, target_id = _target(target)
        rows.append(
            AuditEvent(
                action=action,
                actor=actor,
                actor_label=actor_label[:254],
                authority_id=authority_id
                if authority_id is not None
                else (actor.authority_id if actor is not None else None),
                child_id=getattr(child, "pk", child),
                target_type=target_type,
                target_id=target_id,
                detail=detail or {},
            )
        )
    AuditEvent.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _years_ago(now: dt.datetime, years: int) -> dt.datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def audit_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the events older than their authority's retention period; return how many.

    The ORM refuses deletes (AuditEventQuerySet), so this is raw SQL, in a transaction that sets
    the session flag the PostgreSQL trigger asks for. The trigger then checks each row's age
    against the authority's period again, so a wrong cutoff here still cannot delete a row the
    authority must keep. The purge itself is audited.
    """
    now = now or timezone.now()
    table = AuditEvent._meta.db_table
    periods = dict(AuditRetention.objects.values_list("authority_id", "years"))
    deleted = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # SET LOCAL: the flag ends with this transaction, whatever happens.
            cursor.execute("SELECT set_config(%s, 'on', true)", [PURGE_SETTING])
        for authority_id, years in periods.items():
            cursor.execute(
                f"DELETE FROM {table} WHERE authority_id = %s AND occurred_at < %s",  # noqa: S608
                [authority_id, _years_ago(now, years)],
            )
            deleted += cursor.rowcount
        others = list(periods) or [0]
        placeholders = ", ".join(["%s"] * len(others))
        cursor.execute(
            f"DELETE FROM {table} WHERE (authority_id IS NULL OR authority_id NOT IN "  # noqa: S608
            f"({placeholders})) AND occurred_at < %s",
            [*others, _years_ago(now, DEFAULT_RETENTION_YEARS)],
        )
        deleted += cursor.rowcount
    record(
        None, AuditAction.AUDIT_PURGED, detail={"deleted": deleted}, actor_label="retention purge"
    )
    return deleted


# django-simple-history's own columns on a historical table: not copied from the tracked row.
_HISTORY_OWN_FIELDS = (
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
)


def history_copy_from_rows(
    model: type[models.Model], pks: Sequence[int], when: dt.datetime, kind: str = "+"
) -> None:
    """Write the history row django-simple-history writes on a save by the portal itself (no
    user, no reason; kind "+" created, "~" changed) for each of `pks`, copied inside the
    database from the rows as they are now: one statement for rows written in bulk. The
    columns come from the models, so they follow them."""
    if not pks:
        return
    historical = model.history.model  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    tracked = [
        quote(f.column)
        for f in historical._meta.concrete_fields
        if f.name not in _HISTORY_OWN_FIELDS
    ]
    columns = ", ".join(tracked)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(historical._meta.db_table)} "  # noqa: S608 (names from models)
            f"({columns}, history_date, history_change_reason, history_type, history_user_id) "
            f"SELECT {columns}, %s, NULL, %s, NULL FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(model._meta.pk.column)} = ANY(%s)",
            [when, kind, list(pks)],
        )
