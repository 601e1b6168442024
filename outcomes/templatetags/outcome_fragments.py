"""Education outcomes for pages of the layers below outcomes (the child's page, the PEP page),
so those layers' views need not import outcomes (docs/architecture.md)."""

from typing import Any

from django import template
from django.core.exceptions import PermissionDenied

from outcomes.chart import attendance_chart
from outcomes.selectors import child_outcomes, pep_term, term_outcomes

register = template.Library()


@register.simple_tag(takes_context=True)
def child_education(context: dict[str, Any], child: Any) -> Any:
    """`{% child_education child as education %}`: every term's attendance (with its chart)
    and attainment, suspensions and exclusions, part-time timetables and times without a
    school or setting; None when the user may not see them."""
    try:
        outcomes = child_outcomes(user=context["request"].user, child=child)
    except PermissionDenied:
        return None
    outcomes.chart = attendance_chart(
        outcomes.attendance, outcomes.lines.persistent_below, outcomes.lines.severe_below
    )
    return outcomes


@register.simple_tag(takes_context=True)
def pep_education(context: dict[str, Any], pep: Any) -> Any:
    """`{% pep_education pep as education %}`: the attendance and attainment of the PEP's term
    (an initial PEP's is the term it starts in)."""
    which = pep_term(pep)
    if which is None:
        return None
    year, term = which
    try:
        return term_outcomes(
            user=context["request"].user, child=pep.child, academic_year=year, term=term
        )
    except PermissionDenied:
        return None
