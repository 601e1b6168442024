from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    INITIAL_PEP_DUE = "initial_pep_due", "An initial PEP meeting is due"
    TEACHER_SECTIONS_DUE = "teacher_sections_due", "The school's PEP sections are due"
    CARE_INFORMATION_DUE = "care_information_due", "The care information is due before a meeting"
    CHILD_VIEWS_DUE = "child_views_due", "The child's views are due before a meeting"
    MEETING_NOT_RECORDED = "meeting_not_recorded", "A PEP meeting has not been recorded"
    SUBMISSION_DUE = "submission_due", "A PEP is due to be submitted"
    RESUBMISSION_DUE = "resubmission_due", "A returned PEP is due to be resubmitted"
    NO_MEETING_ARRANGED = "no_meeting_arranged", "A PEP meeting needs arranging"
    SCHOOL_CHANGE_PEP_DUE = "school_change_pep_due", "A PEP review is due after a change of school"
    QA_WAITING = "qa_waiting", "A PEP is waiting for quality assurance"
    PP_CUTOFF = "pp_cutoff", "Pupil Premium Plus requests close soon"
    CALENDAR_MISSING = "calendar_missing", "Next year's term dates are missing"
    PEPS_SET_UP = "peps_set_up", "This term's PEPs have been set up"
    TEACHER_APPROVED = "teacher_approved", "A designated teacher has been approved"
    TEACHER_APPROVAL_WITHDRAWN = (
        "teacher_approval_withdrawn",
        "An approval of a designated teacher has been withdrawn",
    )
    ACCESS_CHECK = "access_check", "Access to children differs from the care teams"
    # Events: something happened that the recipient must act on or know (events.py).
    MEETING_ARRANGED = "meeting_arranged", "A PEP meeting has been arranged"
    MEETING_MOVED = "meeting_moved", "A PEP meeting has been moved"
    MEETING_CANCELLED = "meeting_cancelled", "A PEP meeting has been cancelled"
    PEP_RETURNED = "pep_returned", "A PEP has been returned for changes"
    PEP_SIGNED_OFF = "pep_signed_off", "A PEP has been signed off"
    PP_DECIDED = "pp_decided", "A Pupil Premium Plus request has been decided"
    REQUIRED_ABSENCE = "required_absence", "Someone required was absent from a PEP meeting"
    NEW_TO_CARE = "new_to_care", "A child is new to care"
    SCHOOL_MOVE = "school_move", "A child has changed school"
    PLACEMENT_MOVE = "placement_move", "A child has moved home"
    DELEGATION_GRANTED = "delegation_granted", "You have been asked to work on a child's PEPs"
    # Education outcomes (outcomes/): told to the adviser and the social worker, once each.
    EXCLUSION_RECORDED = "exclusion_recorded", "A suspension or exclusion has been recorded"
    ABSENCE_UNDER_LINE = "absence_under_line", "A child's attendance is under the absence line"
    NO_SETTING = "no_setting", "A child has had no school or setting for too long"


# The kinds told when something happens (events.py), rather than chased by the daily sweep.
EVENT_KINDS = frozenset(
    {
        Kind.MEETING_ARRANGED,
        Kind.MEETING_MOVED,
        Kind.MEETING_CANCELLED,
        Kind.PEP_RETURNED,
        Kind.PEP_SIGNED_OFF,
        Kind.PP_DECIDED,
        Kind.REQUIRED_ABSENCE,
        Kind.NEW_TO_CARE,
        Kind.SCHOOL_MOVE,
        Kind.PLACEMENT_MOVE,
        Kind.DELEGATION_GRANTED,
        Kind.EXCLUSION_RECORDED,
        Kind.ABSENCE_UNDER_LINE,
        Kind.NO_SETTING,
    }
)
# The kinds whose e-mail carries a calendar entry (.ics): the meeting's time and a link.
MEETING_KINDS = frozenset({Kind.MEETING_ARRANGED, Kind.MEETING_MOVED, Kind.MEETING_CANCELLED})


class Stage(models.TextChoices):
    REMINDER = "reminder", "Reminder"
    DUE = "due", "Due today or overdue"
    ESCALATED = "escalated", "Overdue: escalated"


class Notification(models.Model):
    """One thing one person needs to know, shown in the portal's notification centre and,
    as the person prefers, e-mailed at once or in a daily digest.

    `dedupe_key` names the item, the kind of deadline, its due date, the stage and the person:
    the database refuses a second row with the same key, so a sweep run twice, on two workers
    at once, or again after a crash sends each reminder once and misses none."""

    # Not indexed alone: the (recipient, read_at) index below leads with it (the sweep
    # inserts 200,000 rows at 100,000 children; each index is paid on every row).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.REMINDER)
    # The child it is about, if any: it is shown (and counted as unread) only while the
    # recipient may see that child, so a reallocation takes it away with the child.
    child = models.ForeignKey(
        "children.Child",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # Shown only inside the portal, to its recipient; never put in an e-mail.
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=200)
    due_on = models.DateField(null=True, blank=True)
    # A meeting's invitation, move or cancellation: its e-mail carries a calendar entry with the
    # meeting's time and a link (never a name), under `calendar_uid`, the same for every
    # arrangement of one PEP's meeting so a move or cancellation updates the one entry.
    # Indexed only where set (see Meta): the sweep's reminders have none.
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    calendar_uid = models.CharField(max_length=100, blank=True)
    # Unique through the constraint in Meta: a plain unique index (`unique=True` on PostgreSQL
    # adds a second, LIKE-pattern index that no query here uses).
    dedupe_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["emailed_at", "created_at"]),
            # A meeting's deletion sets its notifications' meeting to NULL: found by this.
            models.Index(
                fields=["meeting"],
                condition=models.Q(meeting__isnull=False),
                name="notification_meeting_set_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="notification_dedupe_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id}"


class InviteeEmail(models.Model):
    """A meeting's invitation, move or cancellation e-mailed to an invitee without an account
    (a parent, an agency foster carer, another professional, recorded with their role,
    organisation, e-mail and phone). They cannot sign in, so the e-mail and its calendar entry
    carry only the time, the place, the organiser's contact details and a meeting reference:
    never the child's name or any detail of them. `dedupe_key` names the kind, the meeting and
    the address, so each is sent once however often the event is passed on; sent through the
    outbox (tasks.send_invitee_email), like every other e-mail."""

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="+")
    attendee = models.ForeignKey(
        "meetings.Attendee", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    email = models.EmailField()
    # Who arranged, moved or cancelled the meeting: the invitee's contact for it.
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    calendar_uid = models.CharField(max_length=100)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to an invitee without an account"

    @property
    def reference(self) -> str:
        """The meeting's reference, the same for every arrangement of one PEP's meeting (as the
        calendar entry is): what the invitee quotes to the organiser."""
        return self.calendar_uid.split("@", 1)[0].upper()
