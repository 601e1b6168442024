"""Who quality-assures PEPs and sees the virtual school's dashboard: the virtual school, for its
own authority. Registered with the permission engine by QualityAssuranceConfig.ready(); each
PEP's review is peps' REVIEW_PEP rule."""

from django.db.models import Q

from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import (
    Action,
    nothing,
    register_area_rules,
    register_object_rules,
    sees_whole_authority,
)


def _virtual_schools_of(user: User) -> Q:
    return Q(pk=user.authority_id) if sees_whole_authority(user) else nothing()


def register() -> None:
    register_object_rules(
        {(LocalAuthority, Action.VIEW_VIRTUAL_SCHOOL_DASHBOARD): _virtual_schools_of}
    )
    register_area_rules(
        {
            Action.QUALITY_ASSURE: sees_whole_authority,
            Action.VIEW_VIRTUAL_SCHOOL_DASHBOARD: sees_whole_authority,
        }
    )
