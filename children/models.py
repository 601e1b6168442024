import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
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
    PUPIL_REFERRAL_UNIT = "pupil_referral_unit", "Pupil referral unit"
    POST_16 = "post16", "Post-16 or further education college"


class SettingKind(models.TextChoices):
    """What kind of education (or none) a child's setting is (issue 15)."""

    EARLY_YEARS = "early_years", "Early years provider (registered with Ofsted)"
    SCHOOL = "school", "School"
    COLLEGE = "college", "Further education or sixth-form college"
    TRAINING_PROVIDER = "training_provider", "Independent training provider"
    EMPLOYER = "employer", "Employer (apprenticeship or job with training)"
    HOME_EDUCATION = "home_education", "Elective home education"
    EOTAS = "eotas", "Education other than at school (EOTAS)"
    NEET = "neet", "Not in education, employment or training (NEET)"


# Settings known by a URN: GIAS's for schools and colleges, Ofsted's for early years providers.
KINDS_WITH_URN = frozenset({SettingKind.EARLY_YEARS, SettingKind.SCHOOL, SettingKind.COLLEGE})
# Settings that are no establishment: nobody there has a designated teacher's role, so the
# social worker owns the school's sections, working with the named contact.
KINDS_WITHOUT_ESTABLISHMENT = frozenset(
    {SettingKind.HOME_EDUCATION, SettingKind.EOTAS, SettingKind.NEET}
)
# A place at one of these below Reception is funded early education.
EARLY_EDUCATION_KINDS = frozenset({SettingKind.EARLY_YEARS, SettingKind.SCHOOL})

URN_VALIDATORS = [
    MinValueValidator(100_000, "Enter the URN as 6 digits"),
    MaxValueValidator(999_999, "Enter the URN as 6 digits"),
]
UKPRN_VALIDATORS = [
    RegexValidator(r"^1[0-9]{7}\Z", "Enter the UKPRN as 8 digits starting with 1, like 10012345")
]


class School(models.Model):
    """An education setting: a school, college or early years provider (by URN), a training
    provider or employer (by UKPRN where it has one), or elective home education, education
    other than at school or "not in education, employment or training", each with a named
    contact. It may be in any authority: children are often placed out of area."""

    kind = models.CharField(
        "kind of setting", max_length=20, choices=SettingKind.choices, default=SettingKind.SCHOOL
    )
    urn = models.PositiveIntegerField(
        "URN", unique=True, null=True, blank=True, validators=URN_VALIDATORS
    )
    # Not unique: a provider with several sites (and a school reopened as an academy) may share
    # one; a form given a UKPRN held by more than one setting asks for the URN instead.
    ukprn = models.CharField(
        "UKPRN", max_length=8, blank=True, db_index=True, validators=UKPRN_VALIDATORS
    )
    name = models.CharField(max_length=200)
    la_code = models.CharField("LA code", max_length=3, blank=True, db_index=True)
    la_name = models.CharField("local authority", max_length=100, blank=True)
    school_type = models.CharField(max_length=30, choices=SchoolType.choices, blank=True)
    # Whether someone at the setting does the school's sections of the PEP on the portal: a
    # designated teacher, or the setting's named contact given a designated teacher's account.
    # Without one, the social worker owns those sections (as with no school place).
    has_designated_teacher = models.BooleanField(
        "someone at the setting does the school's sections", default=True
    )
    contact_name = models.CharField("named contact", max_length=200, blank=True)
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
        constraints = [
            models.CheckConstraint(
                name="school_urn_where_its_kind_has_one",
                condition=models.Q(urn__isnull=False)
                | ~models.Q(kind__in=sorted(k.value for k in KINDS_WITH_URN)),
            ),
            models.CheckConstraint(
                name="school_no_designated_teacher_without_establishment",
                condition=models.Q(has_designated_teacher=False)
                | ~models.Q(kind__in=sorted(k.value for k in KINDS_WITHOUT_ESTABLISHMENT)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.reference})"

    @property
    def label(self) -> str:
        """The setting as documents name it: "Name (URN 123456)", "Name (UKPRN 10012345)", or
        "Name (Elective home education)"."""
        if self.urn is not None:
            return f"{self.name} (URN {self.urn})"
        if self.ukprn:
            return f"{self.name} (UKPRN {self.ukprn})"
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def reference(self) -> str:
        """How people name the setting in a form: its URN, else its UKPRN, else the portal's
        own reference ("S" and its number)."""
        if self.urn is not None:
            return str(self.urn)
        if self.ukprn:
            return self.ukprn
        return f"S{self.pk}"

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


class Cohort(models.TextChoices):
    """Which of the virtual school's cohorts a child belongs to. Only looked-after children have
    PEPs; the others have lighter records (issue 15)."""

    LOOKED_AFTER = "looked_after", "Looked after"
    # Left care through adoption, a special guardianship order or a child arrangements order.
    PREVIOUSLY_LOOKED_AFTER = "previously_looked_after", "Previously looked after"
    # Left care for any other reason (home, 18th birthday, another authority…).
    LEFT_CARE = "left_care", "Left care"


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
    # The allocated staff. The rest of the care team (designated teachers, carers) follows from
    # the child's current school and placement, never typed twice.
    social_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
    )
    virtual_school_adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="advised_children",
    )
    independent_reviewing_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_children",
    )
    cohort = models.CharField(
        max_length=30, choices=Cohort.choices, default=Cohort.LOOKED_AFTER, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "children"
        ordering = ["legal_last_name", "legal_first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "upn"],
                condition=~models.Q(upn=""),
                name="child_upn_unique_in_authority",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return Child.name_from(self.preferred_name, self.legal_first_name, self.legal_last_name)

    @staticmethod
    def name_from(preferred_name: str, legal_first_name: str, legal_last_name: str) -> str:
        """The name the portal shows, from the three fields (for rows read as plain values)."""
        return f"{preferred_name or legal_first_name} {legal_last_name}"

    def year_group(self, on: dt.date | None = None) -> YearGroup:
        return year_group_on(self.date_of_birth, on or timezone.localdate())


class Spell(models.Model):
    """A period with a start and, once over, an end: a time in care, a placement, a school
    place. A child has at most one open spell of each kind; "current" means open."""

    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="%(class)s_ends_after_it_starts",
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
            ),
            models.UniqueConstraint(
                fields=["child"],
                condition=models.Q(ended_on__isnull=True),
                name="one_open_%(class)s_per_child",
            ),
        ]


class LegalStatus(models.TextChoices):
    SECTION_20 = "s20", "Accommodated under section 20 (voluntary)"
    INTERIM_CARE_ORDER = "ico", "Interim care order (section 38)"
    CARE_ORDER = "co", "Full care order (section 31)"
    PLACEMENT_ORDER = "po", "Placement order"
    EMERGENCY_PROTECTION = "epo", "Emergency protection order"
    POLICE_PROTECTION = "pp", "Police protection"
    REMAND = "remand", "Remanded to local authority accommodation"
    OTHER = "other", "Other"


class CareEpisode(Spell):
    """A period in care. The initial PEP is counted from `started_on` (day 0)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="episodes")
    started_on = models.DateField("date became looked after")
    emergency_placement = models.BooleanField(default=False)
    legal_status = models.CharField(max_length=20, choices=LegalStatus.choices)
    end_reason = models.CharField(max_length=200, blank=True)
    # The case system's SSDA903 codes, kept as the return spells them (children/ssda903_codes.py
    # says what each means); blank for a child registered by hand.
    ssda903_legal_status = models.CharField("legal status (SSDA903 LS)", max_length=2, blank=True)
    ssda903_reason_new = models.CharField("reason for new episode (RNE)", max_length=1, blank=True)
    ssda903_category_of_need = models.CharField("category of need (CIN)", max_length=2, blank=True)
    ssda903_reason_ceased = models.CharField(
        "reason episode ceased (REC)", max_length=3, blank=True
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"In care from {self.started_on:%d %b %Y}"


class PlacementType(models.TextChoices):
    FOSTER = "foster", "Foster care"
    KINSHIP = "kinship", "Family and friends (kinship) foster care"
    RESIDENTIAL = "residential", "Residential children's home"
    SEMI_INDEPENDENT = "semi_independent", "Supported or semi-independent living"
    ADOPTION = "adoption", "Placed for adoption"
    WITH_PARENTS = "with_parents", "Placed with parents"
    SECURE = "secure", "Secure unit"
    OTHER = "other", "Other"


class Placement(Spell):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="placements")
    placement_type = models.CharField(max_length=30, choices=PlacementType.choices)
    # Where the child lives, as the care team needs it (not shown to school staff in lists).
    setting_name = models.CharField("home or carers' name", max_length=200, blank=True)
    carers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="placements", blank=True)
    # From the case system's SSDA903 return: placement type (PLACE), provider (PLACE_PROVIDER)
    # and the Ofsted URN of the placement. Postcodes are not kept: the portal does not need them.
    ssda903_place = models.CharField("placement type (SSDA903 PLACE)", max_length=2, blank=True)
    ssda903_provider = models.CharField("placement provider", max_length=3, blank=True)
    ofsted_urn = models.CharField("placement URN (Ofsted)", max_length=8, blank=True)
    history = HistoricalRecords(m2m_fields=[carers])

    def __str__(self) -> str:
        return f"{self.get_placement_type_display()} from {self.started_on:%d %b %Y}"


class Enrolment(Spell):
    """A child on a school's roll. No current enrolment means "no school place"."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="enrolments")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="enrolments")
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.school.name} from {self.started_on:%d %b %Y}"


class Delegation(models.Model):
    """A designated teacher lets a colleague at the same school work on a child's PEP."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="delegations")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="delegations")
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations_received"
    )
    delegated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_given"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "delegate"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_delegation_per_child_and_delegate",
            )
        ]

    def __str__(self) -> str:
        return f"Delegated to {self.delegate} from {self.created_at:%d %b %Y}"


class PreviousSchoolAccess(models.Model):
    """After a change of school, the previous school's designated teacher, and the staff they
    had delegated the child to (`teacher` holds either), may still READ the PEPs their school
    contributed to, until `until` (the rule set's count after the move, in its unit; the
    deadline engine counts it). Written only by children/access.py; read by the
    PEP rules (peps/rules.py); ended by the nightly job (`ended_at`), and never a way to
    change anything."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="previous_schools")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="previous_school_access"
    )
    moved_on = models.DateField("date the child changed school")
    until = models.DateField("last day of read-only access")
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-moved_on"]
        verbose_name_plural = "previous schools' read-only access"

    def __str__(self) -> str:
        return f"Read-only until {self.until:%d %b %Y}"


class TeacherApproval(models.Model):
    """An authority lets a designated teacher work with its children at one school.

    One designated teacher login serves the children of every authority placed at the school,
    but each authority decides for its own children: the teacher (and the colleagues they
    delegate to) reach a child only while the child's authority has an approval here for that
    teacher at the child's school. Withdrawn approvals are kept, with who withdrew them."""

    authority = models.ForeignKey(
        "accounts.LocalAuthority", on_delete=models.PROTECT, related_name="teacher_approvals"
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approvals"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="teacher_approvals")
    # Empty only for approvals carried over from before approvals existed.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teacher_approvals_given",
    )
    approved_at = models.DateTimeField(default=timezone.now)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teacher_approvals_withdrawn",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-approved_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "teacher", "school"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_active_teacher_approval_per_authority",
            ),
            models.CheckConstraint(
                name="teacher_approval_withdrawn_after_approved",
                condition=models.Q(withdrawn_at__isnull=True)
                | models.Q(withdrawn_at__gte=models.F("approved_at")),
            ),
        ]
        indexes = [
            # The care team asks "which teachers may each authority's children at these
            # schools reach?": only active approvals matter.
            models.Index(
                fields=["school", "authority"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="active_teacher_approvals",
            )
        ]

    def __str__(self) -> str:
        return f"{self.authority} approves {self.teacher} at {self.school}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class RecordWarning(models.Model):
    """Something an import could not take as it came, for someone to correct on the child's
    record: a UPN whose check letter is wrong, an SSDA903 "unknown UPN" code, a missing name."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="record_warnings")
    field = models.CharField(max_length=40)
    message = models.CharField(max_length=300)
    source = models.CharField(max_length=60, default="SSDA903 import")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "field", "message"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_record_warning_per_problem",
            )
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


# --- the wider cohorts (issue 15): no PEPs, lighter records ---------------------------------


class AdviceRequester(models.TextChoices):
    PARENT = "parent", "Parent, guardian or special guardian"
    SCHOOL = "school", "School or setting"
    OTHER = "other", "Other professional"


class AdviceTopic(models.TextChoices):
    ADMISSIONS = "admissions", "School admissions"
    PUPIL_PREMIUM = "pupil_premium", "Pupil premium plus"
    SEND = "send", "Special educational needs"
    ATTENDANCE = "attendance", "Attendance, behaviour or exclusion"
    TRANSITION = "transition", "Moving school or transition"
    OTHER = "other", "Something else"


class AdviceOutcome(models.TextChoices):
    ADVICE_GIVEN = "advice_given", "Advice given"
    INFORMATION_SENT = "information_sent", "Information sent"
    REFERRED = "referred", "Referred to another service"
    NO_FURTHER_ACTION = "no_further_action", "No further action needed"


class AdviceRequest(models.Model):
    """A request for advice or information about a previously looked-after child (adopted, or
    left care under a special guardianship or child arrangements order), from a parent or a
    school: the virtual school's duty to them, logged with its outcome. No PEP: a light record.
    `child` only where the child is on the portal (left care here); else the name given."""

    authority = models.ForeignKey(
        "accounts.LocalAuthority", on_delete=models.PROTECT, related_name="advice_requests"
    )
    child = models.ForeignKey(
        Child, on_delete=models.SET_NULL, null=True, blank=True, related_name="advice_requests"
    )
    child_name = models.CharField("child's name, as the requester gave it", max_length=200)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="advice_requests"
    )
    received_on = models.DateField("date received")
    requester_kind = models.CharField("who asked", max_length=20, choices=AdviceRequester.choices)
    requester_name = models.CharField("their name", max_length=200)
    requester_contact = models.CharField("their e-mail or telephone", max_length=200, blank=True)
    topic = models.CharField(max_length=20, choices=AdviceTopic.choices)
    question = models.TextField("what they asked", max_length=2000)
    outcome = models.CharField(max_length=20, choices=AdviceOutcome.choices, blank=True)
    outcome_notes = models.TextField("what was done", max_length=2000, blank=True)
    closed_on = models.DateField("date closed", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="advice_request_closed_with_an_outcome",
                condition=models.Q(closed_on__isnull=True, outcome="")
                | (
                    models.Q(closed_on__isnull=False)
                    & ~models.Q(outcome="")
                    & models.Q(closed_on__gte=models.F("received_on"))
                ),
            )
        ]

    def __str__(self) -> str:
        return f"Request of {self.received_on:%d %b %Y}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class SocialWorkerCount(models.Model):
    """How many children with a social worker (children in need, on a child protection plan)
    attend one school, and the school's contact for them: the virtual school's strategic work
    with those children. A count, never a record of the children."""

    authority = models.ForeignKey(
        "accounts.LocalAuthority", on_delete=models.PROTECT, related_name="social_worker_counts"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    children = models.PositiveIntegerField(
        "children with a social worker", validators=[MaxValueValidator(10_000)]
    )
    counted_on = models.DateField("date counted")
    contact_name = models.CharField("school's contact", max_length=200, blank=True)
    contact_email = models.EmailField("contact's e-mail", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["school__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "school"], name="one_social_worker_count_per_school"
            )
        ]

    def __str__(self) -> str:
        return f"{self.children} at {self.school.name}"


# django-guardian's direct foreign-key tables: an order of magnitude faster than its generic
# ones for lists. Rows are written only by pep_portal.accounts.permissions.
class ChildUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)


class ChildGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)
