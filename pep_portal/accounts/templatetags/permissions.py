"""Templates ask the permission engine and never compare roles: `{% load permissions %}`, then
`{% if user|can:"quality_assure" %}` for an area of the portal. What a user may do to
one object reaches the template from its view (`can_change` …), asked of the same engine."""

from django import template

from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, user_can

register = template.Library()


@register.filter
def can(user: User, action: str) -> bool:
    """Whether the user may use this area of the portal (an area rule of the engine)."""
    return user_can(user, Action(action))
