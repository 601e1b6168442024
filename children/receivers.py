"""Permission grants and revokes into the audit log.

`sync_child_access` (the one function that grants and revokes access to children) announces each
change with `child_access_changed`: which people and which children changed, inside its
transaction. Here each (child, person) becomes an "access granted" or "access ended" event, by
whether the person holds access now. The signal carries the two sets, not the pairs: when both
hold more than one id (a change to many children for many people at once) a pair may not have
changed, and the event says so (`"exact": false`).
"""

from typing import Any

from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from pep_portal.accounts.signals import child_access_changed
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction

from .access import access_held
from .models import Child


def _request_user() -> Any:
    # The person whose request changed the care team (simple-history keeps the request).
    request = getattr(HistoricalRecords.context, "request", None)
    return getattr(request, "user", None)


@receiver(child_access_changed, dispatch_uid="children.audit_access_changed")
def _audit_access_changed(
    sender: Any,
    user_ids: set[int],
    child_ids: set[int],
    granted: frozenset[tuple[int, int]] | None = None,
    revoked: frozenset[tuple[int, int]] | None = None,
    **kwargs: Any,
) -> None:
    if granted is not None and revoked is not None:
        _audit_pairs(granted, revoked)
        return
    is_exact = len(user_ids) == 1 or len(child_ids) == 1
    holding = access_held(child_ids, user_ids)
    authorities = dict(Child.objects.filter(pk__in=child_ids).values_list("pk", "authority_id"))
    actor = _request_user()
    for child_id in sorted(child_ids):
        for user_id in sorted(user_ids):
            holds = (child_id, user_id) in holding
            audit.record(
                actor,
                AuditAction.ACCESS_GRANTED if holds else AuditAction.ACCESS_REVOKED,
                ("user", user_id),
                child=child_id,
                authority_id=authorities.get(child_id),
                detail={} if is_exact else {"exact": False},
                actor_label="" if actor and actor.is_authenticated else "care team change",
            )


def _audit_pairs(granted: frozenset[tuple[int, int]], revoked: frozenset[tuple[int, int]]) -> None:
    """One event per (child, person) pair that gained or lost access, in one statement."""
    changed = sorted({*granted, *revoked})
    authorities = dict(
        Child.objects.filter(pk__in={c for c, _ in changed}).values_list("pk", "authority_id")
    )
    actor = _request_user()
    audit.record_many(
        actor,
        [
            (
                AuditAction.ACCESS_GRANTED if pair in granted else AuditAction.ACCESS_REVOKED,
                ("user", pair[1]),
                pair[0],
                authorities.get(pair[0]),
                {},
            )
            for pair in changed
        ],
        actor_label="" if actor and actor.is_authenticated else "care team change",
    )
