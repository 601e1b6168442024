"""`{% load meeting_fragments %}`: the "Record the meeting" button, shown only to those who
may record (the permission engine) and only from the meeting day (meetings.services); before
then, when it can be recorded."""

from typing import Any

from django import template
from django.forms import BoundField, Form, MultiValueField, RadioSelect

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


def first_input_id(field: BoundField) -> str:
    """The id of the box an error link must move focus to: a date's day box, a question's
    first radio button (crispy-forms-gds numbers radios from 1), otherwise the field itself."""
    if isinstance(field.field, MultiValueField):
        return f"{field.auto_id}_0"
    if isinstance(field.field.widget, RadioSelect):
        return f"id_{field.html_name}_1"
    return str(field.auto_id)


@register.inclusion_tag("meetings/error_summary.html")
def record_error_summary(form: Form) -> dict[str, Any]:
    """GOV.UK's error summary whose every link reaches its field (dates and radios included);
    errors for the whole page are listed without a link."""
    return {
        "general": list(form.non_field_errors()) if form.errors else [],
        "errors": [
            (first_input_id(field), error)
            for field in form.visible_fields()
            for error in field.errors
        ],
    }
