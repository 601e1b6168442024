"""Who may do what: the one place the portal decides it.

Every rule is written once, as a queryset filter (`_visible_people` …). `scope_queryset` applies
it to a list; `user_can` asks the same filter about one object. So a list page can never show
what the detail page would refuse, or the other way round (docs/adr/0001-permissions.md).

Object permissions on children (django-guardian's direct foreign-key tables) are granted and
revoked only by the care-team services, and read only here.
"""

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import TypeVar

from django.db import transaction
from django.db.models import Model, Q, QuerySet

from children.models import Child, ChildUserObjectPermission

from .models import LocalAuthority, User
from .roles import AUTHORITY_ROLES, SCHOOL_ROLES, Role


class Action(StrEnum):
    VIEW_PERSON = "view_person"
    MANAGE_PERSON = "manage_person"
    VIEW_AUTHORITY = "view_authority"
    VIEW_CHILD = "view_child"
    # Register, edit details, record placement and school moves, allocate staff.
    CHANGE_CHILD = "change_child"
    DELEGATE_CHILD = "delegate_child"
    VIEW_CHILD_AUDIT = "view_child_audit"


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
    if not user.is_authenticated or not user.is_active:
        return _nothing()
    if user.role == Role.DESIGNATED_TEACHER:
        # A designated teacher manages the colleagues they delegate work to.
        return Q(school_id=user.school_id, role=Role.DELEGATED_SCHOOL_STAFF)
    if not is_people_manager(user):
        return _nothing()
    # Nobody manages the portal's operators, and nobody edits their own role here.
    return Q(authority_id=user.authority_id, is_superuser=False) & ~Q(pk=user.pk)


def roles_user_may_invite(user: User) -> list[Role]:
    """The roles of the accounts a user may create."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.role == Role.DESIGNATED_TEACHER:
        return [Role.DELEGATED_SCHOOL_STAFF]
    if not is_people_manager(user):
        return []
    roles = [
        Role.SOCIAL_WORKER,
        Role.VIRTUAL_SCHOOL_STAFF,
        Role.INDEPENDENT_REVIEWING_OFFICER,
        Role.CARER,
        Role.DESIGNATED_TEACHER,
    ]
    if user.role == Role.AUTHORITY_ADMINISTRATOR:
        roles.append(Role.AUTHORITY_ADMINISTRATOR)
    return roles


def _visible_authorities(user: User) -> Q:
    if not user.is_authenticated or not user.is_active or user.authority_id is None:
        return _nothing()
    return Q(pk=user.authority_id)


M = TypeVar("M", bound=Model)


def _visible_children(user: User) -> Q:
    """Virtual school staff see every child of their authority; everyone else sees the
    children whose care team they are in, through the rows `sync_child_access` keeps."""
    if not user.is_authenticated or not user.is_active:
        return _nothing()
    if user.role == Role.VIRTUAL_SCHOOL_STAFF:
        return Q(authority_id=user.authority_id)
    granted = ChildUserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename="view_child"
    ).values("content_object_id")
    return Q(pk__in=granted)


def _changeable_children(user: User) -> Q:
    if not user.is_active or user.role != Role.VIRTUAL_SCHOOL_STAFF:
        return _nothing()
    return Q(authority_id=user.authority_id)


def _delegable_children(user: User) -> Q:
    """A designated teacher delegates the children on their own school's roll, only."""
    if not user.is_active or user.role != Role.DESIGNATED_TEACHER:
        return _nothing()
    return Q(enrolments__school_id=user.school_id, enrolments__ended_on__isnull=True)


def _auditable_children(user: User) -> Q:
    if not user.is_active or user.role != Role.VIRTUAL_SCHOOL_STAFF or not user.is_vs_administrator:
        return _nothing()
    return Q(authority_id=user.authority_id)


_RULES: dict[tuple[type[Model], Action], Callable[[User], Q]] = {
    (User, Action.VIEW_PERSON): _visible_people,
    (User, Action.MANAGE_PERSON): _manageable_people,
    (LocalAuthority, Action.VIEW_AUTHORITY): _visible_authorities,
    (Child, Action.VIEW_CHILD): _visible_children,
    (Child, Action.CHANGE_CHILD): _changeable_children,
    (Child, Action.DELEGATE_CHILD): _delegable_children,
    (Child, Action.VIEW_CHILD_AUDIT): _auditable_children,
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


def sync_child_access(child_ids: Iterable[int]) -> None:
    """Make django-guardian's rows for these children match their care team exactly.

    Called by every service that changes a care team (allocation, school move, placement,
    delegation), inside its transaction: whoever joined gains access, whoever left loses it.
    The care team itself is derived from the facts (children.selectors.care_team_user_ids).
    """
    from django.contrib.auth.models import Permission

    from children.selectors import care_team_user_ids

    child_ids = list(child_ids)
    if not child_ids:
        return
    wanted = care_team_user_ids(child_ids)
    view_child = Permission.objects.get(codename="view_child", content_type__app_label="children")
    with transaction.atomic():
        rows = ChildUserObjectPermission.objects.filter(
            content_object_id__in=child_ids, permission=view_child
        )
        held = {
            (r.content_object_id, r.user_id): r.pk
            for r in rows.only("pk", "user", "content_object")
        }
        should = {(child_id, user_id) for child_id, users in wanted.items() for user_id in users}
        stale = [pk for key, pk in held.items() if key not in should]
        if stale:
            ChildUserObjectPermission.objects.filter(pk__in=stale).delete()
        ChildUserObjectPermission.objects.bulk_create(
            [
                ChildUserObjectPermission(
                    content_object_id=child_id, user_id=user_id, permission=view_child
                )
                for child_id, user_id in sorted(should - held.keys())
            ]
        )
