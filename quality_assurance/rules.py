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
    scope_queryset,
    sees_whole_authority,
)
from pep_portal.accounts.roles import Role
from peps.models import Pep

from .models import QaDecision, QaReview


def _virtual_schools_of(user: User) -> Q:
    return Q(pk=user.authority_id) if sees_whole_authority(user) else nothing()


def _feedback_read_by(user: User) -> Q:
    """A PEP's reviews are read by the professionals of its care team, who wrote it and act on
    the feedback, and by the virtual school; not by carers (the feedback is addressed to the
    teacher and the social worker). A moderation is the virtual school's own second look."""
    if user.role == Role.CARER:
        return nothing()
    peps = Q(pep_id__in=scope_queryset(user, Action.VIEW_PEP, Pep.objects.all()).values("pk"))
    if sees_whole_authority(user):
        return peps
    return peps & ~Q(decision=QaDecision.MODERATION)


def register() -> None:
    register_object_rules(
        {
            (LocalAuthority, Action.VIEW_VIRTUAL_SCHOOL_DASHBOARD): _virtual_schools_of,
            (QaReview, Action.VIEW_QA_FEEDBACK): _feedback_read_by,
        }
    )
    register_area_rules(
        {
            Action.QUALITY_ASSURE: sees_whole_authority,
            Action.VIEW_VIRTUAL_SCHOOL_DASHBOARD: sees_whole_authority,
        }
    )
