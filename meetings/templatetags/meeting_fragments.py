"""`{% load meeting_fragments %}`: the "Record the meeting" button, shown only to those who
may record (the permission engine) and only from the meeting day (meetings.services); before
then, when it can be recorded."""

from typing import Any

from django import template

from meetings import services
from meetings.models import Meeting, MeetingStatus
from pep_portal.accounts.permissions import Action, user_can
from peps.models import PepStatus

register = template.Library()

# A meeting is recorded for a PEP still being prepared: not once it is held or submitted.
RECORDABLE_PEP = (PepStatus.DRAFT, PepStatus.IN_PROGRESS, PepStatus.READY_FOR_MEETING)


@register.inclusion_tag("meetings/record_button.html", takes_context=True)
def record_meeting_button(context: template.Context, meeting: Meeting | None) -> dict[str, Any]:
    user = context.get("user")
    shown = (
        meeting is not None
        and user is not None
        and meeting.status == MeetingStatus.ARRANGED
        and meeting.pep.status in RECORDABLE_PEP
        and user_can(user, Action.RECORD_PEP_MEETING, meeting)
    )
    return {
        "shown": shown,
        "meeting": meeting,
        "not_yet": services.recording_refusal(meeting) if shown and meeting else None,
    }
