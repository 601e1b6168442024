"""The kept PDFs of a signed-off PEP: the one made at sign-off (version 1) and a new version
each time something that belongs in it is decided later (a Pupil Premium Plus decision). Old
versions are kept; the newest is the one served."""

from django.db import models
from django.utils import timezone

from pep_portal.files import private_storage


class KeptPdf(models.Model):
    pep = models.ForeignKey("peps.Pep", on_delete=models.CASCADE, related_name="kept_pdfs")
    version = models.PositiveSmallIntegerField()
    # Saved through Django's storage API, in private storage (outside the web root).
    file = models.FileField(storage=private_storage, max_length=255)
    # Why this version was made: "Signed off", "Pupil Premium Plus decided".
    reason = models.CharField(max_length=200)
    # What made it ("pp-request-7-decided"): a task run twice (the outbox delivers at least
    # once) finds its version already made and makes no other.
    cause = models.CharField(max_length=100, blank=True)
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pep", "version"]
        constraints = [
            models.UniqueConstraint(fields=["pep", "version"], name="one_kept_pdf_per_version")
        ]

    def __str__(self) -> str:
        return f"PEP {self.pep_id} PDF version {self.version}"
