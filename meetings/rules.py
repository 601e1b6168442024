"""Who arranges and records meetings (PEP meetings and the designated teacher's internal reviews).

Registered with the permission engine by MeetingsConfig.ready().
"""

from django.db.models import Q

from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import (
    Action,
    nothing,
    register_area_rules,
    register_object_rules,
)
from pep_portal.accounts.roles import Role
from peps.models import Pep
from peps.rules import peps_of_children, peps_recorded_by, peps_submitted_by

from .models import Meeting, MeetingKind


def _visible_peps(user: User) -> Q:
    return peps_of_children(user, Action.VIEW_CHILD)


def _meetings_recorded_by(user: User) -> Q:
    """A meeting is recorded by whoever records its PEP's meeting; the designated teacher also
    records the internal reviews they hold, whatever the rule set says about formal meetings
    (whether an internal review counts is the meetings service's rule)."""
    rule = Q(pep_id__in=Pep.objects.filter(peps_recorded_by(user)).values("pk"))
    if user.role == Role.DESIGNATED_TEACHER:
        visible = Pep.objects.filter(_visible_peps(user)).values("pk")
        rule |= Q(kind=MeetingKind.INTERNAL_REVIEW, pep_id__in=visible)
    return rule


def _meetings_arranged_by(user: User) -> Q:
    """The social worker arranges PEP meetings; the designated teacher may too (Walsall: "set
    up by either the designated teacher or social worker"), and so may the virtual school."""
    if user.role == Role.SOCIAL_WORKER:
        return peps_submitted_by(user)
    if user.role in (Role.DESIGNATED_TEACHER, Role.VIRTUAL_SCHOOL_STAFF):
        return _visible_peps(user)
    return nothing()


def _internal_reviews_held_by(user: User) -> Q:
    """Only the designated teacher holds an internal review, for the PEPs they see."""
    if user.role != Role.DESIGNATED_TEACHER:
        return nothing()
    return _visible_peps(user)


def _may_open_meetings(user: User) -> bool:
    return bool(user.role) and user.role != Role.AUTHORITY_ADMINISTRATOR


def register() -> None:
    register_object_rules(
        {
            (Meeting, Action.RECORD_PEP_MEETING): _meetings_recorded_by,
            (Pep, Action.ARRANGE_MEETING): _meetings_arranged_by,
            (Pep, Action.HOLD_INTERNAL_REVIEW): _internal_reviews_held_by,
        }
    )
    register_area_rules({Action.OPEN_MEETINGS: _may_open_meetings})
