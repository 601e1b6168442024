"""Pupil Premium Plus: each authority's allocation per child and year, and the requests
designated teachers raise against a PEP, which the virtual school decides.

The models moved here from quality_assurance; their tables kept their names (docs/adr)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class PpAllocation(models.Model):
    """Pupil Premium Plus per child for one financial year (1 April to 31 March)."""

    authority = models.ForeignKey(
        "accounts.LocalAuthority", on_delete=models.CASCADE, related_name="pp_allocations"
    )
    financial_year = models.PositiveSmallIntegerField(help_text="The year it starts on 1 April.")
    amount_per_child = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(0)]
    )
    # The Early Years Pupil Premium's own rate for the year (blank: not set yet).
    early_years_amount_per_child = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    # The tables keep the names they had inside quality_assurance (no data moved).
    history = HistoricalRecords(table_name="quality_assurance_historicalppallocation")

    class Meta:
        db_table = "quality_assurance_ppallocation"
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "financial_year"], name="one_allocation_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"£{self.amount_per_child} per child in {self.financial_year}"


class PpStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    PART_APPROVED = "part_approved", "Part-approved"
    DECLINED = "declined", "Declined"
    # Taken back by the school (the PEP's section answered "no") before it was decided.
    WITHDRAWN = "withdrawn", "Withdrawn"


class PpKind(models.TextChoices):
    PP_PLUS = "pp_plus", "Pupil Premium Plus"
    EARLY_YEARS = "early_years", "Early Years Pupil Premium"


class PpRequest(models.Model):
    pep = models.ForeignKey("peps.Pep", on_delete=models.PROTECT, related_name="pp_requests")
    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="pp_requests"
    )
    school = models.ForeignKey(
        "children.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pp_requests",
    )
    target = models.ForeignKey(
        "meetings.Target",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pp_requests",
    )
    # The PEP's "Pupil Premium Plus request" section this request is: answering the section
    # raises it, editing the section edits it, answering "no" withdraws it. Blank for requests
    # raised before the section was the request.
    section = models.OneToOneField(
        "peps.PepSection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pp_request",
    )
    kind = models.CharField(max_length=20, choices=PpKind.choices, default=PpKind.PP_PLUS)
    financial_year = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(1)])
    purpose = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=PpStatus.choices, default=PpStatus.REQUESTED)
    approved_amount = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(table_name="quality_assurance_historicalpprequest")

    class Meta:
        db_table = "quality_assurance_pprequest"
        ordering = ["requested_at", "pk"]
        indexes = [
            models.Index(fields=["financial_year", "status"]),
            # The virtual school's list: those waiting for a decision, oldest first, a page at a
            # time (without it, all of a large authority's requests were sorted for 25).
            models.Index(fields=["status", "requested_at", "id"], name="pp_request_waiting_idx"),
        ]

    def __str__(self) -> str:
        return f"£{self.amount} for {self.purpose[:40]}"


class PpSchoolFund(models.Model):
    """Where the authority devolves PP+ (its rule set says the school decides): the amount
    devolved to one school for one term, which its designated teacher allocates to requests."""

    school = models.ForeignKey("children.School", on_delete=models.PROTECT, related_name="pp_funds")
    authority = models.ForeignKey(
        "accounts.LocalAuthority", on_delete=models.CASCADE, related_name="pp_school_funds"
    )
    academic_year = models.PositiveSmallIntegerField()
    # The review term's code (calendars.choices.TermCode): autumn, spring or summer.
    term = models.CharField(max_length=10)
    amount = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "school", "academic_year", "term"],
                name="one_pp_fund_per_school_and_term",
            )
        ]

    def __str__(self) -> str:
        return f"£{self.amount} for {self.school} in {self.term} {self.academic_year}"
