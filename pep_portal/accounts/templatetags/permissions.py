"""Templates ask the permission engine and never compare roles: `{% load permissions %}`, then
`{% if user|can:"quality_assure" %}` for an area of the portal. What a user may do to
one object reaches the template from its view (`can_change` …), asked of the same engine."""

from django import template
from django.db.models import Model

from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, user_can

register = template.Library()


@register.filter
def can(user: User, action: str) -> bool:
    """Whether the user may use this area of the portal (an area rule of the engine)."""
    return user_can(user, Action(action))


@register.simple_tag(takes_context=True)
def may(context: template.Context, action: str, obj: Model | None) -> bool:
    """Whether the signed-in user may do this to this object, asked of the engine:
    `{% may "record_pep_meeting" meeting as may_record %}`. Only actions the user may take
    are shown."""
    user = context.get("user")
    return user is not None and user_can(user, Action(action), obj)
