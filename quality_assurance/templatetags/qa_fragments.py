"""Quality assurance fragments for pages of the layers below it (a PEP's page shows its
reviews' ratings and feedback), so those layers' views need not import quality_assurance."""

from typing import Any

from django import template

from quality_assurance.selectors import qa_feedback_for_pep

register = template.Library()


@register.simple_tag(takes_context=True)
def pep_qa_reviews(context: dict[str, Any], pep: Any) -> Any:
    """The PEP's reviews that the signed-in user may read:
    `{% pep_qa_reviews pep as qa_reviews %}`."""
    return list(qa_feedback_for_pep(user=context["request"].user, pep=pep))
