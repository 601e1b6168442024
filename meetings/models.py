from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class MeetingKind(models.TextChoices):
    FORMAL = "formal", "PEP meeting"
    # Walsall: the designated teacher may hold the third review internally, only when the
    # child is making expected progress and the rule set allows it.
    INTERNAL_REVIEW = "internal_review", "Internal review by the designated teacher"


class MeetingStatus(models.TextChoices):
    ARRANGED = "arranged", "Arranged"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Venue(models.TextChoices):
    SCHOOL = "school", "At school"
    ONLINE = "online", "Online (Teams)"
    OTHER = "other", "Somewhere else"


class Meeting(models.Model):
    pep = models.ForeignKey("peps.Pep", on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=20, choices=MeetingKind.choices, default=MeetingKind.FORMAL)
    status = models.CharField(
        max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.ARRANGED
    )
    starts_at = models.DateTimeField()
    venue = models.CharField(max_length=20, choices=Venue.choices, default=Venue.SCHOOL)
    venue_details = models.CharField("where", max_length=300, blank=True)
    # Shown only in the portal to people who may see the PEP; never put in an e-mail.
    online_link = models.URLField(max_length=500, blank=True)
    arranged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    arranged_at = models.DateTimeField(default=timezone.now)
    held_on = models.DateField(null=True, blank=True)
    discussion = models.TextField(blank=True)
    expected_progress = models.BooleanField(null=True, blank=True)
    next_meeting_on = models.DateField(null=True, blank=True)
    # A required attendee (social worker, designated teacher, carer) was absent: the virtual
    # school is told and sees it in its lists.
    required_absence = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["status", "starts_at"]),
            # Each open PEP's arranged meeting (open_peps_with_arranged_meeting: the latest
            # first), read for every open PEP by the work counts and lists, the dashboard and
            # the sweep: a probe of this small index, not of every meeting the PEP had.
            models.Index(
                fields=["pep", "-starts_at", "-id"],
                condition=models.Q(status=MeetingStatus.ARRANGED),
                name="arranged_meeting_of_pep",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.starts_at:%d %b %Y %H:%M}"


class RecordDraft(models.Model):
    """The meeting record being written, step by step: each step's answers as typed, kept on
    the server so going back, a closed tab or an expired session loses nothing. Deleted when
    the meeting is recorded."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="record_drafts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # {step: {field name: [values as posted]}}
    answers = models.JSONField(default=dict)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "author"], name="one_record_draft_per_author"
            )
        ]

    def __str__(self) -> str:
        return f"Draft record of meeting {self.meeting_id} by {self.author_id}"


class AttendeeRole(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "Social worker"
    DESIGNATED_TEACHER = "designated_teacher", "Designated teacher"
    CARER = "carer", "Carer"
    PARENT = "parent", "Parent or family member"
    CHILD = "child", "The child or young person"
    VIRTUAL_SCHOOL = "virtual_school", "Virtual school"
    OTHER = "other", "Other professional"


# Both seeds: the social worker, designated teacher and carer must attend.
REQUIRED_ROLES = frozenset(
    {AttendeeRole.SOCIAL_WORKER, AttendeeRole.DESIGNATED_TEACHER, AttendeeRole.CARER}
)


class Attendee(models.Model):
    """Someone invited to a meeting, and whether they came: a portal user, the child, or
    another professional named by hand, with the contact details the PEP records."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=30, choices=AttendeeRole.choices)
    organisation = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    attended = models.BooleanField(null=True, blank=True)
    absence_reason = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    @property
    def required(self) -> bool:
        return self.role in REQUIRED_ROLES


class Target(models.Model):
    """A SMART target set at a PEP meeting. It is reviewed at the next PEP until achieved."""

    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="targets")
    pep = models.ForeignKey("peps.Pep", on_delete=models.CASCADE, related_name="targets_set")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="targets_set")
    what = models.TextField("target")
    measure = models.TextField("how it will be measured")
    support = models.TextField("actions and support", blank=True)
    responsible = models.CharField("who is responsible", max_length=200)
    due_on = models.DateField("by when")
    cost = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    funded_by_pp_plus = models.BooleanField("funded by Pupil Premium Plus", default=False)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.what[:60]


class Outcome(models.TextChoices):
    ACHIEVED = "achieved", "Achieved"
    PARTLY_ACHIEVED = "partly_achieved", "Partly achieved"
    NOT_ACHIEVED = "not_achieved", "Not achieved"


class TargetReview(models.Model):
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="reviews")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reviews")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    evidence = models.TextField()
    reviewed_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["reviewed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["target", "meeting"], name="one_review_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.target}"


class MeetingAction(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    what = models.TextField()
    owner = models.CharField(max_length=200)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.what[:60]


class MeetingTask(models.Model):
    """A meeting that must be arranged by a deadline, raised by a rule: Medway's meeting with
    the virtual school within 24 hours when a child has no school place."""

    child = models.ForeignKey(
        "children.Child", on_delete=models.CASCADE, related_name="meeting_tasks"
    )
    reason = models.CharField(max_length=200)
    due_at = models.DateTimeField()
    raised_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "reason"],
                condition=models.Q(done_at__isnull=True),
                name="one_open_task_per_reason",
            )
        ]

    def __str__(self) -> str:
        return self.reason
