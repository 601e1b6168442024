import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .school_year import YearGroup, year_group_on


class SchoolType(models.TextChoices):
    NURSERY = "nursery", "Nursery or early years setting"
    MAINTAINED = "maintained", "Maintained school"
    ACADEMY = "academy", "Academy"
    FREE = "free", "Free school"
    SPECIAL = "special", "Special school"
    FAITH = "faith", "Faith school"
    INDEPENDENT = "independent", "Independent school"
    ALTERNATIVE_PROVISION = "alternative_provision", "Alternative provision"
    POST_16 = "post16", "Post-16 or further education college"


class School(models.Model):
    """An education setting. It may be in any authority: children are often placed out of area."""

    urn = models.PositiveIntegerField("URN", unique=True)
    name = models.CharField(max_length=200)
    la_code = models.CharField("LA code", max_length=3, db_index=True)
    la_name = models.CharField("local authority", max_length=100, blank=True)
    school_type = models.CharField(max_length=30, choices=SchoolType.choices)
    phase = models.CharField(max_length=60, blank=True)
    street = models.CharField(max_length=200, blank=True)
    locality = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    email = models.EmailField("contact e-mail", blank=True)
    # Closed establishments stay on record for history but are not offered for new enrolments.
    is_open = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"

    @property
    def address(self) -> str:
        parts = (self.street, self.locality, self.town, self.postcode)
        return ", ".join(p for p in parts if p)


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    NOT_KNOWN = "not_known", "Not known"


class SenStatus(models.TextChoices):
    NONE = "none", "No special educational needs"
    SEN_SUPPORT = "sen_support", "SEN support"
    EHCP = "ehcp", "Education, health and care plan (EHCP)"


class Child(models.Model):
    """A child or young person looked after by an authority."""

    authority = models.ForeignKey(
        "accounts.LocalAuthority", on_delete=models.PROTECT, related_name="children"
    )
    legal_first_name = models.CharField(max_length=100)
    legal_last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=20, choices=Gender.choices)
    upn = models.CharField("UPN", max_length=13, blank=True)
    social_care_id = models.CharField("social care ID", max_length=40, blank=True)
    ethnicity = models.CharField(max_length=100, blank=True)
    first_language = models.CharField(max_length=100, blank=True)
    sen_status = models.CharField(
        "SEN status", max_length=20, choices=SenStatus.choices, default=SenStatus.NONE
    )
    ehcp_date = models.DateField("EHCP date", null=True, blank=True)
    social_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "children"
        ordering = ["legal_last_name", "legal_first_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.legal_first_name
        return f"{first} {self.legal_last_name}"

    def year_group(self, on: dt.date | None = None) -> YearGroup:
        return year_group_on(self.date_of_birth, on or timezone.localdate())
