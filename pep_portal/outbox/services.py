"""The one way to queue work for Celery: `enqueue_after_commit(task, *args)`.

The work is written as a row (OutboxTask) in the caller's transaction, then published to the
broker once that transaction commits. A broker that is down (Redis restarting, the network
gone) never turns the committed change into an error page: the row waits, and the relay
(`relay_outbox`: every minute from Celery beat, and `manage.py relay_outbox` by hand) publishes
it when the broker is back. A change that rolls back takes its work with it.

Delivery is at least once: a process that dies between publishing and marking the row sent
publishes it again later, so every task queued this way must be safe to run twice (they are:
each guards its own work, e.g. `emailed_at`, the kept PDF, the job's state).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from celery import Task
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from pep_portal.celery import app

from .models import OutboxTask

logger = logging.getLogger(__name__)

# Publishing in a request gives up quickly: the relay tries again, so a user never waits on
# a broker that is down.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
RELAY_BATCH = 100
KEEP_SENT = dt.timedelta(days=7)
# Errors that say the broker cannot be reached: the relay stops there and waits for its next
# run, rather than trying every waiting row against a broker that is down.
BROKER_DOWN = (BrokerError, OSError)
RECORDED = ["attempts", "last_attempt_at", "last_error"]


def enqueue_after_commit(task: Task, *args: Any, **kwargs: Any) -> OutboxTask:
    """Queue `task(*args, **kwargs)` to run once the current transaction commits (at once,
    outside one). Arguments must be JSON: ids and dates wherever possible. They stay in the
    database only until the work is published."""
    row = OutboxTask.objects.create(task_name=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: publish_now(row.pk), robust=True)
    return row


def enqueue_many_after_commit(task: Task, calls: list[tuple[Any, ...]]) -> list[OutboxTask]:
    """Queue one `task(*args)` for each args tuple in `calls`, with one INSERT."""
    rows = OutboxTask.objects.bulk_create(
        [OutboxTask(task_name=task.name, args=list(args)) for args in calls]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: _publish_ids(ids), robust=True)
    return rows


def _publish_ids(ids: list[int]) -> None:
    for pk in ids:
        if not publish_now(pk):
            return  # the broker is down: the relay sends the rest


def publish_now(pk: int) -> bool:
    """Publish one waiting row, unless a relay holds it or it was sent. Never raises: a
    failure is kept on the row for the relay. Returns False when the broker is down."""
    try:
        with transaction.atomic():
            row = (
                OutboxTask.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if row is None:
                return True
            return not isinstance(_publish(row), BROKER_DOWN)
    except Exception:  # the database itself: the row (committed) waits for the relay
        logger.exception("Could not publish queued task %s now; the relay will", pk)
        return False


def _publish(row: OutboxTask) -> Exception | None:
    """Publish a locked row and record the attempt; return the error, if any."""
    row.attempts += 1
    row.last_attempt_at = timezone.now()
    error: Exception | None = None
    try:
        task = app.tasks[row.task_name]
        # Eager (the demo, most tests) runs the task here; otherwise it goes to the broker.
        task.apply_async(args=row.args, kwargs=row.kwargs, retry=True, retry_policy=PUBLISH_RETRY)
    except Exception as exc:  # any failure waits for the relay; none escapes
        error = exc
        row.last_error = type(exc).__name__[:200]
        logger.warning(
            "Queued task %s (#%s) not published, attempt %s: %s",
            row.task_name,
            row.pk,
            row.attempts,
            row.last_error,
        )
    else:
        row.sent_at = timezone.now()
        row.last_error = ""
        # Once sent, the arguments are not kept (a password reset's is an e-mail address).
        row.args, row.kwargs = [], {}
    row.save(update_fields=[*RECORDED, "sent_at", "args", "kwargs"])
    return error


@dataclass(frozen=True)
class RelayResult:
    sent: int
    failed: int
    waiting: int
    pruned: int


def relay_outbox(*, limit: int = 10_000, now: dt.datetime | None = None) -> RelayResult:
    """Publish waiting rows, oldest first, up to `limit`. Any number of relays may run at
    once, beside requests publishing their own rows: each row is locked while it is published
    (FOR UPDATE SKIP LOCKED), so no row is published twice by two of them, and a sent row is
    never published again. Stops at the first sign that the broker is down. Rows sent more
    than KEEP_SENT ago are deleted."""
    sent = failed = 0
    last = 0  # each row is tried at most once per run, in order
    broker_down = False
    while not broker_down and sent + failed < limit:
        with transaction.atomic():
            rows = list(
                OutboxTask.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True, pk__gt=last)
                .order_by("pk")[: min(RELAY_BATCH, limit - sent - failed)]
            )
            if not rows:
                break
            for row in rows:
                last = row.pk
                error = _publish(row)
                if error is None:
                    sent += 1
                    continue
                failed += 1
                if isinstance(error, BROKER_DOWN):
                    broker_down = True
                    break
    now = now or timezone.now()
    pruned, _ = OutboxTask.objects.filter(sent_at__lt=now - KEEP_SENT).delete()
    waiting = OutboxTask.objects.filter(sent_at__isnull=True).count()
    if sent or failed:
        logger.info("Outbox relay: %s sent, %s failed, %s waiting", sent, failed, waiting)
    return RelayResult(sent=sent, failed=failed, waiting=waiting, pruned=pruned)
