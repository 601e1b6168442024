"""File jobs: start one (queued through the outbox), run it on the worker, say how far it has
got, keep its file in private storage, and hand a job whose worker died to another.

Each kind of job registers a builder (documents and subject_access do, in their AppConfig):
`builder(job, step)` writes the file into the open binary stream it is given and calls
`step(failed_item=None)` after each item, which saves the job's progress and heartbeat.

Running a job is safe to repeat (tasks are acknowledged late, so a worker killed mid-job gets
its task redelivered): a finished job is left as it is; a running job whose heartbeat is fresh
belongs to a live worker and is left to it; anything else starts again from the beginning."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from typing import IO, Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from pep_portal.outbox.services import enqueue_after_commit

from .models import FileJob, FileJobKind, FileJobStatus, keep_for, stale_after

logger = logging.getLogger(__name__)

Step = Callable[..., None]
Builder = Callable[[FileJob, IO[bytes], Step], None]
_BUILDERS: dict[str, Builder] = {}
# The worker writes a job's file to a temporary file, in memory up to this size, then hands it
# to the storage backend (object storage uploads it in parts).
SPOOL_BYTES = 8 * 1024 * 1024


def register(kind: str, builder: Builder) -> None:
    _BUILDERS[kind] = builder


def job_start(
    *,
    kind: FileJobKind,
    requested_by: Any,
    total: int,
    download_name: str,
    description: str = "",
    authority_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> FileJob:
    """Record the job and queue it once this transaction commits (through the outbox: with
    Redis down the job waits, "queued", and starts once Redis is back)."""
    from .tasks import file_job_task  # tasks.py imports this module

    job = FileJob.objects.create(
        kind=kind,
        requested_by=requested_by,
        authority_id=authority_id,
        total=total,
        download_name=download_name,
        description=description,
        params=params or {},
    )
    enqueue_after_commit(file_job_task, job.pk.hex)
    return job


def _claim(job_id: str, *, take_over: bool) -> FileJob | None:
    """Take the job for this worker, or None if it is finished or a live worker has it.
    `take_over`: the broker says this delivery is a redelivery, which happens only once the
    task's earlier holder is gone (its process died, or the visibility timeout, longer than
    any task may run, has passed), so its fresh heartbeat is no sign of life."""
    now = timezone.now()
    with transaction.atomic():
        job = FileJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return None
        if (
            not take_over
            and job.status == FileJobStatus.RUNNING
            and job.heartbeat_at is not None
            and now - job.heartbeat_at < stale_after()
        ):
            return None
        FileJob.objects.filter(pk=job.pk).update(
            status=FileJobStatus.RUNNING,
            progress=0,
            failed=[],
            error="",
            attempts=job.attempts + 1,
            started_at=now,
            heartbeat_at=now,
        )
    job.refresh_from_db()
    return job


def run(job_id: str, *, take_over: bool = False) -> FileJob | None:
    """Make the job's file (called by the worker's task). Returns the job, or None when there
    was nothing to do."""
    job = _claim(job_id, take_over=take_over)
    if job is None:
        return None
    builder = _BUILDERS[job.kind]

    def step(failed_item: Any = None) -> None:
        job.progress += 1
        if failed_item is not None:
            job.failed.append(failed_item)
        job.heartbeat_at = timezone.now()
        FileJob.objects.filter(pk=job.pk).update(
            progress=job.progress, failed=job.failed, heartbeat_at=job.heartbeat_at
        )

    try:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as out:
            builder(job, out, step)
            out.seek(0, 2)
            size = out.tell()
            out.seek(0)
            job.file.save(job.download_name, File(out), save=False)
    except BaseException as error:
        FileJob.objects.filter(pk=job.pk).update(
            status=FileJobStatus.FAILED, error=type(error).__name__, finished_at=timezone.now()
        )
        raise
    job.status, job.size, job.finished_at = FileJobStatus.DONE, size, timezone.now()
    job.save(update_fields=["status", "file", "size", "finished_at"])
    return job


def requeue_stale(*, now: Any = None) -> int:
    """Queue again each job whose worker went quiet (killed, its machine lost) or which never
    started: another worker takes it over. Run every few minutes by beat."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    from django.db.models import Q

    from .tasks import file_job_task

    stale = FileJob.objects.filter(
        Q(status=FileJobStatus.RUNNING, heartbeat_at__lt=cutoff)
        | Q(status=FileJobStatus.QUEUED, created_at__lt=cutoff)
    ).values_list("pk", flat=True)
    count = 0
    with transaction.atomic():
        for pk in stale:
            logger.warning("File job %s went quiet; queued again", pk.hex)
            enqueue_after_commit(file_job_task, pk.hex)
            count += 1
    return count


def prune(*, now: Any = None) -> int:
    """Files of people's records are not left lying about: each job and its file go a day
    (FILE_JOB_KEEP_HOURS) after it was made."""
    now = now or timezone.now()
    old = FileJob.objects.filter(created_at__lt=now - keep_for())
    count = 0
    for job in old:
        if job.file:
            job.file.delete(save=False)
        job.delete()
        count += 1
    return count
