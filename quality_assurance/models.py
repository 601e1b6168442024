"""Quality assurance of PEPs: ratings, feedback, sign-off decisions and training needs.

Rating scales, checklists and the rules between them are data per authority (a QaFramework),
shipped with presets (quality_assurance/presets.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Scale(models.TextChoices):
    GOOD_RI_INADEQUATE = "good_ri_inadequate", "Good / Requires improvement / Inadequate"
    RAG = "rag", "Red / Amber / Green"
    GGAR = "ggar", "Gold / Green / Amber / Red"


# Each scale's ratings, best first.
SCALE_RATINGS: dict[str, tuple[tuple[str, str], ...]] = {
    Scale.GOOD_RI_INADEQUATE: (
        ("good", "Good"),
        ("requires_improvement", "Requires improvement"),
        ("inadequate", "Inadequate"),
    ),
    Scale.RAG: (("green", "Green"), ("amber", "Amber"), ("red", "Red")),
    Scale.GGAR: (("gold", "Gold"), ("green", "Green"), ("amber", "Amber"), ("red", "Red")),
}

# Every rating's label by its stored value: a value means the same on every scale that has it.
RATING_LABELS: dict[str, str] = {
    value: label for ratings in SCALE_RATINGS.values() for value, label in ratings
}


class QaFramework(models.Model):
    """How an authority's virtual school rates PEPs."""

    authority = models.OneToOneField(
        "accounts.LocalAuthority", on_delete=models.CASCADE, related_name="qa_framework"
    )
    scale = models.CharField(max_length=30, choices=Scale.choices)
    # A PEP rated this or worse cannot be signed off (the scale's worst, in the presets).
    blocks_sign_off_at = models.CharField(max_length=30)
    # A PEP rated exactly this flags training for its designated teacher and social worker.
    training_at = models.CharField(max_length=30, blank=True)
    # The overall rating follows the criteria: the worst criterion, except that this many
    # criteria may sit one level below the rest (GGAR preset: all Gold but one Green is Gold).
    # None: the reviewer chooses the overall rating.
    one_level_allowance = models.PositiveSmallIntegerField(null=True, blank=True)
    # "No PEP, no premium": PP+ is released only for a PEP rated at least this (blank: always).
    pp_release_min_rating = models.CharField(max_length=30, blank=True)
    # Submitted PEPs waiting longer than this are flagged on the dashboard.
    review_within_days = models.PositiveSmallIntegerField(default=10)
    preset = models.CharField(max_length=40, blank=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"QA framework for {self.authority}"

    @property
    def ratings(self) -> tuple[tuple[str, str], ...]:
        return SCALE_RATINGS[self.scale]

    def rank(self, rating: str) -> int:
        """0 is the best rating; larger is worse."""
        return [value for value, _ in self.ratings].index(rating)

    def label(self, rating: str) -> str:
        return dict(self.ratings).get(rating, rating)


class QaCriterion(models.Model):
    framework = models.ForeignKey(QaFramework, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class QaDecision(models.TextChoices):
    SIGNED_OFF = "signed_off", "Signed off"
    RETURNED = "returned", "Returned for changes"
    MODERATION = "moderation", "Moderation (second review)"


class QaReview(models.Model):
    pep = models.ForeignKey("peps.Pep", on_delete=models.CASCADE, related_name="qa_reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # {criterion id: rating}, on the framework's scale at the time of the review.
    criteria_ratings = models.JSONField(default=dict)
    overall = models.CharField(max_length=30)
    scale = models.CharField(max_length=30, choices=Scale.choices)
    feedback_to_teacher = models.TextField(blank=True)
    feedback_to_social_worker = models.TextField(blank=True)
    decision = models.CharField(max_length=20, choices=QaDecision.choices)
    changes_needed = models.TextField(blank=True)
    # A moderation review is a second look at a signed-off PEP, compared with the first.
    moderates = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="moderations"
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["decision", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.rating_label}"

    @property
    def rating_label(self) -> str:
        """The rating in words ("Requires improvement"), never the stored value."""
        return RATING_LABELS.get(self.overall, self.overall)


class TrainingNeed(models.Model):
    """A designated teacher or social worker whose PEP was rated as needing improvement."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_needs"
    )
    review = models.ForeignKey(QaReview, on_delete=models.CASCADE, related_name="training_needs")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "review"], name="one_need_per_review")
        ]

    def __str__(self) -> str:
        return f"Training for {self.person}"
