"""Template pieces shared by every app's pages, loaded with `{% load portal %}` (registered in
settings.TEMPLATES). The platform layer: it knows status words, never the apps' models."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# The GOV.UK tag colour of each status the portal shows as a tag; any other status is blue
# (waiting, or still being worked on).
STATUS_COLOURS: dict[str, str] = {
    # A PEP (peps.models.PepStatus).
    "signed_off": "green",
    "returned": "red",
    "submitted": "purple",
    # A Pupil Premium Plus request (pupil_premium.models.PpStatus).
    "approved": "green",
    "part_approved": "yellow",
    "declined": "red",
}


def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(str(status), "blue")


@register.simple_tag
def status_tag(status: str, label: str) -> SafeString:
    """`{% status_tag pep.status pep.get_status_display %}`: the label in its colour's tag."""
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>', status_colour(status), label
    )


@register.simple_tag
def questions_answered(answered: int, asked: int) -> str:
    """How far a section (or a whole PEP) has got, in plain words: "1 of 3 questions answered",
    "The question is answered", "No questions answered yet (1 question)"."""
    if asked == 0:
        return "No questions to answer"
    if answered >= asked:
        return "The question is answered" if asked == 1 else f"All {asked} questions answered"
    noun = "question" if asked == 1 else "questions"
    if answered == 0:
        return f"No questions answered yet ({asked} {noun})"
    return f"{answered} of {asked} {noun} answered"
