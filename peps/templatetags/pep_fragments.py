"""PEP fragments for pages of the layers below peps (a child's page lists their PEPs), so those
layers' views need not import peps (docs/architecture.md)."""

from typing import Any

from django import template
from django.db.models import QuerySet

from peps.models import Pep
from peps.selectors import initial_pep_warning, last_pep_notice, peps_for_child

register = template.Library()


@register.simple_tag(takes_context=True)
def child_peps(context: dict[str, Any], child: Any) -> QuerySet[Pep]:
    """The child's PEPs that the signed-in user may see: `{% child_peps child as peps %}`."""
    return peps_for_child(user=context["request"].user, child=child)


@register.simple_tag(takes_context=True)
def pep_warning(context: dict[str, Any], pep: Pep) -> str:
    """A warning about the PEP for the child's page (an initial PEP due after the first care
    review; a young person's last PEP before 18): `{% pep_warning pep as warning %}`."""
    return initial_pep_warning(pep) or last_pep_notice(pep, context.get("child"))
