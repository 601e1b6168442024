"""Education outcomes kept per child: attendance per term, suspensions and permanent exclusions,
part-time timetables, spells without a school or setting, and attainment per term and subject
on the scales of outcomes/scales.py. Every change is kept in the history (who, when, what)."""

import datetime as dt

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from pep_portal.calendars.choices import TermCode

from .scales import ExclusionReason, KeyStage

TERM_ORDER = {TermCode.AUTUMN: 1, TermCode.SPRING: 2, TermCode.SUMMER: 3}


def term_index(academic_year: int, term: str) -> int:
    """A number that orders terms: Autumn 2025 < Spring 2025 (January 2026) < Summer 2025."""
    return academic_year * 10 + TERM_ORDER[TermCode(term)]


class Source(models.TextChoices):
    ENTERED = "entered", "Entered in the portal"
    IMPORTED = "imported", "Imported from the school's data file"


class TermRecord(models.Model):
    """What one child's record for one term has in common."""

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="+")
    academic_year = models.PositiveSmallIntegerField(help_text="The year the school year began.")
    term = models.CharField(max_length=10, choices=TermCode.choices)
    # academic_year * 10 + 1, 2 or 3 (term_index): orders terms in SQL.
    term_index = models.PositiveIntegerField(editable=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ENTERED)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def term_label(self) -> str:
        year = f"{self.academic_year}/{(self.academic_year + 1) % 100:02d}"
        return f"{TermCode(self.term).label} {year}"


class TermAttendance(TermRecord):
    """A term's attendance in sessions (two a day). Percentages are never stored: they are
    computed from the sessions (outcomes/attendance.py, and in SQL by the selectors)."""

    child = models.ForeignKey(
        "children.Child", on_delete=models.CASCADE, related_name="term_attendance"
    )
    school = models.ForeignKey(
        "children.School", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sessions_possible = models.PositiveSmallIntegerField()
    sessions_present = models.PositiveSmallIntegerField()
    authorised_absence = models.PositiveSmallIntegerField()
    unauthorised_absence = models.PositiveSmallIntegerField()
    # Imported from a school's data file: False until the designated teacher confirms or
    # changes it from the PEP (saving the term's attendance confirms it).
    confirmed = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["child", "term_index"]
        verbose_name_plural = "term attendance"
        constraints = [
            models.UniqueConstraint(
                fields=["child", "academic_year", "term"], name="one_attendance_per_child_term"
            ),
            models.CheckConstraint(
                name="attendance_sessions_add_up",
                condition=models.Q(sessions_possible__gt=0)
                & models.Q(
                    sessions_possible__gte=models.F("sessions_present")
                    + models.F("authorised_absence")
                    + models.F("unauthorised_absence")
                ),
            ),
        ]
        indexes = [models.Index(fields=["academic_year", "term"])]

    def __str__(self) -> str:
        return f"Attendance, {self.term_label}"


class ExclusionKind(models.TextChoices):
    SUSPENSION = "suspension", "Suspension"
    PERMANENT = "permanent", "Permanent exclusion"


class ExclusionEvent(models.Model):
    """A suspension (fixed-period exclusion) or a permanent exclusion, as the school records it
    for the census: the first day, the sessions lost and the DfE reason."""

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="exclusions")
    school = models.ForeignKey(
        "children.School", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=ExclusionKind.choices)
    started_on = models.DateField("first day")
    sessions_lost = models.PositiveSmallIntegerField(
        help_text="Sessions (half days) lost; for a permanent exclusion, until a new place."
    )
    reason = models.CharField(max_length=2, choices=ExclusionReason.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "kind", "started_on"], name="one_exclusion_per_child_kind_day"
            ),
            models.CheckConstraint(
                name="exclusion_sessions_lost_in_range",
                condition=models.Q(sessions_lost__lte=400),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.started_on:%d %b %Y}"


class PartTimeTimetable(models.Model):
    """A reduced timetable, which the guidance says must be short and reviewed."""

    child = models.ForeignKey(
        "children.Child", on_delete=models.CASCADE, related_name="part_time_timetables"
    )
    started_on = models.DateField()
    review_on = models.DateField("review date")
    ended_on = models.DateField(null=True, blank=True)
    hours_per_week = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    # Why the child is on a reduced timetable (the guidance asks that it be recorded).
    reason = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="part_time_review_after_start",
                condition=models.Q(review_on__gte=models.F("started_on")),
            ),
            models.CheckConstraint(
                name="part_time_ends_after_start",
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"Part-time timetable from {self.started_on:%d %b %Y}"


class MissingEducationSpell(models.Model):
    """A time with no school or setting (missing education), from its first day to its last."""

    child = models.ForeignKey(
        "children.Child", on_delete=models.CASCADE, related_name="missing_education"
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="missing_education_ends_after_start",
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
            ),
            models.UniqueConstraint(
                fields=["child"],
                condition=models.Q(ended_on__isnull=True),
                name="one_open_missing_education_spell",
            ),
        ]

    def __str__(self) -> str:
        return f"No setting from {self.started_on:%d %b %Y}"


class AttainmentRecord(TermRecord):
    """One subject's attainment in one term, on its key stage's scale (outcomes/scales.py):
    `values` holds the answers to the subject's questions, checked by the PEP's checker.

    A record carried forward from the last term is kept with `confirmed` False until the
    designated teacher confirms or changes it."""

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="attainment")
    key_stage = models.CharField(max_length=10, choices=KeyStage.choices)
    subject = models.CharField(max_length=40)
    values = models.JSONField(default=dict)
    confirmed = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["child", "term_index", "key_stage", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "academic_year", "term", "key_stage", "subject"],
                name="one_attainment_per_child_term_subject",
            )
        ]
        indexes = [models.Index(fields=["academic_year", "term", "key_stage"])]

    def __str__(self) -> str:
        return f"{self.subject}, {self.term_label}"


class AlertKind(models.TextChoices):
    EXCLUSION = "exclusion", "Suspension or exclusion recorded"
    PERSISTENT_ABSENCE = "persistent_absence", "Attendance under the persistent absence line"
    SEVERE_ABSENCE = "severe_absence", "Attendance under the severe absence line"
    MISSING_EDUCATION = "missing_education", "No school or setting for too long"


class OutcomeAlert(models.Model):
    """That people were told of an event, so each event is told once (the unique key)."""

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    # What the event was: the exclusion's or spell's id, or the term ("2025-autumn").
    about = models.CharField(max_length=40)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "kind", "about"], name="one_outcome_alert_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.about})"


class MisImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Waiting for confirmation"
    REFUSED = "refused", "Refused"
    IMPORTED = "imported", "Imported"


class MisImportLayout(models.TextChoices):
    ATTENDANCE = "attendance", "Attendance"
    ATTAINMENT = "attainment", "Attainment"


class MisImport(models.Model):
    """One upload of a school's (or an authority's) MIS export, from preview to import: the
    rows checked are kept, so what is imported on confirmation is exactly what was previewed."""

    authority = models.ForeignKey(
        "accounts.LocalAuthority", on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        "children.School", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    layout = models.CharField(max_length=12, choices=MisImportLayout.choices)
    file_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=12, choices=MisImportStatus.choices, default=MisImportStatus.PREVIEWED
    )
    # The rows to import (matched, checked), the errors by row and the unmatched rows.
    rows = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    unmatched = models.JSONField(default=list)
    imported_at = models.DateTimeField(null=True, blank=True)
    # The counts, kept when the rows themselves are removed (settings.MIS_IMPORT_ROWS_KEEP_DAYS).
    row_count = models.PositiveIntegerField(default=0)
    unmatched_count = models.PositiveIntegerField(default=0)
    rows_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            models.Index(
                fields=["uploaded_at"],
                condition=models.Q(rows_removed_at__isnull=True),
                name="mis_import_rows_kept",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_layout_display()} file {self.file_name}"


def term_of(day: dt.date) -> tuple[int, str]:
    """The school year and review term a date falls in: September to December is Autumn,
    January to March Spring, April to August Summer (the terms PEPs are reviewed in)."""
    if day.month >= 9:
        return day.year, TermCode.AUTUMN
    if day.month <= 3:
        return day.year - 1, TermCode.SPRING
    return day.year - 1, TermCode.SUMMER


def term_bounds(academic_year: int, term: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a review term as term_of counts it."""
    if term == TermCode.AUTUMN:
        return dt.date(academic_year, 9, 1), dt.date(academic_year, 12, 31)
    if term == TermCode.SPRING:
        return dt.date(academic_year + 1, 1, 1), dt.date(academic_year + 1, 3, 31)
    return dt.date(academic_year + 1, 4, 1), dt.date(academic_year + 1, 8, 31)
