"""Who raises, sees and decides Pupil Premium Plus requests, and keeps the allocation per child.

Registered with the permission engine by PupilPremiumConfig.ready(). The school asks for PP+ (the
designated teacher decides how it is spent); the child's virtual school decides.
"""

from django.db.models import Q

from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import (
    Action,
    nothing,
    register_area_rules,
    register_object_rules,
    scope_queryset,
    sees_whole_authority,
)
from pep_portal.accounts.roles import Role
from pep_portal.calendars.choices import PpDecider
from peps.models import Pep
from peps.rules import peps_of_children, peps_submitted_by

from .models import PpRequest


def _peps_pp_requested_by(user: User) -> Q:
    """The school asks for PP+; without a school place the social worker writes the school's
    sections, so asks for it too."""
    if user.role in (Role.DESIGNATED_TEACHER, Role.DELEGATED_SCHOOL_STAFF):
        return peps_of_children(user, Action.VIEW_CHILD)
    if user.role == Role.SOCIAL_WORKER:
        return peps_submitted_by(user)
    return nothing()


def _visible_pp_requests(user: User) -> Q:
    return Q(pep_id__in=scope_queryset(user, Action.VIEW_PEP, Pep.objects.all()).values("pk"))


# The authority's rule set says who decides (calendars.PepRuleSet.pp_plus_decided_by).
_DEVOLVED = Q(child__authority__pep_rules__pp_plus_decided_by=PpDecider.SCHOOL)


def _decidable_pp_requests(user: User) -> Q:
    """The virtual school decides its authority's requests; where PP+ is devolved, the
    designated teacher of the school the request was raised at allocates the school's termly
    amount instead."""
    if sees_whole_authority(user):
        return Q(child__authority_id=user.authority_id) & ~_DEVOLVED
    if user.role == Role.DESIGNATED_TEACHER and user.school_id is not None:
        return (
            Q(school_id=user.school_id)
            & _DEVOLVED
            & Q(pep_id__in=scope_queryset(user, Action.VIEW_PEP, Pep.objects.all()).values("pk"))
        )
    return nothing()


def _may_keep_pp_allocations(user: User) -> bool:
    """Virtual school administrators set their own authority's allocation per child."""
    return sees_whole_authority(user) and user.is_vs_administrator


def _pp_allocations_kept_by(user: User) -> Q:
    return Q(pk=user.authority_id) if _may_keep_pp_allocations(user) else nothing()


def register() -> None:
    register_object_rules(
        {
            (Pep, Action.RAISE_PP_REQUEST): _peps_pp_requested_by,
            (PpRequest, Action.VIEW_PP_REQUEST): _visible_pp_requests,
            (PpRequest, Action.DECIDE_PP_REQUEST): _decidable_pp_requests,
            (LocalAuthority, Action.MANAGE_PP_ALLOCATIONS): _pp_allocations_kept_by,
        }
    )
    register_area_rules(
        {
            Action.OPEN_PUPIL_PREMIUM: sees_whole_authority,
            Action.MANAGE_PP_ALLOCATIONS: _may_keep_pp_allocations,
        }
    )
