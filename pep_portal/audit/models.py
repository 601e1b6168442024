"""The audit log: one append-only table of who read, downloaded, exported, imported or changed
access to what (README, "Audit and retention").

This app is the lowest layer: every other app may write to it, and it imports none of them.
Its foreign keys are declared by name and without database constraints (`db_constraint=False`,
`DO_NOTHING`), so a row outlives whatever it names and nothing cascades into it: the database
trigger (migration 0001) refuses every UPDATE and every DELETE except the retention purge.
"""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

# Kept this long where an authority has set nothing (AuditRetention). Also written into the
# trigger of migration 0001, which must agree with it.
DEFAULT_RETENTION_YEARS = 7


class AuditIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit event through the ORM."""


class AuditAction(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    # Second factors (two-factor sign-in): added, removed, reset by an administrator.
    SECOND_FACTOR_ADDED = "second_factor_added", "Second factor added"
    SECOND_FACTOR_REMOVED = "second_factor_removed", "Second factor removed"
    SECOND_FACTOR_RESET = "second_factor_reset", "Second factor reset"
    BACKUP_CODES_REPLACED = "backup_codes_replaced", "New backup codes made"
    SECOND_FACTOR_FAILED = "second_factor_failed", "Second factor refused (wrong code)"
    NEW_DEVICE_SIGN_IN = "new_device_sign_in", "Signed in from a new browser"
    EMAIL_CHANGE_ASKED = "email_change_asked", "Asked to change e-mail address"
    EMAIL_CHANGED = "email_changed", "E-mail address changed"
    CHILD_RECORD_OPENED = "child_record_opened", "Opened the child's record"
    PEP_OPENED = "pep_opened", "Opened a PEP"
    PDF_DOWNLOADED = "pdf_downloaded", "Downloaded a PDF"
    ATTACHMENT_DOWNLOADED = "attachment_downloaded", "Downloaded an attachment"
    ZIP_DOWNLOADED = "zip_downloaded", "Downloaded a ZIP"
    CSV_DOWNLOADED = "csv_downloaded", "Downloaded a CSV"
    SUBJECT_ACCESS_REQUESTED = "subject_access_requested", "Asked for a subject access export"
    IMPORTED = "imported", "Imported a file"
    ACCESS_GRANTED = "access_granted", "Given access to a child"
    ACCESS_REVOKED = "access_revoked", "Access to a child ended"
    QA_DECISION = "qa_decision", "Quality assurance decision"
    PP_DECISION = "pp_decision", "Pupil Premium Plus decision"
    AUDIT_PURGED = "audit_purged", "Audit events past their retention period deleted"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditIsAppendOnly("Audit events cannot be changed.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditIsAppendOnly("Audit events cannot be changed.")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditIsAppendOnly("Audit events cannot be changed.")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AuditIsAppendOnly(
            "Audit events cannot be deleted (the retention purge is the one way out)."
        )


class AuditEvent(models.Model):
    """One thing that happened. Names no child in `detail`: the child is a key, so a search or
    a subject access export finds it, and an export of someone else's view carries no name."""

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who it was at the time (a closed account's name stays readable), or the address typed
    # in a failed sign-in.
    actor_label = models.CharField(max_length=254, blank=True)
    # The authority whose data this is (the child's), else the actor's: whose administrators
    # see the event.
    authority = models.ForeignKey(
        "accounts.LocalAuthority",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    child = models.ForeignKey(
        "children.Child",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # What was read or changed, when it is not the child itself: "pep", "attachment", "user" …
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["authority", "-occurred_at"], name="audit_by_authority"),
            models.Index(fields=["child", "-occurred_at"], name="audit_by_child"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_by_actor"),
        ]

    def __str__(self) -> str:
        when = f"{self.occurred_at:%Y-%m-%d %H:%M}"
        return f"{self.get_action_display()} by {self.actor_label} at {when}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditIsAppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditIsAppendOnly(
            "Audit events cannot be deleted (the retention purge is the one way out)."
        )


class AuditRetention(models.Model):
    """How long an authority keeps its audit events (its information governance decides).
    Read by the purge and, again, by the database trigger that lets the purge delete."""

    authority = models.OneToOneField(
        "accounts.LocalAuthority", on_delete=models.CASCADE, related_name="audit_retention"
    )
    years = models.PositiveSmallIntegerField(
        default=DEFAULT_RETENTION_YEARS,
        help_text="Audit events are deleted this many years after they happened.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(years__gte=1, years__lte=100), name="audit_retention_years"
            )
        ]

    def __str__(self) -> str:
        return f"{self.authority}: {self.years} years"
