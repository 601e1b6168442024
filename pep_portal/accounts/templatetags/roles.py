"""Saying what a role does, without a template deciding anything by role: `{% load roles %}`,
then `{{ user|role_summary }}`."""

from django import template

from pep_portal.accounts.models import User
from pep_portal.accounts.roles import OPERATOR_SUMMARY, ROLE_SUMMARIES, Role

register = template.Library()


@register.filter
def role_summary(user: User) -> str:
    """What the user does on the portal, in their role's own words."""
    if user.role not in Role.values:
        return OPERATOR_SUMMARY
    authority = user.authority.name if user.authority else "your authority"
    return ROLE_SUMMARIES[Role(user.role)].format(authority=authority)
