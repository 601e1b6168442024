"""Who keeps and reads term calendars and PEP rule sets (on an authority, or on a school).

Registered with the permission engine by CalendarsConfig.ready(). Authority administrators and
virtual school administrators keep their authority's term dates and PEP rules; every member of
virtual school staff may read them.
"""

from django.db.models import Q

from children.models import Enrolment, School
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import (
    Action,
    is_people_manager,
    nothing,
    register_area_rules,
    register_object_rules,
)
from pep_portal.accounts.roles import Role


def _may_read_calendars(user: User) -> bool:
    return user.authority_id is not None and user.role in (
        Role.VIRTUAL_SCHOOL_STAFF,
        Role.AUTHORITY_ADMINISTRATOR,
    )


def _may_keep_calendars(user: User) -> bool:
    return _may_read_calendars(user) and is_people_manager(user)


def _calendar_schools(user: User) -> Q:
    """Schools in the user's own authority, and schools (anywhere) where a child of the user's
    authority is on roll: out-of-area schools need their term dates kept by someone."""
    if user.authority_id is None:
        return nothing()
    own_la_code = LocalAuthority.objects.filter(pk=user.authority_id).values("la_code")
    attended = Enrolment.objects.filter(
        ended_on__isnull=True, child__authority_id=user.authority_id
    ).values("school_id")
    return Q(la_code__in=own_la_code) | Q(pk__in=attended)


def _viewable_authorities(user: User) -> Q:
    return Q(pk=user.authority_id) if _may_read_calendars(user) else nothing()


def _editable_authorities(user: User) -> Q:
    return Q(pk=user.authority_id) if _may_keep_calendars(user) else nothing()


def _viewable_schools(user: User) -> Q:
    return _calendar_schools(user) if _may_read_calendars(user) else nothing()


def _editable_schools(user: User) -> Q:
    return _calendar_schools(user) if _may_keep_calendars(user) else nothing()


def register() -> None:
    register_object_rules(
        {
            (LocalAuthority, Action.VIEW_CALENDAR): _viewable_authorities,
            (LocalAuthority, Action.EDIT_CALENDAR): _editable_authorities,
            (LocalAuthority, Action.EDIT_RULES): _editable_authorities,
            (School, Action.VIEW_CALENDAR): _viewable_schools,
            (School, Action.EDIT_CALENDAR): _editable_schools,
        }
    )
    register_area_rules({Action.OPEN_CALENDARS: _may_read_calendars})
