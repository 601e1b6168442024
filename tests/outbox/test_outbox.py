"""The outbox: work is queued with the change that asks for it, published once, and relayed
(once, however many relays run) when the broker was away. Against a real Redis of the test's
own, which the tests stop."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from documents.tasks import pep_pdf_keep_task, pep_pdfs_zip_task
from pep_portal.outbox.models import OutboxTask
from pep_portal.outbox.services import (
    enqueue_after_commit,
    enqueue_many_after_commit,
    publish_now,
    relay_outbox,
)
from pep_portal.outbox.tasks import relay_outbox_task
from tests.concurrency import run_at_once
from tests.outbox.conftest import queued_task_names

pytestmark = pytest.mark.django_db(transaction=True)
KEEP = "peps.tasks.pep_pdf_keep_task"


def test_work_is_published_after_commit_and_marked_sent(broker):
    with transaction.atomic():
        row = enqueue_after_commit(pep_pdf_keep_task, 41)
        assert queued_task_names(broker) == []  # nothing leaves before the commit
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 1
    assert row.args == [] and row.kwargs == {}  # what was sent is not kept
    assert queued_task_names(broker) == [KEEP]
    assert relay_outbox().sent == 0  # already sent: the relay leaves it alone
    assert queued_task_names(broker) == [KEEP]


def test_work_asked_for_by_a_change_that_rolls_back_is_never_queued(broker):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_after_commit(pep_pdf_keep_task, 41)
        raise RuntimeError("the change failed")
    assert not OutboxTask.objects.exists()
    assert relay_outbox().sent == 0
    assert queued_task_names(broker) == []


def test_with_redis_down_work_waits_and_the_relay_sends_it_once_redis_is_back(broker):
    broker.stop()
    with transaction.atomic():
        enqueue_after_commit(pep_pdf_keep_task, 1)
        enqueue_many_after_commit(pep_pdfs_zip_task, [("a" * 32,), ("b" * 32,)])
    waiting = list(OutboxTask.objects.order_by("pk"))
    # The first failure stops the rest of the batch: no point hammering a broker that is down.
    assert [(r.attempts, r.last_error, r.sent_at) for r in waiting] == [
        (1, "OperationalError", None),
        (1, "OperationalError", None),
        (0, "", None),
    ]
    out = io.StringIO()
    call_command("relay_outbox", stdout=out)  # still down: one try, then it waits
    assert "Sent 0, failed 1, still waiting 3" in out.getvalue()

    broker.start()
    call_command("relay_outbox", stdout=out)
    assert "Sent 3, failed 0, still waiting 0" in out.getvalue()
    assert queued_task_names(broker) == [
        KEEP,
        "peps.tasks.pep_pdfs_zip_task",
        "peps.tasks.pep_pdfs_zip_task",
    ]
    assert OutboxTask.objects.filter(sent_at__isnull=True).count() == 0


def test_two_relays_at_once_publish_each_waiting_row_exactly_once(broker):
    OutboxTask.objects.bulk_create(OutboxTask(task_name=KEEP, args=[n]) for n in range(250))
    results = run_at_once(lambda: relay_outbox().sent)
    assert sum(results) == 250
    assert len(queued_task_names(broker)) == 250
    assert set(OutboxTask.objects.values_list("attempts", flat=True)) == {1}


def test_the_relay_task_relays(broker):
    OutboxTask.objects.create(task_name=KEEP, args=[7])
    assert relay_outbox_task.apply().get() == 1
    assert queued_task_names(broker) == [KEEP]


def test_rows_sent_more_than_a_week_ago_are_removed(broker):
    now = timezone.now()
    old = OutboxTask.objects.create(task_name=KEEP, sent_at=now - dt.timedelta(days=8))
    recent = OutboxTask.objects.create(task_name=KEEP, sent_at=now - dt.timedelta(days=6))
    assert relay_outbox(now=now).pruned == 1
    assert list(OutboxTask.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not OutboxTask.objects.filter(pk=old.pk).exists()


def test_a_task_that_fails_when_run_eagerly_waits_and_never_escapes():
    # Eager (the demo without Redis): the task runs at once. A PEP that does not exist makes
    # it fail; the failure is kept on the row, and the caller never sees it.
    row = enqueue_after_commit(pep_pdf_keep_task, 0)
    row.refresh_from_db()
    assert row.sent_at is None and row.attempts == 1 and row.last_error
    assert publish_now(row.pk) is True  # a task's own failure is not the broker being down
    row.refresh_from_db()
    assert row.attempts == 2


def test_an_unknown_task_waits_without_holding_up_the_others(broker):
    OutboxTask.objects.create(task_name="gone.tasks.renamed_task", args=[1])
    OutboxTask.objects.create(task_name=KEEP, args=[2])
    result = relay_outbox()
    assert (result.sent, result.failed, result.waiting) == (1, 1, 1)
    assert OutboxTask.objects.get(task_name="gone.tasks.renamed_task").last_error == "NotRegistered"
    assert queued_task_names(broker) == [KEEP]
