"""The footer's "Help:" address without a query for the authority on every page:
`{% load help_contact %}`, then `{% help_contact user as contact %}`."""

from django import template

from pep_portal.accounts.selectors import HelpContact
from pep_portal.accounts.selectors import help_contact as contact_of

register = template.Library()


@register.simple_tag
def help_contact(user: object) -> HelpContact | None:
    return contact_of(user)
