"""Who may see and record a child's education outcomes, and who may import schools' data files.
Registered with the permission engine by OutcomesConfig.ready().

Seeing follows the child (the care team, and the virtual school for its whole authority).
Recording is the school's and the virtual school's: the designated teacher and the colleagues
they delegate to for the children of their school, and virtual school staff for their
authority's children. Importing a school's data file is the virtual school's."""

from django.db.models import Q

from children.models import Child
from children.rules import granted_children
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import (
    Action,
    nothing,
    register_area_rules,
    register_object_rules,
    sees_whole_authority,
)
from pep_portal.accounts.roles import SCHOOL_ROLES


def _outcomes_visible(user: User) -> Q:
    if sees_whole_authority(user):
        return Q(authority_id=user.authority_id)
    return Q(pk__in=granted_children(user))


def _outcomes_recordable(user: User) -> Q:
    if sees_whole_authority(user):
        return Q(authority_id=user.authority_id)
    if user.role in SCHOOL_ROLES and user.school_id is not None:
        # Their own school's children, while they are in the care team.
        return Q(
            pk__in=granted_children(user),
            enrolments__school_id=user.school_id,
            enrolments__ended_on__isnull=True,
        )
    return nothing()


def register() -> None:
    register_object_rules(
        {
            (Child, Action.VIEW_OUTCOMES): _outcomes_visible,
            (Child, Action.RECORD_OUTCOMES): _outcomes_recordable,
        }
    )
    register_area_rules({Action.IMPORT_MIS_DATA: sees_whole_authority})
