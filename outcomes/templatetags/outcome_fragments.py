"""Education outcomes for pages of the layers below outcomes (the child's page, the PEP page),
so those layers' views need not import outcomes (docs/architecture.md)."""

from typing import Any

from django import template
from django.core.exceptions import PermissionDenied

from outcomes.chart import attendance_chart
from outcomes.selectors import child_outcomes, pep_term, term_outcomes
from outcomes.selectors import pep_section_records as _section_records
from peps.models import EDITABLE_STATUSES

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


@register.simple_tag(takes_context=True)
def pep_section_records(context: dict[str, Any], pep: Any, kinds: list[str]) -> Any:
    """`{% pep_section_records pep records as kept %}` on a PEP section's page: the term's
    records its RECORDS questions stand for, changeable there while the PEP is open."""
    return _section_records(
        user=context["request"].user, pep=pep, kinds=kinds, editable=pep.status in EDITABLE_STATUSES
    )
