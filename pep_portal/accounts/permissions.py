"""Who may do what: the one place the portal decides it.

Every rule is written once, as a queryset filter (`_visible_people` …). `scope_queryset` applies
it to a list; `user_can` asks the same filter about one object. So a list page can never show
what the detail page would refuse, or the other way round (docs/adr/0001-permissions.md).

Object permissions on children (django-guardian's direct foreign-key tables) are granted and
revoked only by the care-team services, and read only here.
"""

from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from .models import LocalAuthority, User
from .roles import AUTHORITY_ROLES, SCHOOL_ROLES, Role


class Action(StrEnum):
    VIEW_PERSON = "view_person"
    MANAGE_PERSON = "manage_person"
    VIEW_AUTHORITY = "view_authority"


def is_virtual_school_staff(user: User) -> bool:
    return user.is_authenticated and user.role == Role.VIRTUAL_SCHOOL_STAFF


def is_people_manager(user: User) -> bool:
    """Authority administrators and virtual school administrators manage their authority's
    accounts (carers included), so the virtual school never waits on IT to add a carer."""
    return user.is_authenticated and (
        user.role == Role.AUTHORITY_ADMINISTRATOR
        or (user.role == Role.VIRTUAL_SCHOOL_STAFF and user.is_vs_administrator)
    )


def _nothing() -> Q:
    return Q(pk__in=[])


def _visible_people(user: User) -> Q:
    """People whose contact details a user may see: themselves, colleagues in the same
    authority (for authority staff) and colleagues at the same school (for school staff)."""
    if not user.is_authenticated or not user.is_active:
        return _nothing()
    rule = Q(pk=user.pk)
    if user.role in AUTHORITY_ROLES:
        rule |= Q(authority_id=user.authority_id)
    elif user.role in SCHOOL_ROLES:
        rule |= Q(school_id=user.school_id)
    return rule


def _manageable_people(user: User) -> Q:
    if not user.is_active or not is_people_manager(user):
        return _nothing()
    # Nobody manages the portal's operators, and nobody edits their own role here.
    return Q(authority_id=user.authority_id, is_superuser=False) & ~Q(pk=user.pk)


def _visible_authorities(user: User) -> Q:
    if not user.is_authenticated or not user.is_active or user.authority_id is None:
        return _nothing()
    return Q(pk=user.authority_id)


M = TypeVar("M", bound=Model)

_RULES: dict[tuple[type[Model], Action], Callable[[User], Q]] = {
    (User, Action.VIEW_PERSON): _visible_people,
    (User, Action.MANAGE_PERSON): _manageable_people,
    (LocalAuthority, Action.VIEW_AUTHORITY): _visible_authorities,
}


def _rule_for(model: type[Model], action: Action) -> Callable[[User], Q]:
    try:
        return _RULES[(model, action)]
    except KeyError:
        # An action nobody wrote a rule for is refused, never allowed by accident.
        raise PermissionError(f"No rule for {action} on {model.__name__}") from None


def scope_queryset(user: User, action: Action, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows of `queryset` that `user` may `action`."""
    return queryset.filter(_rule_for(queryset.model, action)(user))


def user_can(user: User, action: Action, obj: Model) -> bool:
    """Whether `user` may `action` this object, by the very rule that filters lists."""
    model = type(obj)
    return scope_queryset(user, action, model._default_manager.filter(pk=obj.pk)).exists()
