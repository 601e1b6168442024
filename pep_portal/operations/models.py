from django.db import models


class KeepUntil(models.TextChoices):
    BIRTHDAY_25 = "25th_birthday", "the child's 25th birthday"
    YEARS_AFTER_CARE = "years_after_care", "a number of years after the child left care"


class RetentionAction(models.TextChoices):
    DELETE = "delete", "delete the child's record"
    REPORT = "report", "only count the records that are due (nothing is deleted)"


class RetentionRule(models.Model):
    """How long an authority keeps a child's education record once the child has left care:
    the authority's decision (its records retention schedule), so data, not code. Without a
    rule nothing is ever deleted."""

    authority = models.OneToOneField(
        "accounts.LocalAuthority", on_delete=models.CASCADE, related_name="retention_rule"
    )
    keep_until = models.CharField(max_length=20, choices=KeepUntil.choices)
    # For YEARS_AFTER_CARE: whole years after the end of the child's last period in care.
    years = models.PositiveSmallIntegerField(default=0)
    action = models.CharField(
        max_length=10, choices=RetentionAction.choices, default=RetentionAction.REPORT
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(keep_until="years_after_care") | models.Q(years__gte=1),
                name="retention_years_after_care_at_least_one",
            )
        ]

    def __str__(self) -> str:
        return f"{self.authority}: keep until {self.get_keep_until_display()}"
