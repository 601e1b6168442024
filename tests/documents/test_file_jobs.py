"""File jobs in the database: run twice, the second run does nothing; a job a killed worker
left "running" is taken over on redelivery, or queued again by the sweep once its heartbeat is
older than FILE_JOB_STALE_MINUTES; a live worker's job is left to it."""

import datetime as dt

import pytest
from django.utils import timezone

from children.school_year import PepTemplate
from documents import services as pdf_services
from pep_portal.filejobs import services as filejobs
from pep_portal.filejobs.models import FileJob, FileJobStatus
from pep_portal.outbox.models import OutboxTask
from tests.documents.conftest import sign_off


@pytest.fixture
def job(personas, peps_by_template):  # type: ignore[no-untyped-def]
    pep = sign_off(personas, peps_by_template[PepTemplate.YG])
    return pdf_services.bulk_job_start(actor=personas.virtual_school_staff, pep_ids=[pep.pk])


def test_a_finished_job_run_again_does_nothing(job):
    first = filejobs.run(job.pk.hex)
    assert first is not None and first.status == "done" and first.attempts == 1
    name, finished_at = first.file.name, first.finished_at
    assert filejobs.run(job.pk.hex) is None
    again = FileJob.objects.get(pk=job.pk)
    assert (again.attempts, again.file.name, again.finished_at) == (1, name, finished_at)


def test_a_job_a_live_worker_is_running_is_left_to_it(job):
    FileJob.objects.filter(pk=job.pk).update(
        status=FileJobStatus.RUNNING, heartbeat_at=timezone.now(), attempts=1
    )
    assert filejobs.run(job.pk.hex) is None
    assert FileJob.objects.get(pk=job.pk).status == "running"
    assert filejobs.requeue_stale() == 0


def test_a_redelivered_task_takes_over_a_job_whose_worker_was_killed(job):
    # Killed a moment ago: the heartbeat is fresh, but the broker redelivers only once the
    # earlier holder is gone.
    FileJob.objects.filter(pk=job.pk).update(
        status=FileJobStatus.RUNNING, heartbeat_at=timezone.now(), attempts=1, progress=1
    )
    done = filejobs.run(job.pk.hex, take_over=True)
    assert done is not None
    assert (done.status, done.attempts, done.progress, done.failed) == ("done", 2, 1, [])


def test_the_sweep_queues_again_a_job_whose_heartbeat_went_quiet(job):
    quiet_since = timezone.now() - dt.timedelta(minutes=6)  # FILE_JOB_STALE_MINUTES is 5
    FileJob.objects.filter(pk=job.pk).update(
        status=FileJobStatus.RUNNING, heartbeat_at=quiet_since, attempts=1
    )
    queued_before = OutboxTask.objects.count()
    assert filejobs.requeue_stale() == 1
    [row] = OutboxTask.objects.order_by("-pk")[:1]
    assert OutboxTask.objects.count() == queued_before + 1
    assert (row.task_name, row.args) == ("pep_portal.filejobs.tasks.file_job_task", [job.pk.hex])
    # The redelivered task (not marked as such) takes it: its heartbeat is stale.
    done = filejobs.run(job.pk.hex)
    assert done is not None and (done.status, done.attempts) == ("done", 2)
    assert filejobs.requeue_stale() == 0


def test_a_job_whose_builder_fails_is_marked_failed_with_no_file(job, monkeypatch):
    def broken(*args):  # type: ignore[no-untyped-def]
        raise MemoryError

    monkeypatch.setitem(filejobs._BUILDERS, "pep_bundle", broken)
    with pytest.raises(MemoryError):
        filejobs.run(job.pk.hex)
    failed = FileJob.objects.get(pk=job.pk)
    assert (failed.status, failed.error, bool(failed.file)) == ("failed", "MemoryError", False)
    assert filejobs.run(job.pk.hex) is None  # failed is final; the page offers a new job
