from django.db import models
from django.utils import timezone


class DailyRun(models.Model):
    """A daily job's claim on one day. The unique key is what makes the schedule safe: however
    many beats send the tick, and however often, only the first claim of (job, day) queues the
    job (pep_portal.scheduling.services)."""

    job = models.CharField(max_length=100)
    day = models.DateField()
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "day"], name="daily_run_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.day:%Y-%m-%d}"
