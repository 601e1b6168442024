"""Who may do what to children, their care teams and designated teachers' approvals.

Registered with the permission engine (pep_portal.accounts.permissions) by ChildrenConfig.ready().
A user who is not signed in or whose account is closed never reaches these rules.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Value
from django.utils import timezone

from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import (
    Action,
    is_people_manager,
    nothing,
    register_area_rules,
    register_object_rules,
    sees_whole_authority,
    widen_object_rule,
)
from pep_portal.accounts.roles import AUTHORITY_ROLES, Role
from pep_portal.request_memo import once_asked_often, recall

from .access import _any_of, previous_school_windows
from .models import (
    AdviceRequest,
    Child,
    ChildUserObjectPermission,
    SocialWorkerCount,
    TeacherApproval,
)


@dataclass(frozen=True)
class _CareAccess:
    """A person's care-team children (as the right-hand side of an `__in` filter) and whether
    they hold a previous school's read-only window today, read once for a page load."""

    children: Any
    holds_window: bool


def _care_access_key(user: User) -> tuple[str, int | None, int | None, dt.date]:
    return ("care_access", user.pk, user.school_id, timezone.localdate())


def _read_care_access(user: User) -> _CareAccess:
    """One query: the care-team children's ids and, for school staff (who alone are handed
    PEPs over after a change of school), their windows at their school today."""
    granted = (
        _granted_rows(user).annotate(window=Value(False)).values_list("content_object_id", "window")
    )
    if user.role in (Role.DESIGNATED_TEACHER, Role.DELEGATED_SCHOOL_STAFF) and user.school_id:
        windows = (
            previous_school_windows(user_id=user.pk, today=timezone.localdate())
            .filter(school_id=user.school_id)
            .annotate(window=Value(True))
            .values_list("child_id", "window")
        )
        granted = granted.order_by().union(windows.order_by(), all=True)
    found = list(granted)
    return _CareAccess(
        children=_any_of([child_id for child_id, window in found if not window]),
        holds_window=any(window for _, window in found),
    )


def granted_children(user: User) -> QuerySet[ChildUserObjectPermission, Any] | Any:
    """The ids of the children whose care team the user is in (the rows
    `children.access.sync_child_access` keeps), for an `__in` filter.

    A subquery; but a page that asks about the care team again and again (the PEP page: the PEP,
    the child's and the PEP's buttons, its QA and PP+ parts, a dozen rules) reads the ids once,
    with one query, at the fourth question, and later questions carry them as one array
    parameter: a nested subquery is compiled afresh for every question and was most of those
    pages' Python time. Only while a GET is answered (pep_portal/request_memo.py), which
    changes no care team."""
    access = once_asked_often(
        _care_access_key(user), lambda: None, lambda: _read_care_access(user), often=4
    )
    return _granted_rows(user) if access is None else access.children


def _granted_rows(user: User) -> QuerySet[ChildUserObjectPermission, Any]:
    return ChildUserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename="view_child"
    ).values("content_object_id")


def holds_previous_school_window(user: User) -> bool | None:
    """Whether the user holds a previous school's read-only window at their school today, when
    this page load already read it with their care team (`granted_children`); None when not
    known (ask the database)."""
    access = recall(_care_access_key(user))
    return None if access is None else access.holds_window


def _visible_children(user: User) -> Q:
    """Virtual school staff see every child of their authority; everyone else sees the
    children whose care team they are in."""
    if sees_whole_authority(user):
        return Q(authority_id=user.authority_id)
    return Q(pk__in=granted_children(user))


def _changeable_children(user: User) -> Q:
    if not sees_whole_authority(user):
        return nothing()
    return Q(authority_id=user.authority_id)


def _delegable_children(user: User) -> Q:
    """A designated teacher delegates the children on their own school's roll whose authority
    approves them (so whom they see), only."""
    if user.role != Role.DESIGNATED_TEACHER:
        return nothing()
    return Q(
        enrolments__school_id=user.school_id,
        enrolments__ended_on__isnull=True,
        pk__in=granted_children(user),
    )


def _auditable_children(user: User) -> Q:
    if not sees_whole_authority(user) or not user.is_vs_administrator:
        return nothing()
    return Q(authority_id=user.authority_id)


def _may_open_children(user: User) -> bool:
    # Authority administrators look after accounts and calendars, not children's records.
    return bool(user.role) and user.role != Role.AUTHORITY_ADMINISTRATOR


def _carers_sharing_a_child(user: User) -> Q:
    """Authority staff who are not the virtual school see a carer of their authority while they
    share a child with them (accounts' own rule hides carers from them otherwise)."""
    if user.role not in AUTHORITY_ROLES or sees_whole_authority(user):
        return nothing()
    sharing = ChildUserObjectPermission.objects.filter(
        permission__codename="view_child", content_object_id__in=granted_children(user)
    ).values("user_id")
    return Q(authority_id=user.authority_id, role=Role.CARER, pk__in=sharing)


# --- Designated teachers' approvals ---------------------------------------------------------
# One login serves every authority; each authority approves the teacher for its own children.
# Those who invite designated teachers (authority and virtual school administrators) approve
# and withdraw for their own authority; all virtual school staff see who approved a teacher
# their authority approved; a teacher sees their own approvals.


def _sees_own_approvals(user: User) -> bool:
    """A designated teacher sees which authorities approve them."""
    return user.role == Role.DESIGNATED_TEACHER


def _may_approve_teachers(user: User) -> bool:
    return is_people_manager(user) and user.authority_id is not None


def _approvable_teachers(user: User) -> Q:
    if not _may_approve_teachers(user):
        return nothing()
    # Any open designated teacher login: the approval reaches only the approver's children.
    return Q(role=Role.DESIGNATED_TEACHER, is_active=True, school__isnull=False)


def _teachers_with_visible_approvals(user: User) -> Q:
    if user.role == Role.DESIGNATED_TEACHER:
        return Q(pk=user.pk)
    if _may_approve_teachers(user):
        return Q(role=Role.DESIGNATED_TEACHER)
    if sees_whole_authority(user):
        ours = TeacherApproval.objects.filter(authority_id=user.authority_id)
        return Q(role=Role.DESIGNATED_TEACHER, pk__in=ours.values("teacher_id"))
    return nothing()


def _authorities_whose_approvals_user_sees(user: User) -> Q:
    if user.authority_id is None:
        return nothing()
    if user.role not in (Role.VIRTUAL_SCHOOL_STAFF, Role.AUTHORITY_ADMINISTRATOR):
        return nothing()
    return Q(pk=user.authority_id)


def _withdrawable_approvals(user: User) -> Q:
    if not _may_approve_teachers(user):
        return nothing()
    return Q(authority_id=user.authority_id, withdrawn_at__isnull=True)


def _own_authority_cohorts(user: User) -> Q:
    """The wider cohorts' records of the virtual school's own authority: its staff only (no
    care team: these children have no PEP, and the records name parents and schools)."""
    if not sees_whole_authority(user):
        return nothing()
    return Q(authority_id=user.authority_id)


def register() -> None:
    register_object_rules(
        {
            (Child, Action.VIEW_CHILD): _visible_children,
            (Child, Action.CHANGE_CHILD): _changeable_children,
            (Child, Action.DELEGATE_CHILD): _delegable_children,
            (Child, Action.VIEW_CHILD_AUDIT): _auditable_children,
            (User, Action.APPROVE_TEACHER): _approvable_teachers,
            (User, Action.VIEW_TEACHER_APPROVALS): _teachers_with_visible_approvals,
            (LocalAuthority, Action.VIEW_TEACHER_APPROVALS): _authorities_whose_approvals_user_sees,
            (TeacherApproval, Action.WITHDRAW_TEACHER_APPROVAL): _withdrawable_approvals,
            (AdviceRequest, Action.VIEW_WIDER_COHORTS): _own_authority_cohorts,
            (AdviceRequest, Action.LOG_WIDER_COHORTS): _own_authority_cohorts,
            (SocialWorkerCount, Action.VIEW_WIDER_COHORTS): _own_authority_cohorts,
            (SocialWorkerCount, Action.LOG_WIDER_COHORTS): _own_authority_cohorts,
        }
    )
    register_area_rules(
        {
            Action.OPEN_CHILDREN: _may_open_children,
            # The virtual school sees, searches and registers children of its own authority
            # (a child is always registered into the registering person's authority).
            Action.VIEW_ALL_CHILDREN: sees_whole_authority,
            Action.REGISTER_CHILD: sees_whole_authority,
            Action.VIEW_OWN_APPROVALS: _sees_own_approvals,
            Action.VIEW_WIDER_COHORTS: sees_whole_authority,
            Action.LOG_WIDER_COHORTS: sees_whole_authority,
        }
    )
    widen_object_rule(User, Action.VIEW_PERSON, _carers_sharing_a_child)
