"""Sign-in security: each authority's second-factor and sign-in rules, its single sign-on
providers, the browsers each person has signed in from, and the sensitive actions that the
authority's virtual school head reviews (separation of duties)."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from pep_portal.accounts.models import LocalAuthority


class AuthoritySecurity(models.Model):
    """An authority's sign-in rules. Social workers, virtual school staff, IROs and authority
    administrators always need a second factor; this decides it for everyone else who works
    with the authority's children (designated teachers, delegated school staff, carers)."""

    authority = models.OneToOneField(
        LocalAuthority, on_delete=models.CASCADE, related_name="security"
    )
    second_factor_for_everyone = models.BooleanField(
        "require a second factor from designated teachers, delegated staff and carers",
        default=False,
    )
    remember_device_days = models.PositiveSmallIntegerField(
        "days a browser may skip the second factor (0: never)",
        default=0,
        validators=[MaxValueValidator(30)],
    )
    # The named person told of every sensitive action in the authority, who may undo it.
    virtual_school_head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"role": "virtual_school_staff"},
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "authority sign-in rules"
        verbose_name_plural = "authority sign-in rules"

    def __str__(self) -> str:
        return f"Sign-in rules of {self.authority}"


class SingleSignOnProvider(models.Model):
    """An OpenID Connect provider (Microsoft Entra ID, Google, …) that signs in people whose
    e-mail address is in one of its domains. It never creates an account: the virtual school
    still decides who has one."""

    authority = models.ForeignKey(
        LocalAuthority, on_delete=models.CASCADE, related_name="sign_on_providers"
    )
    name = models.CharField(max_length=100, help_text="Shown on the button, e.g. 'Microsoft'.")
    issuer = models.URLField(help_text="The provider's issuer URL (its discovery document).")
    authorization_endpoint = models.URLField()
    token_endpoint = models.URLField()
    jwks_endpoint = models.URLField()
    client_id = models.CharField(max_length=200)
    # Never stored in the database: the name of an environment variable, or a file path, that
    # holds the client secret.
    client_secret_source = models.CharField(
        max_length=300,
        help_text="env:NAME or file:/path, where the client secret is kept.",
    )
    email_domains = models.TextField(
        help_text="The e-mail domains the provider signs in, one per line."
    )
    provider_enforces_mfa = models.BooleanField(
        "the provider's sign-in counts as the second factor",
        default=False,
        help_text="Only when the ID token's amr or acr claim says multi-factor was used.",
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["authority__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.authority})"

    @property
    def domains(self) -> list[str]:
        return [d.strip().lower() for d in self.email_domains.split() if d.strip()]


class KnownDevice(models.Model):
    """A browser a person has signed in from, known by a long-lived signed cookie (only its
    hash is kept). Signing in from a browser not seen before sends the person an alert."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_devices"
    )
    token_hash = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "token_hash"], name="known_device_unique")
        ]

    def __str__(self) -> str:
        return f"A browser of {self.user_id}, first seen {self.first_seen_at:%Y-%m-%d}"


class SensitiveActionKind(models.TextChoices):
    ACCOUNT_CREATED = "account_created", "Virtual school or administrator account created"
    TEACHER_APPROVED = "teacher_approved", "Designated teacher approved"
    SECOND_FACTOR_RESET = "second_factor_reset", "Second factor reset"
    BULK_EXPORT = "bulk_export", "Bulk export of children's records"


# An export has left the portal: it can be reviewed, not undone.
CANNOT_BE_UNDONE = {SensitiveActionKind.BULK_EXPORT}


class SensitiveAction(models.Model):
    """One action that gives someone access or weakens an account's protection. The
    authority's virtual school head is told of each and may undo it (separation of duties)."""

    authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, related_name="sensitive_actions"
    )
    kind = models.CharField(max_length=30, choices=SensitiveActionKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approval = models.ForeignKey(
        "children.TeacherApproval", on_delete=models.PROTECT, null=True, blank=True
    )
    # What was exported, for a bulk export: never a child's name.
    detail = models.CharField(max_length=200, blank=True)
    done_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-done_at"]
        indexes = [models.Index(fields=["authority", "-done_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.done_at:%Y-%m-%d})"

    @property
    def can_be_undone(self) -> bool:
        return self.undone_at is None and self.kind not in CANNOT_BE_UNDONE
