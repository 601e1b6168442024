from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from simple_history.models import HistoricalRecords

from .addresses import normalise_email
from .roles import AUTHORITY_ROLES, SCHOOL_ROLES, CarerKind, Role, VirtualSchoolDuty

# Django's salt for the session fingerprint (AbstractBaseUser.get_session_auth_hash).
SESSION_HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"

PRIVACY_HELP = "Blank: the portal's standard wording is shown. Paragraphs are kept as typed."


class LocalAuthority(models.Model):
    """A council whose Virtual School runs PEPs on the portal. Each sees only its own data."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    # The DfE's three-digit LA code (e.g. 887 Medway), as used in GIAS and UPNs.
    la_code = models.CharField("LA code", max_length=3, unique=True)
    virtual_school_name = models.CharField(max_length=200)
    # A shared mailbox, shown to users as the place to ask for help.
    virtual_school_email = models.EmailField()
    # The privacy notice, in this authority's words (the signed-in and public privacy pages).
    # Blank: the standard wording (pep_portal/home/legal.py) is shown for that part.
    data_protection_officer_email = models.EmailField(
        "data protection officer's e-mail address", blank=True
    )
    privacy_held = models.TextField(
        "privacy notice: what we hold", blank=True, help_text=PRIVACY_HELP
    )
    privacy_why = models.TextField(
        "privacy notice: why we hold it", blank=True, help_text=PRIVACY_HELP
    )
    privacy_lawful_basis = models.TextField(
        "privacy notice: lawful basis", blank=True, help_text=PRIVACY_HELP
    )
    privacy_retention = models.TextField(
        "privacy notice: how long we keep it", blank=True, help_text=PRIVACY_HELP
    )
    privacy_rights = models.TextField(
        "privacy notice: your rights", blank=True, help_text=PRIVACY_HELP
    )
    privacy_contact = models.TextField(
        "privacy notice: how to contact us", blank=True, help_text=PRIVACY_HELP
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "local authorities"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalise_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        # The portal's operator: Django admin only, no authority, no children.
        extra.update(is_staff=True, is_superuser=True, role="")
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email=normalise_email(username))

    def with_address(self, address: str | None) -> "models.QuerySet[User]":
        """The account an address, typed any way, belongs to: an exact match on the stored
        form (addresses.normalise_email), so sign-in, lockout, password reset and invitations
        all agree on it. Never email__iexact: PostgreSQL folds case differently from Python."""
        return self.filter(email=normalise_email(address))


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    role = models.CharField(max_length=40, choices=Role.choices, blank=True)
    authority = models.ForeignKey(
        LocalAuthority,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="For social workers, virtual school staff, IROs and authority administrators.",
    )
    school = models.ForeignKey(
        "children.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text="For designated teachers and delegated school staff.",
    )
    carer_kind = models.CharField(max_length=30, choices=CarerKind.choices, blank=True)
    is_vs_adviser = models.BooleanField("virtual school adviser", default=False)
    is_vs_quality_assurer = models.BooleanField("virtual school quality assurer", default=False)
    is_vs_administrator = models.BooleanField("virtual school administrator", default=False)
    # How notification e-mails arrive: each at once, or one digest a day (the portal's
    # notification centre shows them all either way).
    email_notifications = models.CharField(
        max_length=10,
        choices=[("immediate", "As they happen"), ("daily", "Once a day, in a digest")],
        default="immediate",
    )
    # Unread notifications, kept on the user row the session already loads, so the count in
    # every page's header costs no query (notifications.services keeps it true).
    unread_notifications = models.PositiveIntegerField(default=0, editable=False)
    is_active = models.BooleanField(default=True)
    # Part of every session's fingerprint: closing an account moves it on, so the sessions the
    # person had stay dead even if the account is reopened (`person_set_active`). A counter on
    # the user row works with any session store and costs nothing per request.
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    is_staff = models.BooleanField("Django admin access", default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # When an invitation was last asked for (the history says by whom), and when its e-mail
    # last left: the e-mail goes by a task, so the mail server being down delays it.
    invited_at = models.DateTimeField(null=True, blank=True, editable=False)
    invitation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Every change to an account is kept, with who made it; passwords never enter the history.
    history = HistoricalRecords(
        excluded_fields=[
            "password",
            "last_login",
            "unread_notifications",
            "session_generation",
            "invitation_sent_at",
        ]
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        indexes = [
            # The people list, a page at a time in name order: read in order, not 5,500 people
            # of a large authority sorted for each page (issue 20).
            models.Index(fields=["full_name", "id"], name="user_by_full_name"),
        ]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_any_case"),
            # Authority staff belong to one authority and no school.
            models.CheckConstraint(
                name="user_authority_role_has_authority",
                condition=~models.Q(role__in=sorted(AUTHORITY_ROLES))
                | models.Q(authority__isnull=False, school__isnull=True),
            ),
            # School staff belong to one school and to no authority.
            models.CheckConstraint(
                name="user_school_role_has_school",
                condition=~models.Q(role__in=sorted(SCHOOL_ROLES))
                | models.Q(school__isnull=False, authority__isnull=True),
            ),
            models.CheckConstraint(
                name="user_carer_has_kind",
                condition=~models.Q(role=Role.CARER)
                | (~models.Q(carer_kind="") & models.Q(school__isnull=True)),
            ),
            # Only the portal's operators (superusers) have no role.
            models.CheckConstraint(
                name="user_without_role_is_superuser",
                condition=~models.Q(role="") | models.Q(is_superuser=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def _session_hash(self, secret: str | None = None) -> str:
        # Django's own fingerprint (an HMAC of the password hash) until the account is first
        # closed, so upgrading signs nobody out; then the generation is part of it too.
        value = self.password
        if self.session_generation:
            value = f"{value}:{self.session_generation}"
        return salted_hmac(SESSION_HASH_SALT, value, secret=secret, algorithm="sha256").hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._session_hash()

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=fallback_secret)

    def save(self, *args: object, **kwargs: object) -> None:
        # Every address in one form, however the row was made (admin, shell, factories).
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)

    @classmethod
    def normalize_username(cls, username: str) -> str:
        return normalise_email(username)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def role_label(self) -> str:
        if self.role == Role.CARER and self.carer_kind:
            return CarerKind(self.carer_kind).label
        return Role(self.role).label if self.role else "Portal operator"

    @property
    def virtual_school_duties(self) -> list[str]:
        flags = {
            VirtualSchoolDuty.ADVISER: self.is_vs_adviser,
            VirtualSchoolDuty.QUALITY_ASSURER: self.is_vs_quality_assurer,
            VirtualSchoolDuty.ADMINISTRATOR: self.is_vs_administrator,
        }
        return [duty.label for duty, held in flags.items() if held]

    @property
    def organisation(self) -> "LocalAuthority | models.Model | None":
        return self.authority or self.school

    def reuse_authority(self, authority: LocalAuthority) -> None:
        """Keep an authority row a page has already read as this person's own, when it is: the
        footer's help address (base.html) then asks no query of its own."""
        if self.authority_id is not None and authority.pk == self.authority_id:
            self.authority = authority
