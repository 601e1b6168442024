from django.db import models
from django.utils import timezone


class OutboxTask(models.Model):
    """One piece of work for a Celery worker, written in the same transaction as the change
    that asks for it, so the work exists exactly when the change does. It is published to the
    broker once that transaction commits and again by the relay (pep_portal.outbox.services)
    until the broker takes it: Redis being away delays work, never loses it.

    Arguments are ids and dates wherever possible, never a child's details; they are cleared
    once the row is sent (the password reset's e-mail address among them), and the row itself
    is deleted a week later."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Publishing attempts, the last one's time and failure (the exception's class name only).
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            # The relay reads only what is still waiting, oldest first.
            models.Index(
                fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_waiting"
            ),
            models.Index(fields=["sent_at"], name="outbox_sent_at"),
        ]

    def __str__(self) -> str:
        state = f"sent {self.sent_at:%Y-%m-%d %H:%M}" if self.sent_at else "waiting"
        return f"{self.task_name} #{self.pk} ({state})"
