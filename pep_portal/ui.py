"""Template pieces shared by every app's pages, loaded with `{% load portal %}` (registered in
settings.TEMPLATES). The platform layer: it knows status words, never the apps' models."""

from typing import Any

from django import forms, template
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


def first_input_id(field: forms.BoundField) -> str:
    """The id of the box an error link must move focus to: a date's day box, a question's
    first radio button or checkbox (crispy-forms-gds numbers them from 1), otherwise the
    field itself."""
    if isinstance(field.field, forms.MultiValueField):
        return f"{field.auto_id}_0"
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"id_{field.html_name}_1"
    return str(field.auto_id)


@register.filter
def error_links(form: Any) -> list[tuple[str, str]]:
    """(id, message) for each error of the form, in the page's order: the id is the box the
    summary's link moves focus to (`first_input_id`), or "" for an error about the whole
    form (or a hidden field), listed without a link. The one home of the error summary's
    links: `templates/gds/layout/error_summary.html` (every `{% error_summary form %}`)."""
    if not getattr(form, "errors", None):
        return []
    links: list[tuple[str, str]] = [("", str(e)) for e in form.non_field_errors()]
    for field in form.hidden_fields():
        links.extend(("", str(e)) for e in field.errors)
    for field in in_page_order(form):
        links.extend((first_input_id(field), str(e)) for e in field.errors)
    return links


def in_page_order(form: Any) -> list[forms.BoundField]:
    """The form's visible fields in the order its crispy layout shows them (the summary lists
    errors as the page does); fields the layout leaves out keep the form's order, after."""
    fields = form.visible_fields()
    layout = getattr(getattr(form, "helper", None), "layout", None)
    if layout is None:
        return list(fields)
    position = {pointer.name: n for n, pointer in enumerate(layout.get_field_names())}
    return sorted(fields, key=lambda f: position.get(f.name, len(position)))


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


@register.filter
def value_of(mapping: dict[str, Any], key: str) -> Any:
    """`{{ blocking|value_of:row.spec.key }}`: a dictionary's value for a key the template
    holds in a variable, or "" when it has none."""
    return mapping.get(key, "") if mapping else ""
