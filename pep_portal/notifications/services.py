"""Notifications, the daily deadline sweep and the termly set-up: nobody has to remember a date.

The sweep works in set-based queries and writes notifications with one INSERT … ON CONFLICT
DO NOTHING per batch, keyed by item, kind, due date, stage and recipient. The database, not
memory, decides what has been sent: running twice, on two workers at once, or again after a
crash sends each reminder exactly once.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, send_mail
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from children.access import access_differences, previous_school_access_expire
from children.models import CareEpisode, Child, Enrolment, TeacherApproval
from children.school_year import ADULT_AGE, age_on, pep_template_for
from children.selectors import designated_teachers_by_child
from meetings.models import Meeting, Venue
from meetings.selectors import open_peps_with_arranged_meeting
from outcomes.services import missing_education_sweep
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import Action, scope_queryset
from pep_portal.accounts.roles import Role
from pep_portal.calendars import deadlines
from pep_portal.calendars.choices import Contribution
from pep_portal.calendars.deadlines import PepRules
from pep_portal.calendars.selectors import (
    authorities_missing_years,
    deadlines_for_child,
    rules_of_every_authority,
)
from pep_portal.outbox.services import enqueue_after_commit, enqueue_many_after_commit
from peps.models import Pep, PepSection, PepStatus, SectionStatus, Term
from peps.sections import SECTIONS
from peps.selectors import initial_pep_terms
from peps.services import pep_set_up, pep_set_up_many
from quality_assurance.models import QaFramework

from .ics import calendar_entry, invitee_calendar_entry
from .models import MEETING_KINDS, InviteeEmail, Kind, Notification, Stage

logger = logging.getLogger(__name__)
BATCH = 1000
# The notification row keeps a key cut to its column (the model's max_length is the one home).
DEDUPE_KEY_LENGTH = cast(int, Notification._meta.get_field("dedupe_key").max_length)
# Keys per query when reading which candidates were sent before.
SENT_CHECK_BATCH = 10_000
# People per queued e-mail task: the worker sends each of their notifications' e-mails.
EMAIL_BATCH = 500
# People per UPDATE of the unread counts (PostgreSQL plans a UNION of 50 parts in ~50 ms,
# of 350 in ~3 s: planning time grows faster than the parts).
RECOUNT_BATCH = 50
# Children per transaction in the termly set-up.
SET_UP_CHUNK = 1000


@dataclass(frozen=True)
class Due:
    """One notification the sweep thinks is owed (it is sent only if not sent before)."""

    recipient_id: int
    kind: str
    stage: str
    item: str
    due_on: dt.date | None
    message: str
    url: str
    # The child it is about, if any (it is then shown only while the reader may see them).
    child_id: int | None = None
    # A meeting's invitation, move or cancellation: the e-mail carries its calendar entry.
    meeting_id: int | None = None
    calendar_uid: str = ""

    @property
    def key(self) -> str:
        due = self.due_on.isoformat() if self.due_on else "-"
        return f"{self.kind}:{self.item}:{due}:{self.stage}:{self.recipient_id}"

    @property
    def stored_key(self) -> str:
        """The key as the notification row keeps it (cut to its column's length): what the
        unique index, the sent-before check and the INSERT compare."""
        return self.key[:DEDUPE_KEY_LENGTH]


def _insert_new(batch: list[Due], now: dt.datetime) -> list[tuple[int, int, str]]:
    """Insert the notifications not sent before; return (id, recipient, key) of each inserted.

    One array per column, unnested in the database: a statement of 11 parameters, not one of
    11 a row (psycopg parsed a 1,000-row VALUES statement afresh each time, about 0.2 s a
    batch, and the sweep sends every candidate, sent before or not)."""
    table = Notification._meta.db_table
    columns = (
        "recipient_id, kind, stage, message, url, due_on, dedupe_key, created_at, child_id, "
        "meeting_id, calendar_uid"
    )
    arrays = (
        "%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::date[], %s::text[], "
        "%s::timestamptz[], %s::bigint[], %s::bigint[], %s::text[]"
    )
    params: list[list[object]] = [
        [due.recipient_id for due in batch],
        [due.kind for due in batch],
        [due.stage for due in batch],
        [due.message[:300] for due in batch],
        [due.url for due in batch],
        [due.due_on for due in batch],
        [due.stored_key for due in batch],
        [now] * len(batch),
        [due.child_id for due in batch],
        [due.meeting_id for due in batch],
        [due.calendar_uid for due in batch],
    ]
    source = f"SELECT * FROM unnest({arrays})"  # noqa: S608 (no user input)
    values: list[object] = list(params)
    if connection.vendor != "postgresql":
        # The embedded SQLite of `make run` has no arrays: one row of placeholders a row.
        row = "(" + ", ".join(["%s"] * len(params)) + ")"
        source = "VALUES " + ", ".join([row] * len(batch))
        values = [value for due in zip(*params, strict=True) for value in due]
    sql = (
        f"INSERT INTO {table} ({columns}) {source} "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, recipient_id, dedupe_key"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return [(row[0], row[1], row[2]) for row in cursor.fetchall()]


def notify(dues: Iterable[Due], *, now: dt.datetime | None = None) -> list[tuple[int, int, str]]:
    """Record each notification once; queue the e-mails of new ones. Returns (id, recipient,
    key) of the new ones."""
    now = now or timezone.now()
    created: list[tuple[int, int, str]] = []
    candidates = list(dues)
    sent = _already_sent([due.stored_key for due in candidates])
    # Only what was not sent before goes to the INSERT, whose ON CONFLICT still decides (a
    # sweep running beside this one may have sent it since).
    pending = [due for due in candidates if due.stored_key not in sent]
    for start in range(0, len(pending), BATCH):
        with transaction.atomic():
            batch = _insert_new(pending[start : start + BATCH], now)
            # The e-mails are queued with the notifications they are about (the outbox).
            _queue_immediate_emails(batch)
            created += batch
    if created:
        recount_unread_of({person for _, person, _ in created})
    return created


def _already_sent(keys: list[str]) -> set[str]:
    """The keys among `keys` sent before, read in a few queries by the unique index: the
    daily sweep owes most of its candidates again every day (an escalated PEP stays
    escalated), and sending each one to the INSERT only to be refused cost most of a re-run
    (200,000 candidates at 100,000 children)."""
    sent: set[str] = set()
    if connection.vendor != "postgresql":
        # The embedded SQLite of `make run`: no arrays, and a few hundred parameters a query.
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            sent.update(
                Notification.objects.filter(dedupe_key__in=chunk).values_list(
                    "dedupe_key", flat=True
                )
            )
        return sent
    table = Notification._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(keys), SENT_CHECK_BATCH):
            # One array parameter, not 10,000 placeholders to parse.
            cursor.execute(
                f"SELECT dedupe_key FROM {table} WHERE dedupe_key = ANY(%s::text[])",  # noqa: S608
                [keys[start : start + SENT_CHECK_BATCH]],
            )
            sent.update(row[0] for row in cursor.fetchall())
    return sent


def _queue_immediate_emails(created: list[tuple[int, int, str]]) -> None:
    """The e-mails of new notifications for the people who want them at once: one task (one
    outbox row, one publish) per EMAIL_BATCH people, each person's notifications together in
    it. A sweep of 50,000 children queued one task per notification, then one per person
    (a transaction and a publish each: 5.9 s for 1,100 people)."""
    from .tasks import send_notification_emails

    if not created:
        return
    immediate = set(
        User.objects.filter(
            pk__in={person for _, person, _ in created},
            email_notifications="immediate",
            is_active=True,
        ).values_list("pk", flat=True)
    )
    ids_of: dict[int, list[int]] = {}
    for pk, person, _ in created:
        if person in immediate:
            ids_of.setdefault(person, []).append(pk)
    people = sorted(ids_of)
    calls = [
        ([pk for person in people[start : start + EMAIL_BATCH] for pk in sorted(ids_of[person])],)
        for start in range(0, len(people), EMAIL_BATCH)
    ]
    if calls:
        enqueue_many_after_commit(send_notification_emails, calls)


def _link(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def email_notification(notification_id: int) -> bool:
    """Send one notification's e-mail, once. It says what kind of thing needs doing and links
    to the portal: never a child's name, initials, date of birth or any other detail."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "meeting")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        body = render_to_string(
            "notifications/email.txt",
            {
                "what": notification.get_kind_display(),
                "stage": notification.stage,
                "link": _link(reverse("notification_list")),
            },
        )
        message = EmailMessage(
            f"PEP Portal: {notification.get_kind_display().lower()}",
            body,
            None,
            [notification.recipient.email],
        )
        entry = calendar_entry(notification)
        if entry is not None:
            message.attach("pep-meeting.ics", entry, "text/calendar")
        message.send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


def _meeting_place(meeting: Meeting) -> str:
    """Where the meeting is, for an invitee without an account: the venue as the meeting page
    shows it, with the school's name for a meeting at school. The joining link of an online
    meeting is never put in an e-mail (models.Meeting.online_link): the organiser sends it."""
    details = meeting.venue_details.strip()
    if meeting.venue == Venue.ONLINE:
        place = f"{meeting.get_venue_display()}: the organiser will send you the link to join"
        return f"{place} ({details})" if details else place
    if meeting.venue == Venue.SCHOOL:
        enrolment = (
            Enrolment.objects.filter(
                child_id=meeting.pep.child_id,
                started_on__lte=timezone.localtime(meeting.starts_at).date(),
            )
            .select_related("school")
            .order_by("-started_on", "-pk")
            .first()
        )
        school = enrolment.school.name if enrolment is not None else ""
        parts = [p for p in (school, details) if p]
        return f"{meeting.get_venue_display()}: {', '.join(parts)}" if parts else "At school"
    return f"{meeting.get_venue_display()}: {details}" if details else meeting.get_venue_display()


def _organiser_contact(person: User) -> str:
    """The organiser's name, organisation, e-mail and phone (those recorded)."""
    organisation = person.school or person.authority
    parts = [
        person.full_name,
        organisation.name if organisation else "",
        person.email,
        person.phone,
    ]
    return ", ".join(p for p in parts if p)


def invitee_email_send(invite_id: int) -> bool:
    """Send one e-mail to a meeting's invitee without an account, once (guarded by emailed_at
    under a row lock, as email_notification is): the time, the place, the organiser's contact
    details and the meeting reference, with a calendar entry of the same. No link (they cannot
    sign in) and never the child's name or any detail of them."""
    with transaction.atomic():
        invite = (
            InviteeEmail.objects.select_for_update(of=("self",))
            .select_related("meeting", "meeting__pep", "organiser")
            .filter(pk=invite_id, emailed_at__isnull=True)
            .exclude(email="")  # the address was removed after the meeting (retention)
            .first()
        )
        if invite is None:
            return False
        meeting = invite.meeting
        place = _meeting_place(meeting)
        organiser = _organiser_contact(invite.organiser)
        body = render_to_string(
            "notifications/invitee_email.txt",
            {
                "what": invite.get_kind_display(),
                "cancelled": invite.kind == Kind.MEETING_CANCELLED,
                "when": f"{timezone.localtime(meeting.starts_at):%A %-d %B %Y at %H:%M}",
                "place": place,
                "reference": invite.reference,
                "organiser": organiser,
            },
        )
        message = EmailMessage(
            f"PEP Portal: {invite.get_kind_display()} (reference {invite.reference})",
            body,
            None,
            [invite.email],
        )
        message.attach(
            "pep-meeting.ics",
            invitee_calendar_entry(invite, place=place, organiser=organiser),
            "text/calendar",
        )
        message.send()
        invite.emailed_at = timezone.now()
        invite.save(update_fields=["emailed_at"])
    return True


def invitees_without_accounts_tell(
    *, meeting: Meeting, kind: str, calendar_uid: str, organiser: User, emails: Iterable[str]
) -> list[InviteeEmail]:
    """Record an e-mail of `kind` about `meeting` to each address (once per kind, meeting and
    address) and queue it through the outbox; return the new ones. An address that is not a
    single valid e-mail address (typed wrong, or with a header smuggled in) is skipped."""
    attendees = {
        a.email.strip().lower(): a
        for a in meeting.attendees.filter(person__isnull=True).exclude(email="").order_by("-pk")
    }
    made = []
    for email in sorted({e.strip().lower() for e in emails if e.strip()}):
        try:
            validate_email(email)
        except ValidationError:
            logger.warning("Meeting %s: an invitee's e-mail address is not valid", meeting.pk)
            continue
        invite, created = InviteeEmail.objects.get_or_create(
            dedupe_key=f"{kind}:meeting{meeting.pk}:{email}"[:200],
            defaults={
                "meeting": meeting,
                "attendee": attendees.get(email),
                "kind": kind,
                "email": email,
                "organiser": organiser,
                "calendar_uid": calendar_uid,
            },
        )
        if created:
            made.append(invite)
    if made:
        from .tasks import send_invitee_email  # tasks.py imports this module

        enqueue_many_after_commit(send_invitee_email, [(invite.pk,) for invite in made])
    return made


ADDRESS_REMOVED = "address-removed"


def invitee_addresses_remove(*, today: dt.date, keep_days: int, dry_run: bool = False) -> int:
    """Retention for invitees without an account: once their meeting is more than `keep_days`
    days past, the address is taken off the e-mails sent to them (and out of the key that
    stopped a second copy, which named it). The rows stay, without it, as the record that the
    meeting's invitation, move or cancellation was sent. Returns how many were (or, with
    `dry_run`, would be) changed. One not yet sent by then never will be."""
    due = InviteeEmail.objects.exclude(email="").filter(
        meeting__starts_at__date__lt=today - dt.timedelta(days=keep_days)
    )
    if dry_run:
        return due.count()
    return due.update(
        email="",
        dedupe_key=Concat(
            F("kind"),
            Value(":meeting"),
            Cast("meeting_id", CharField()),
            Value(f":{ADDRESS_REMOVED}"),
            Cast("pk", CharField()),
        ),
    )


def send_daily_digests(*, now: dt.datetime | None = None) -> int:
    """One e-mail per person who chose a daily digest, listing what kinds of thing need doing."""
    now = now or timezone.now()
    waiting = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            recipient__email_notifications="daily",
            recipient__is_active=True,
        )
        .values("recipient_id", "recipient__email", "kind")
        .annotate(n=Count("pk"))
        .order_by("recipient_id", "kind")
    )
    by_person: dict[tuple[int, str], list[tuple[str, int]]] = defaultdict(list)
    labels = dict(Kind.choices)
    for row in waiting:
        by_person[(row["recipient_id"], row["recipient__email"])].append(
            (labels[row["kind"]], row["n"])
        )
    for (person_id, email), kinds in by_person.items():
        with transaction.atomic():
            unsent = Notification.objects.filter(
                recipient_id=person_id, emailed_at__isnull=True, created_at__lte=now
            )
            # The day's meeting invitations, moves and cancellations, as calendar entries.
            entries = [
                entry
                for notification in unsent.filter(kind__in=MEETING_KINDS, meeting__isnull=False)
                .select_related("meeting")
                .order_by("created_at", "pk")
                if (entry := calendar_entry(notification)) is not None
            ]
            marked = unsent.update(emailed_at=now)
            if marked:
                body = render_to_string(
                    "notifications/digest.txt",
                    {"kinds": kinds, "link": _link(reverse("notification_list"))},
                )
                message = EmailMessage("PEP Portal: your daily summary", body, None, [email])
                for n, entry in enumerate(entries, start=1):
                    message.attach(f"pep-meeting-{n}.ics", entry, "text/calendar")
                message.send()
    return len(by_person)


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    unread = notifications_visible_to(user).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    marked = unread.update(read_at=timezone.now())
    recount_unread(user)
    return marked


def notifications_visible_to(user: User) -> QuerySet[Notification]:
    """A person's notification centre: their notifications, except those about a child they
    may no longer see (the permission engine decides, as for the child's own pages)."""
    return scope_queryset(user, Action.VIEW_NOTIFICATION, Notification.objects.all())


def recount_unread(user: User) -> None:
    count = notifications_visible_to(user).filter(read_at__isnull=True).count()
    User.objects.filter(pk=user.pk).update(unread_notifications=count)
    user.unread_notifications = count


def notification_centre_counts(user: User) -> tuple[int, int]:
    """(all, unread) of the person's notification centre, in one query: the list's page count
    and the header's count, each by `notifications_visible_to`'s rule."""
    counts = notifications_visible_to(user).aggregate(
        total=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True))
    )
    return counts["total"], counts["unread"]


def store_unread(user: User, count: int) -> None:
    """Put the header's count right when it is wrong. `user` was read from the database in
    this request, so an equal count means the row already holds it: no UPDATE (a write, a dead
    row version, on every visit to the list)."""
    if user.unread_notifications != count:
        User.objects.filter(pk=user.pk).update(unread_notifications=count)
        user.unread_notifications = count


def recount_unread_of(user_ids: Iterable[int]) -> None:
    """Put right the unread count on each of these people's user rows (the header shows it
    without a query), RECOUNT_BATCH people to a statement: the UPDATE reads one count per
    person from a UNION ALL of each person's unread notifications, every part built by the
    same rule as the notification centre (`notifications_visible_to`, the permission
    engine's). One UPDATE a person, each with that subquery, took 4.5 s for 1,100 people."""
    people = list(User.objects.filter(pk__in=set(user_ids)).order_by("pk"))
    for start in range(0, len(people), RECOUNT_BATCH):
        _recount_together(people[start : start + RECOUNT_BATCH])


def _recount_together(people: list[User]) -> None:
    parts: list[str] = []
    params: list[object] = []
    for person in people:
        unread = (
            notifications_visible_to(person)
            .filter(read_at__isnull=True)
            .order_by()
            .values("recipient_id")
            .annotate(n=Count("pk"))
        )
        if unread.query.is_empty():
            continue  # a closed account sees none: counted 0 below
        sql, part_params = unread.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS part{len(parts)}")  # noqa: S608 (Django's SQL)
        params += part_params
    if not parts:  # no one here sees a notification: no counts to join (and no NULL to type)
        User.objects.filter(pk__in=[person.pk for person in people]).update(unread_notifications=0)
        return
    table = connection.ops.quote_name(User._meta.db_table)
    placeholders = ", ".join(["%s"] * len(people))
    counts = " UNION ALL ".join(parts)
    # Those with nothing unread (no row in any part) are set to 0.
    sql = (
        f"UPDATE {table} SET unread_notifications = COALESCE(counted.n, 0) "  # noqa: S608
        f"FROM (SELECT person.id, unread.n FROM {table} AS person "
        f"LEFT JOIN ({counts}) AS unread ON unread.recipient_id = person.id "
        f"WHERE person.id IN ({placeholders})) AS counted "
        f"WHERE {table}.id = counted.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(person.pk for person in people)])


def recount_after_access_change(*, user_ids: Iterable[int], child_ids: Iterable[int]) -> None:
    """People gained or lost access to children: recount those who have notifications about
    them (usually nobody, so one query)."""
    affected = (
        Notification.objects.filter(
            recipient_id__in=set(user_ids), child_id__in=set(child_ids), read_at__isnull=True
        )
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    recount_unread_of(set(affected))


def tell_of_teacher_approval(*, approval: TeacherApproval, actor: User) -> None:
    """An authority approved a designated teacher for its children at a school, or withdrew
    its approval: tell the teacher and the authority's virtual school. The messages name the
    teacher, school and authority, never a child; e-mails carry only a link, as always."""
    teacher, school, authority = approval.teacher, approval.school, approval.authority
    if approval.withdrawn_at is None:
        kind = Kind.TEACHER_APPROVED
        to_teacher = (
            f"{authority.name} has approved you to work with its children in care at {school.name}"
        )
        to_staff = (
            f"{actor.full_name} approved {teacher.full_name} ({school.name}) to work with "
            f"{authority.name}'s children"
        )
    else:
        kind = Kind.TEACHER_APPROVAL_WITHDRAWN
        to_teacher = (
            f"{authority.name} has withdrawn its approval: you no longer see its children "
            f"at {school.name}"
        )
        to_staff = (
            f"{actor.full_name} withdrew {authority.name}'s approval of {teacher.full_name} "
            f"({school.name})"
        )
    url = reverse("teacher_approvals", args=[teacher.pk])
    item = f"approval{approval.pk}"
    staff = (
        User.objects.filter(
            authority_id=authority.pk, role=Role.VIRTUAL_SCHOOL_STAFF, is_active=True
        )
        .exclude(pk=actor.pk)
        .values_list("pk", flat=True)
    )
    notify(
        [
            Due(teacher.pk, kind, Stage.REMINDER, item, None, to_teacher, url),
            *(Due(person, kind, Stage.REMINDER, item, None, to_staff, url) for person in staff),
        ]
    )


# --- the sweep --------------------------------------------------------------------------------


# The engine's stages are the notification stages.
_STAGES = {
    deadlines.ReminderStage.REMINDER: Stage.REMINDER,
    deadlines.ReminderStage.DUE: Stage.DUE,
    deadlines.ReminderStage.ESCALATED: Stage.ESCALATED,
}


def _stage(today: dt.date, due: dt.date, rules: PepRules) -> str | None:
    stage = deadlines.reminder_stage(rules, today=today, due=due)
    return None if stage is None else _STAGES[stage]


def _school_teachers(child_ids: set[int]) -> dict[int, list[int]]:
    return {
        child: sorted(teachers)
        for child, teachers in designated_teachers_by_child(child_ids).items()
    }


def _owners_then_adviser(pep: Pep, owners: list[int], stage: str) -> list[int]:
    """Escalation order: the owner is reminded and told when it is due; after the escalation
    delay the virtual school adviser is told too (and the dashboard lists it as overdue)."""
    people = list(owners)
    if stage == Stage.ESCALATED and pep.child.virtual_school_adviser_id:
        people.append(pep.child.virtual_school_adviser_id)
    return people


@dataclass(frozen=True)
class _Chase:
    """One thing a stalled PEP is chased for: what, by when, and whom."""

    kind: str
    due: dt.date
    owners: list[int]
    message: str
    # False: no reminder before the date (a meeting is recorded only once it has happened).
    remind: bool = True


# Which sections make up each contribution (peps/sections.py): never a list copied here.
_CONTRIBUTION_SECTIONS = {
    contribution: [s.key for s in SECTIONS if s.contribution == contribution]
    for contribution in Contribution.values
}
_CONTRIBUTION_CHASE = {
    Contribution.TEACHER_SECTIONS: (Kind.TEACHER_SECTIONS_DUE, "the school's PEP sections are"),
    Contribution.CARE_INFORMATION: (Kind.CARE_INFORMATION_DUE, "the care information is"),
    Contribution.CHILD_VIEWS: (Kind.CHILD_VIEWS_DUE, "the child's views are"),
}
BEFORE_MEETING = (PepStatus.DRAFT, PepStatus.IN_PROGRESS, PepStatus.READY_FOR_MEETING)


# What _chases_for, _owners_then_adviser and _pep_dues read of a PEP and its child.
_CHASE_COLUMNS = (
    "term",
    "status",
    "due_on",
    "teacher_sections_due_on",
    "submission_due_on",
    "child__preferred_name",
    "child__legal_first_name",
    "child__legal_last_name",
    "child__authority",
    "child__social_worker",
    "child__virtual_school_adviser",
)


def _open_pep_rows() -> list[Pep]:
    """Every PEP not signed off, of a child still in care (a child who has left care is owed
    no more reminders), with what the chase needs, in one query."""
    in_care = CareEpisode.objects.filter(child=OuterRef("child_id"), ended_on__isnull=True)
    open_of = {
        f"open_{contribution}": Exists(
            PepSection.objects.filter(pep=OuterRef("pk"), key__in=keys).exclude(
                status=SectionStatus.COMPLETE
            )
        )
        for contribution, keys in _CONTRIBUTION_SECTIONS.items()
    }
    return list(
        open_peps_with_arranged_meeting(Pep.objects.filter(Exists(in_care)))
        .select_related("child")
        # Only the columns the chase reads: building 10,000 whole PEPs and children (every
        # column, a dozen dates and timestamps each) was half of this query's time.
        .only(*_CHASE_COLUMNS)
        .annotate(**open_of)
        # In no order (the PEP's default sorted every wide row: on disk at 100,000 children).
        .order_by()
    )


def _before_meeting_chases(
    pep: Pep, rules: PepRules, teachers: list[int], sw: list[int]
) -> list[_Chase]:
    """Draft, in progress or ready for meeting: no meeting arranged (the social worker); each
    contribution the rule set wants before the meeting, by the meeting's cut-off (its owner);
    the meeting not recorded by the day after it (whoever records it)."""
    name, chases = pep.child.display_name, []
    if pep.term == Term.INITIAL and pep.due_on:
        chases.append(
            _Chase(
                Kind.INITIAL_PEP_DUE,
                pep.due_on,
                sw,
                f"{name}: the initial PEP meeting is due by {pep.due_on:%-d %B}",
            )
        )
    if pep.meeting_starts is None:
        if pep.term != Term.INITIAL and pep.due_on:
            chases.append(
                _Chase(
                    Kind.NO_MEETING_ARRANGED,
                    pep.due_on,
                    sw,
                    f"{name}: arrange the PEP meeting, due by {pep.due_on:%-d %B}",
                )
            )
        return chases
    meeting_day = timezone.localtime(pep.meeting_starts).date()
    if pep.teacher_sections_due_on and pep.status != PepStatus.READY_FOR_MEETING:
        for contribution in sorted(rules.before_meeting):
            if not getattr(pep, f"open_{contribution}"):
                continue
            kind, what = _CONTRIBUTION_CHASE[Contribution(contribution)]
            owners = sw if contribution == Contribution.CARE_INFORMATION else (teachers or sw)
            chases.append(
                _Chase(
                    kind,
                    pep.teacher_sections_due_on,
                    owners,
                    f"{name}: {what} due by {pep.teacher_sections_due_on:%-d %B}, before "
                    f"the meeting on {meeting_day:%-d %B}",
                )
            )
    internal = pep.meeting_kind == "internal_review"
    recorders = teachers if internal else sw + (teachers if rules.teacher_records_meetings else [])
    chases.append(
        _Chase(
            Kind.MEETING_NOT_RECORDED,
            deadlines.meeting_record_due(meeting_day),
            recorders or sw,
            f"{name}: record the PEP meeting of {meeting_day:%-d %B}",
            remind=False,
        )
    )
    return chases


def _chases_for(pep: Pep, rules: PepRules, teachers: list[int], sw: list[int]) -> list[_Chase]:
    """Every state a PEP can stall in, and who is chased for it. Submitted PEPs waiting for
    quality assurance are chased by _qa_dues (the QA target is quality_assurance's)."""
    name = pep.child.display_name
    if pep.status in BEFORE_MEETING:
        return _before_meeting_chases(pep, rules, teachers, sw)
    if pep.status == PepStatus.MEETING_HELD and pep.submission_due_on:
        return [
            _Chase(
                Kind.SUBMISSION_DUE,
                pep.submission_due_on,
                sw,
                f"{name}: the PEP is due to be submitted by {pep.submission_due_on:%-d %B}",
            )
        ]
    if pep.status == PepStatus.RETURNED and pep.submission_due_on:
        return [
            _Chase(
                Kind.RESUBMISSION_DUE,
                pep.submission_due_on,
                sw,
                f"{name}: the returned PEP is due back by {pep.submission_due_on:%-d %B}",
            )
        ]
    return []


def _pep_dues(today: dt.date, rules_of: dict[int, PepRules]) -> Iterator[Due]:
    pep_url = reverse("pep_detail", args=[0])  # one reverse(), not one per PEP
    peps = _open_pep_rows()
    teachers = _school_teachers({p.child_id for p in peps})
    for pep in peps:
        rules = rules_of.get(pep.child.authority_id)
        if rules is None:
            continue
        url = pep_url.replace("/0/", f"/{pep.pk}/")
        sw = [pep.child.social_worker_id] if pep.child.social_worker_id else []
        for chase in _chases_for(pep, rules, teachers.get(pep.child_id, []), sw):
            stage = deadlines.reminder_stage(rules, today=today, due=chase.due, remind=chase.remind)
            if stage is None:
                continue
            for person in _owners_then_adviser(pep, chase.owners, _STAGES[stage]):
                yield Due(
                    person,
                    chase.kind,
                    _STAGES[stage],
                    f"pep{pep.pk}",
                    chase.due,
                    chase.message,
                    url,
                    pep.child_id,
                )


def _qa_dues(today: dt.date) -> Iterator[Due]:
    """Submitted PEPs waiting longer than the authority's QA target: to its quality assurers
    (or all its virtual school staff where nobody holds that duty)."""
    within = dict(QaFramework.objects.values_list("authority_id", "review_within_days"))
    # An authority without a QA framework gets the framework's default target.
    default_within = QaFramework._meta.get_field("review_within_days").get_default()
    waiting = Pep.objects.filter(
        status=PepStatus.SUBMITTED, submitted_at__isnull=False
    ).select_related("child")
    staff: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for authority_id, pk, qa in User.objects.filter(
        role=Role.VIRTUAL_SCHOOL_STAFF, is_active=True
    ).values_list("authority_id", "pk", "is_vs_quality_assurer"):
        staff[authority_id].append((pk, qa))
    for pep in waiting:
        authority = pep.child.authority_id
        due = deadlines.qa_review_due(
            submitted_on=timezone.localtime(pep.submitted_at).date(),
            within_days=within.get(authority, default_within),
        )
        if today < due:
            continue
        people = [pk for pk, qa in staff[authority] if qa] or [pk for pk, _ in staff[authority]]
        for person in people:
            yield Due(
                person,
                Kind.QA_WAITING,
                Stage.DUE,
                f"pep{pep.pk}",
                due,
                f"{pep.child.display_name}: the PEP is waiting for quality assurance",
                reverse("qa_review", args=[pep.pk]),
                pep.child_id,
            )


def _pp_cutoff_dues(today: dt.date, rules_of: dict[int, PepRules]) -> Iterator[Due]:
    """In the rule set's reminder period before an authority's PP+ cut-off, its designated
    teachers are told."""
    authorities = {a.pk: a for a in LocalAuthority.objects.filter(pk__in=list(rules_of))}
    for authority_id, rules in rules_of.items():
        cutoff = deadlines.pp_plus_reminder_due(rules, today)
        if cutoff is None:
            continue
        in_care = Child.objects.filter(authority_id=authority_id).filter(
            Exists(CareEpisode.objects.filter(child=OuterRef("pk"), ended_on__isnull=True))
        )
        teachers = _school_teachers(set(in_care.values_list("pk", flat=True)))
        for person in {p for people in teachers.values() for p in people}:
            yield Due(
                person,
                Kind.PP_CUTOFF,
                Stage.REMINDER,
                f"la{authority_id}",
                cutoff,
                f"{authorities[authority_id].name}: PP+ requests close on {cutoff:%-d %B %Y}",
                reverse("home"),
            )


def _school_change_dues(today: dt.date, rules_of: dict[int, PepRules]) -> Iterator[Due]:
    """Where an authority's rules want a new PEP after a change of school: its social worker
    is reminded (and the adviser told, once overdue) until a PEP meeting is held on or after
    the move. The date is the deadline engine's, on the new school's calendar."""
    with_rule = [pk for pk, rules in rules_of.items() if rules.school_change_pep is not None]
    if not with_rule:
        return
    earlier = Enrolment.objects.filter(
        child=OuterRef("child_id"), started_on__lt=OuterRef("started_on")
    )
    held_since = Pep.objects.filter(
        child=OuterRef("child_id"), meeting_on__gte=OuterRef("started_on")
    )
    in_care = CareEpisode.objects.filter(child=OuterRef("child_id"), ended_on__isnull=True)
    moves = (
        Enrolment.objects.filter(
            ended_on__isnull=True,
            child__authority_id__in=with_rule,
            # No PEP rule counts further than MAX_COUNT days: older moves are long past due.
            started_on__gte=today - dt.timedelta(days=2 * deadlines.MAX_COUNT),
            started_on__lte=today,
        )
        .filter(Exists(earlier), Exists(in_care))
        .exclude(Exists(held_since))
        .select_related("child__authority")
    )
    child_url = reverse("child_detail", args=[0])
    for move in moves:
        child, rules = move.child, rules_of[move.child.authority_id]
        try:
            deadline = deadlines_for_child(
                child, on=move.started_on, rules=rules
            ).school_change_pep(changed_on=move.started_on)
        except deadlines.CalendarMissing:
            continue  # the calendar warning tells the administrators
        stage = _stage(today, deadline.due, rules) if deadline is not None else None
        if deadline is None or stage is None:
            continue
        people = [child.social_worker_id] if child.social_worker_id else []
        if stage == Stage.ESCALATED and child.virtual_school_adviser_id:
            people.append(child.virtual_school_adviser_id)
        for person in people:
            yield Due(
                person,
                Kind.SCHOOL_CHANGE_PEP_DUE,
                stage,
                f"move{move.pk}",
                deadline.due,
                f"{child.display_name}: a PEP review is due by {deadline.due:%-d %B} after "
                "the change of school",
                child_url.replace("/0/", f"/{child.pk}/"),
                child.pk,
            )


def _calendar_dues(today: dt.date) -> Iterator[Due]:
    for authority, years in authorities_missing_years(today=today).items():
        managers = User.objects.filter(authority=authority, is_active=True).filter(
            Q(role=Role.AUTHORITY_ADMINISTRATOR)
            | Q(role=Role.VIRTUAL_SCHOOL_STAFF, is_vs_administrator=True)
        )
        for year in years:
            for person in managers.values_list("pk", flat=True):
                yield Due(
                    person,
                    Kind.CALENDAR_MISSING,
                    Stage.REMINDER,
                    f"la{authority.pk}y{year}",
                    dt.date(year, 9, 1),
                    f"No term dates are loaded for {year} to {year + 1}",
                    reverse("calendar_home"),
                )


def deadline_candidates(today: dt.date) -> list[Due]:
    """Every notification owed on `today` (whether or not already sent)."""
    rules_of = {authority.pk: rules for authority, rules in rules_of_every_authority().items()}
    return [
        *_pep_dues(today, rules_of),
        *_qa_dues(today),
        *_pp_cutoff_dues(today, rules_of),
        *_school_change_dues(today, rules_of),
        *_calendar_dues(today),
    ]


def sweep_deadlines(*, today: dt.date | None = None, dry_run: bool = False) -> list[Due]:
    """The daily sweep. Returns what it sent (or, dry, what it would consider sending)."""
    today = today or timezone.localdate()
    candidates = deadline_candidates(today)
    if dry_run:
        sent_keys = _already_sent([c.stored_key for c in candidates])
        return [c for c in candidates if c.stored_key not in sent_keys]
    new_keys = {key for _, _, key in notify(candidates)}
    # The previous schools' read-only windows that have run out end tonight (the PEP rules
    # already stopped honouring them; this records it).
    previous_school_access_expire(today=today)
    # Children with no setting for longer than their authority's line: told once per spell.
    missing_education_sweep(today=today)
    return [c for c in candidates if c.stored_key in new_keys]


# --- termly set-up ----------------------------------------------------------------------------


def termly_set_up(*, today: dt.date | None = None) -> dict[str, int]:
    """Before each review term opens, set up the PEPs of every child in care who needs one,
    carried forward from their last, each authority by its own rules; tell the virtual school.
    Which terms are due is the deadline engine's answer, by term code (never by the name the
    authority gives the term). Idempotent: a child who already has the term's PEP is skipped."""
    today = today or timezone.localdate()
    made: dict[str, int] = {}
    for authority, rules in rules_of_every_authority().items():
        for term in deadlines.review_terms_to_set_up(rules, today):
            count = _set_up_term(authority, rules, term)
            if count:
                made[f"{authority.slug} {term.code} {term.academic_year}"] = count
                _tell_virtual_school(authority, term, count)
    return made


def _needs_a_pep(rules: PepRules, date_of_birth: dt.date, term: deadlines.ReviewTerm) -> bool:
    """From the authority's youngest age (or sooner where its early-years rule says so) until
    the 18th birthday: a young person who is 18 when the term opens has had their last PEP."""
    if age_on(date_of_birth, term.start) >= ADULT_AGE:
        return False
    first = deadlines.early_years_first_term(rules, date_of_birth=date_of_birth)
    template = pep_template_for(
        date_of_birth,
        term.start,
        youngest_age=rules.youngest_age,
        early_years_by_age=first is None,
    )
    if template is not None:
        return True
    return first is not None and first.start <= term.start


def _set_up_term(authority: LocalAuthority, rules: PepRules, term: deadlines.ReviewTerm) -> int:
    """The authority's children in care who need the term's PEP, set up in chunks of
    SET_UP_CHUNK, each chunk in bulk inserts and its own transaction: 100,000 children finish
    in minutes, a failure loses at most one chunk's work, and a re-run (the job is claimed once
    a day, but may be run again by hand) skips every child already done."""
    year = term.academic_year
    children = (
        Child.objects.filter(authority=authority)
        .filter(Exists(CareEpisode.objects.filter(child=OuterRef("pk"), ended_on__isnull=True)))
        .exclude(
            Exists(Pep.objects.filter(child=OuterRef("pk"), academic_year=year, term=term.code))
        )
        .select_related("authority")
        .order_by("pk")
    )
    count = 0
    last = 0
    while True:
        chunk = list(children.filter(pk__gt=last)[:SET_UP_CHUNK])
        if not chunk:
            return count
        last = chunk[-1].pk
        # Too young for a PEP yet: left for a later term. A child whose initial PEP is the
        # term's PEP (the rule's one home is deadlines.initial_pep_review_terms;
        # docs/architecture.md) is skipped by pep_set_up_many, as pep_set_up refuses one.
        due = [c for c in chunk if _needs_a_pep(rules, c.date_of_birth, term)]
        if not due:
            continue  # a chunk of children too young for a PEP
        with transaction.atomic():
            count += len(
                pep_set_up_many(children=due, academic_year=year, term=term.code, rules=rules)
            )


def set_up_term_one_by_one(
    authority: LocalAuthority, rules: PepRules, term: deadlines.ReviewTerm
) -> int:
    """The set-up as it was, a child at a time through pep_set_up: the batch's reference
    (tests compare the two; bench/ measures both)."""
    year = term.academic_year
    children = (
        Child.objects.filter(authority=authority)
        .filter(Exists(CareEpisode.objects.filter(child=OuterRef("pk"), ended_on__isnull=True)))
        .exclude(
            Exists(Pep.objects.filter(child=OuterRef("pk"), academic_year=year, term=term.code))
        )
        .order_by("pk")
    )
    children = list(children)
    # An initial PEP is the PEP of the terms it overlaps: no second one (the rule's one home is
    # deadlines.initial_pep_review_terms; docs/architecture.md).
    standing = initial_pep_terms(rules.review_windows, [c.pk for c in children])
    count = 0
    for child in children:
        if not _needs_a_pep(rules, child.date_of_birth, term):
            continue  # too young for a PEP yet
        if (year, term.code) in standing.get(child.pk, ()):
            continue
        with transaction.atomic():
            pep_set_up(actor=None, child=child, academic_year=year, term=term.code)
        count += 1
    return count


def _tell_virtual_school(authority: LocalAuthority, term: deadlines.ReviewTerm, count: int) -> None:
    year = term.academic_year
    staff = User.objects.filter(
        authority=authority, role=Role.VIRTUAL_SCHOOL_STAFF, is_active=True
    ).values_list("pk", flat=True)
    notify(
        Due(
            person,
            Kind.PEPS_SET_UP,
            Stage.REMINDER,
            f"la{authority.pk}{term.code}{year}",
            None,
            f"{count} {term.name} PEPs have been set up for {year} to {year + 1}",
            reverse("child_list"),
        )
        for person in staff
    )


def access_check_tell_operators(*, today: dt.date | None = None) -> int:
    """The nightly access check (twin of `manage.py check_access`): compare every access row
    with the derived care teams and, if anything differs, tell the portal's operators (each
    open superuser account, in the notification centre and by e-mail as they prefer) and the
    operations mailbox if one is set. Counts only, never a name: the rows are listed by
    check_access. Returns how many differences were found."""
    found = access_differences()
    if not found:
        return 0
    today = today or timezone.localdate()
    missing, extra = len(found.missing), len(found.extra)
    message = (
        f"The nightly access check found {missing} missing and {extra} extra access row(s). "
        "Run “manage.py check_access” to list them and “check_access --repair” to put them right."
    )
    operators = User.objects.filter(is_superuser=True, is_active=True).values_list("pk", flat=True)
    notify(
        Due(
            recipient_id=pk,
            kind=Kind.ACCESS_CHECK,
            stage=Stage.DUE,
            item="access",
            due_on=today,
            message=message,
            url=reverse("admin:index"),
        )
        for pk in operators
    )
    if settings.ACCESS_CHECK_ALERT_EMAIL:
        from .tasks import send_access_alert_email  # tasks.py imports this module

        with transaction.atomic():
            enqueue_after_commit(send_access_alert_email, missing, extra)
    logger.warning("Access check: %s missing and %s extra access row(s)", missing, extra)
    return missing + extra


def access_alert_email_send(*, missing: int, extra: int) -> bool:
    """E-mail the operations mailbox what the access check found: counts only."""
    body = render_to_string(
        "notifications/access_check.txt",
        {"missing": missing, "extra": extra, "link": _link(reverse("admin:index"))},
    )
    send_mail(
        "PEP Portal: access check found differences",
        body,
        None,
        [settings.ACCESS_CHECK_ALERT_EMAIL],
    )
    return True
