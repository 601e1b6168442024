from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.storage import Storage
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from children.school_year import PepTemplate
from pep_portal import files


class Term(models.TextChoices):
    INITIAL = "initial", "Initial PEP"
    AUTUMN = "autumn", "Autumn"
    SPRING = "spring", "Spring"
    SUMMER = "summer", "Summer"


class PepStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_PROGRESS = "in_progress", "In progress"
    READY_FOR_MEETING = "ready_for_meeting", "Ready for meeting"
    MEETING_HELD = "meeting_held", "Meeting held"
    SUBMITTED = "submitted", "Submitted for quality assurance"
    RETURNED = "returned", "Returned for changes"
    SIGNED_OFF = "signed_off", "Signed off"
    # The child left care before it was finished (peps/leaving_care.py): kept, read-only.
    CLOSED = "closed", "Closed: the child left care"


# A PEP in one of these is finished: no work, no reminders, no longer open on a dashboard.
FINISHED_STATUSES = (PepStatus.SIGNED_OFF, PepStatus.CLOSED)

# While these hold, owners may still edit their sections.
EDITABLE_STATUSES = frozenset(
    {
        PepStatus.DRAFT,
        PepStatus.IN_PROGRESS,
        PepStatus.READY_FOR_MEETING,
        PepStatus.MEETING_HELD,
        PepStatus.RETURNED,
    }
)


class Pep(models.Model):
    """One child's personal education plan for one term (or the initial PEP on entering care)."""

    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="peps")
    academic_year = models.PositiveSmallIntegerField(help_text="The year the school year began.")
    term = models.CharField(max_length=10, choices=Term.choices)
    template = models.CharField(max_length=10, choices=PepTemplate.choices)
    status = models.CharField(max_length=20, choices=PepStatus.choices, default=PepStatus.DRAFT)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The PEP this one was carried forward from.",
    )
    # When the PEP meeting must be held by, and how that date was worked out (or why not).
    due_on = models.DateField(null=True, blank=True)
    # Where the PEP's period starts: the day the child entered care (an initial PEP), or the
    # start of its review term. Blank on PEPs set up before it was kept.
    starts_on = models.DateField(null=True, blank=True)
    due_basis = models.CharField(max_length=300, blank=True)
    meeting_on = models.DateField(null=True, blank=True)
    # When the designated teacher's sections are due: N school days before the arranged meeting.
    teacher_sections_due_on = models.DateField(null=True, blank=True)
    submission_due_on = models.DateField(null=True, blank=True)
    # Pupil Premium Plus was approved at the PEP before this one: this PEP's PP+ section must
    # say how it was spent and its impact on the targets it funded before it is complete
    # (peps/sections.py, `required_if_pp_review`). Kept by pupil_premium, which knows.
    reviews_pp_plus = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "PEP"
        ordering = ["-academic_year", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "academic_year", "term"],
                condition=~models.Q(term=Term.INITIAL),
                name="one_pep_per_child_and_term",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            # The dashboard's overdue list: open PEPs with no meeting held, soonest due first.
            models.Index(
                fields=["due_on"],
                condition=models.Q(meeting_on__isnull=True)
                & ~models.Q(status__in=FINISHED_STATUSES),
                name="pep_open_unmet_by_due_on",
            ),
            # The virtual school's work counts, most urgent and work lists read every open PEP
            # of the authority: a third of the PEPs, on a seventh of the table's pages (the
            # signed-off ones pile up), which this reads instead of all of them.
            models.Index(
                fields=["child"],
                condition=~models.Q(status__in=FINISHED_STATUSES),
                name="open_pep_by_child",
            ),
            # The QA queue, oldest submission first, a page at a time: read in order from the
            # PEPs waiting (1,200 at the 10,000-child seed), not all of them joined and sorted.
            models.Index(
                fields=["submitted_at", "id"],
                condition=models.Q(status=PepStatus.SUBMITTED),
                name="pep_submitted_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} for {self.child}"

    @property
    def title(self) -> str:
        year = f"{self.academic_year}/{(self.academic_year + 1) % 100:02d}"
        if self.term == Term.INITIAL:
            return f"Initial PEP {year}"
        return f"{self.get_term_display()} PEP {year}"

    @property
    def is_locked(self) -> bool:
        return self.status == PepStatus.SIGNED_OFF

    @property
    def signed_off_snapshot(self) -> dict[str, Any] | None:
        """Exactly what was signed off (PepSnapshot), or None before sign-off. One query the
        first time, unless fetched with `select_related("snapshot")`."""
        try:
            return self.snapshot.content
        except ObjectDoesNotExist:
            return None


class PepSnapshot(models.Model):
    """Exactly what was signed off, kept so it can be shown (and printed) unchanged forever
    (peps/services.py `pep_snapshot`). In its own table, not a column of the PEP: about 1.5 KB
    of JSON a PEP, which every count and list over PEPs would otherwise read. Written once, at
    sign-off (logged as the PEP's move to signed off), never changed: no history of its own."""

    pep = models.OneToOneField(
        Pep, on_delete=models.CASCADE, primary_key=True, related_name="snapshot"
    )
    content = models.JSONField()

    class Meta:
        verbose_name = "signed-off PEP snapshot"

    def __str__(self) -> str:
        return f"What was signed off of PEP {self.pep_id}"


class SectionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"


class PepSection(models.Model):
    """A section's answers (keyed by field name, see peps/sections.py)."""

    pep = models.ForeignKey(Pep, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(max_length=40)
    answers = models.JSONField(default=dict, blank=True)
    # Fields still as they were carried forward from the last PEP, until someone confirms them.
    carried_forward = models.JSONField(default=list, blank=True)
    # Answers to questions no longer asked (SectionSpec.retired: the free-text attainment and
    # typed attendance the structured records replaced), by field name: shown read-only as
    # "previously recorded", never edited or lost.
    previously_recorded = models.JSONField(default=dict, blank=True, editable=False)
    status = models.CharField(
        max_length=20, choices=SectionStatus.choices, default=SectionStatus.NOT_STARTED
    )
    # Optimistic locking: a save must name the version it started from.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Why someone else now finishes this section: written when the child changes school with
    # the section unfinished (services.pep_school_move_follow), shown on the section.
    handover_note = models.CharField(max_length=500, blank=True)
    # Every saved change is kept: the PEP's history.
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["pep", "key"], name="one_section_of_each_kind")
        ]
        indexes = [
            # The dashboard's "child's voice missing" list asks this of every PEP held or
            # submitted: a small index of the unfinished ones, not a probe of every section.
            models.Index(
                fields=["pep"],
                condition=models.Q(key="child_voice") & ~models.Q(status=SectionStatus.COMPLETE),
                name="child_voice_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} of {self.pep_id}"


class SectionDraft(models.Model):
    """What someone has typed but not saved: kept so a timeout or a closed tab loses nothing."""

    section = models.ForeignKey(PepSection, on_delete=models.CASCADE, related_name="drafts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(default=dict)
    base_version = models.PositiveIntegerField()
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "author"], name="one_draft_per_author")
        ]

    def __str__(self) -> str:
        return f"Draft of {self.section} by {self.author_id}"


class PepEvent(models.Model):
    """Each move through the workflow: who, when, from and to, and why (for returns)."""

    pep = models.ForeignKey(Pep, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=PepStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=PepStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.pep_id}: {self.from_status} → {self.to_status}"


def private_storage() -> Storage:
    """Attachments live outside the web root (a private folder or bucket: pep_portal/files.py)
    and are served only through a view that checks permission. A callable, so migrations
    record no machine's path or bucket."""
    return files.private_storage()


def _attachment_path(instance: "Attachment", filename: str) -> str:
    # Random, meaningless names on disk: nothing about the child in the file system.
    return f"attachments/{instance.pep_id}/{instance.sha256[:16]}-{timezone.now():%Y%m%d%H%M%S}"


class Attachment(models.Model):
    pep = models.ForeignKey(Pep, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to=_attachment_path, max_length=200)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name
