"""Events the meetings layer announces, so apps above it can follow without being imported
here. Each is sent by meetings.services inside its transaction; the notification centre tells
the invitees or the virtual school (notifications/receivers.py)."""

from django.dispatch import Signal

# A meeting was arranged. Arguments: meeting (the new one, with its attendees), moved_from (the
# arranged meeting it replaces, now cancelled, or None), actor.
meeting_arranged = Signal()

# An arranged meeting was cancelled without another in its place. Arguments: meeting, actor.
meeting_cancelled = Signal()

# A meeting was recorded with someone required (social worker, designated teacher, carer)
# absent. Arguments: meeting, actor.
required_attendee_absent = Signal()
