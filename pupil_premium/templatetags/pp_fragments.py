"""Pupil Premium Plus fragments for pages of the layers below it (a PEP's page lists its PP+
requests), so those layers' views need not import pupil_premium (docs/architecture.md)."""

from typing import Any

from django import template

from pupil_premium.selectors import pp_fund_devolved, pp_requests_for_pep, pp_to_review_at

register = template.Library()


@register.simple_tag(takes_context=True)
def pep_pp_requests(context: dict[str, Any], pep: Any) -> Any:
    """The PEP's PP+ requests that the signed-in user may see:
    `{% pep_pp_requests pep as pp_requests %}`."""
    return pp_requests_for_pep(user=context["request"].user, pep=pep)


@register.simple_tag(takes_context=True)
def pp_devolved(context: dict[str, Any]) -> bool:
    """Whether the signed-in user's authority devolves PP+ to schools (the PP+ pages then link
    to the schools' termly amounts): `{% pp_devolved as devolved %}`."""
    authority = getattr(context["request"].user, "authority", None)
    return authority is not None and pp_fund_devolved(authority)


@register.simple_tag(takes_context=True)
def pep_pp_to_review(context: dict[str, Any], pep: Any) -> Any:
    """The PP+ approved at the PEP before this one, each with the targets it funded, that this
    PEP's PP+ section reviews: `{% pep_pp_to_review pep as to_review %}`."""
    return pp_to_review_at(user=context["request"].user, pep=pep)
