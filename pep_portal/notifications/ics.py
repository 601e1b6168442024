"""A PEP meeting's calendar entry (.ics), attached to the e-mail of its invitation, move or
cancellation: the time, "PEP meeting" and a link to the meeting page. Never a name, a place or
any detail of the child: a calendar is read by more people and programs than its owner. An
invitee without an account, who cannot follow the link, gets the place, the organiser's contact
details and a meeting reference instead (still no name or detail of the child)."""

import datetime as dt

from django.conf import settings
from django.urls import reverse

from .models import InviteeEmail, Kind, Notification

# A meeting's calendar entry lasts an hour: the portal records when a meeting starts, not how
# long it takes, and an hour is what the seeds' PEP meetings take.
MEETING_LENGTH = dt.timedelta(hours=1)
# SEQUENCE counts seconds from here, so a later notification about one meeting always updates
# the calendar entry an earlier one made (and stays a 32-bit number for decades).
SEQUENCE_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _entry(
    *,
    uid: str,
    created_at: dt.datetime,
    starts_at: dt.datetime,
    cancelled: bool,
    description: str,
    url: str = "",
    location: str = "",
) -> bytes:
    # Imported here: only a meeting's e-mail carries a calendar entry (icalendar is ~4 MB).
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//PEP Portal//PEP meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", created_at)
    event.add("sequence", int((created_at - SEQUENCE_EPOCH).total_seconds()))
    event.add("dtstart", starts_at)
    event.add("dtend", starts_at + MEETING_LENGTH)
    event.add("summary", "PEP meeting (cancelled)" if cancelled else "PEP meeting")
    event.add("description", description)
    if url:
        event.add("url", url)
    if location:
        event.add("location", location)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def calendar_entry(notification: Notification) -> bytes | None:
    """The .ics for a meeting's notification: its time, "PEP meeting" and a link to the meeting
    page, which only people who may see the PEP can open. No name, place or detail of the child."""
    meeting = notification.meeting
    if meeting is None or not notification.calendar_uid:
        return None
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse("meeting_detail", args=[meeting.pk])
    return _entry(
        uid=notification.calendar_uid,
        created_at=notification.created_at,
        starts_at=meeting.starts_at,
        cancelled=notification.kind == Kind.MEETING_CANCELLED,
        description=f"Sign in to PEP Portal for the details: {link}",
        url=link,
    )


def invitee_calendar_entry(invite: InviteeEmail, *, place: str, organiser: str) -> bytes:
    """The .ics for an invitee without an account: the time, the place, the organiser's contact
    details and the meeting reference; no link (they cannot sign in), no name or detail of the
    child. The same UID as the invitees with accounts, so a move or cancellation updates it."""
    return _entry(
        uid=invite.calendar_uid,
        created_at=invite.created_at,
        starts_at=invite.meeting.starts_at,
        cancelled=invite.kind == Kind.MEETING_CANCELLED,
        description=f"Meeting reference: {invite.reference}. Organiser: {organiser}",
        location=place,
    )
