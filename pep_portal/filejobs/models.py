import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from pep_portal.files import private_storage


class FileJobKind(models.TextChoices):
    PEP_BUNDLE = "pep_bundle", "ZIP of PEP PDFs"
    PEP_PDF = "pep_pdf", "PEP PDF"
    SUBJECT_ACCESS = "subject_access", "Subject access export"


class FileJobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


def _job_file_name(instance: "FileJob", filename: str) -> str:
    # The job's id, never the download name: nothing about a child in the store's keys.
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"jobs/{instance.pk.hex}/file.{extension}"


class FileJob(models.Model):
    """One file made by the worker, and how far it has got. The web process reads the row for
    the page's progress; the worker writes it as it goes (pep_portal/filejobs/services.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=FileJobKind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    authority = models.ForeignKey(
        "accounts.LocalAuthority", on_delete=models.CASCADE, null=True, related_name="+"
    )
    # What to make: PEP ids, a child's id; read by the kind's builder only.
    params = models.JSONField(default=dict)
    description = models.CharField(max_length=200, blank=True)
    download_name = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=FileJobStatus.choices, default=FileJobStatus.QUEUED
    )
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # Items (PEP ids) that could not be added; the rest of the file is still made.
    failed = models.JSONField(default=list)
    error = models.CharField(max_length=200, blank=True)
    file = models.FileField(
        storage=private_storage, upload_to=_job_file_name, max_length=200, blank=True
    )
    size = models.PositiveBigIntegerField(null=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True)
    # Written with each step: a running job silent for FILE_JOB_STALE_MINUTES has lost its worker.
    heartbeat_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="filejob_status_beat")]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.status})"

    # Words the pages use.
    @property
    def state(self) -> str:
        return self.status

    @property
    def done(self) -> int:
        return self.progress

    @property
    def added(self) -> int:
        return self.progress - len(self.failed)

    @property
    def percent(self) -> int:
        return round(100 * self.progress / self.total) if self.total else 100

    @property
    def finished(self) -> bool:
        return self.status in (FileJobStatus.DONE, FileJobStatus.FAILED)

    @property
    def stalled(self) -> bool:
        """Not finished and silent for longer than a worker ever is between steps. The sweep
        (services.requeue_stale) hands such a job to another worker; the page says so."""
        if self.finished:
            return False
        last = self.heartbeat_at or self.created_at
        return timezone.now() - last > stale_after()

    @property
    def expires_at(self) -> dt.datetime:
        return self.created_at + keep_for()

    @property
    def zip_filename(self) -> str:
        return self.download_name

    @property
    def zip_bytes(self) -> int | None:
        return self.size

    @property
    def pep_ids(self) -> list[int]:
        return list(self.params.get("pep_ids", []))

    @property
    def user_id(self) -> int | None:
        return self.requested_by_id

    def as_progress(self) -> dict[str, Any]:
        return {
            "state": self.status,
            "done": self.progress,
            "total": self.total,
            "failed": len(self.failed),
            "percent": self.percent,
        }


def stale_after() -> dt.timedelta:
    return dt.timedelta(minutes=settings.FILE_JOB_STALE_MINUTES)


def keep_for() -> dt.timedelta:
    return dt.timedelta(hours=settings.FILE_JOB_KEEP_HOURS)
