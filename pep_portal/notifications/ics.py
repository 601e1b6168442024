"""A PEP meeting's calendar entry (.ics), attached to the e-mail of its invitation, move or
cancellation: the time, "PEP meeting" and a link to the meeting page. Never a name, a place or
any detail of the child: a calendar is read by more people and programs than its owner."""

import datetime as dt

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from .models import Kind, Notification

# A meeting's calendar entry lasts an hour: the portal records when a meeting starts, not how
# long it takes, and an hour is what the seeds' PEP meetings take.
MEETING_LENGTH = dt.timedelta(hours=1)
# SEQUENCE counts seconds from here, so a later notification about one meeting always updates
# the calendar entry an earlier one made (and stays a 32-bit number for decades).
SEQUENCE_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def calendar_entry(notification: Notification) -> bytes | None:
    """The .ics for a meeting's notification: its time, "PEP meeting" and a link to the meeting
    page, which only people who may see the PEP can open. No name, place or detail of the child."""
    meeting = notification.meeting
    if meeting is None or not notification.calendar_uid:
        return None
    cancelled = notification.kind == Kind.MEETING_CANCELLED
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse("meeting_detail", args=[meeting.pk])
    calendar = Calendar()
    calendar.add("prodid", "-//PEP Portal//PEP meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", notification.calendar_uid)
    event.add("dtstamp", notification.created_at)
    event.add("sequence", int((notification.created_at - SEQUENCE_EPOCH).total_seconds()))
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + MEETING_LENGTH)
    event.add("summary", "PEP meeting (cancelled)" if cancelled else "PEP meeting")
    event.add("description", f"Sign in to PEP Portal for the details: {link}")
    event.add("url", link)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
