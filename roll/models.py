import uuid

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models

from pep_portal.files import private_storage


def extract_storage() -> Storage:
    """Where an uploaded extract waits between its preview and its import: the private file
    store (pep_portal/files.py), through Django's storage API only."""
    return private_storage()


class RollImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Waiting for confirmation"
    REFUSED = "refused", "Refused"
    IMPORTED = "imported", "Imported"
    DISCARDED = "discarded", "Discarded"


class RollImport(models.Model):
    """One upload of a case system's SSDA903 extract, from its preview to its import.

    The files themselves are kept through Django's storage API (`storage_prefix`), so what is
    imported on confirmation is exactly what was previewed, whichever server answers."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    authority = models.ForeignKey(
        "accounts.LocalAuthority", on_delete=models.PROTECT, related_name="roll_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    as_of = models.DateField("extract describes")
    file_names = models.JSONField(default=list)
    storage_prefix = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=20, choices=RollImportStatus.choices, default=RollImportStatus.PREVIEWED
    )
    # The preview's counts, problems and differences; then the import's.
    preview = models.JSONField(default=dict)
    result = models.JSONField(default=dict, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"SSDA903 extract of {self.as_of:%d %b %Y} ({self.get_status_display()})"
