"""Who may do what with PEPs and their sections.

Registered with the permission engine by PepsConfig.ready(). A PEP inherits access from its child
(as data-hub checks the parent object), so no per-PEP permission rows can drift out of sync with
the care team; the role then narrows what each member of the team may do.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from children.access import previous_school_windows
from children.models import Child
from children.rules import holds_previous_school_window
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import (
    Action,
    nothing,
    register_object_rules,
    scope_pks,
    user_can,
)
from pep_portal.accounts.roles import Role

from .models import EDITABLE_STATUSES, Pep, PepSection


def peps_of_children(user: User, action: Action) -> Q:
    """The PEPs of the children the user may `action`."""
    return Q(child_id__in=scope_pks(user, action, Child))


def _care_team_peps(user: User) -> Q:
    """The PEPs of the children whose care team the user is in (or, for the virtual school,
    of their authority): everything but reading is asked of these."""
    return peps_of_children(user, Action.VIEW_CHILD)


def handed_over_peps(user: User) -> Q:
    """After a change of school, the previous school's designated teacher, and the staff they
    had delegated the child to, may read, for the rule set's count of days
    (children.access.previous_school_access_grant), the child's PEPs set up before the move
    that someone at their school wrote in. Reading only: every other action is asked of
    `_care_team_peps`."""
    if (
        user.role not in (Role.DESIGNATED_TEACHER, Role.DELEGATED_SCHOOL_STAFF)
        or user.school_id is None
    ):
        return nothing()
    # Few people hold a window on any day: where the page load already read the user's care
    # team and windows together (children.rules.granted_children, the PEP page), without one
    # the rule is no PEP at all, not two correlated subqueries compiled for every question.
    if holds_previous_school_window(user) is False:
        return nothing()
    windows = previous_school_windows(user_id=user.pk, today=timezone.localdate()).filter(
        school_id=user.school_id
    )
    window = windows.filter(child_id=OuterRef("child_id"), moved_on__gte=OuterRef("starts_on"))
    at_school = Q(updated_by__school_id=user.school_id) | Q(completed_by__school_id=user.school_id)
    contributed = PepSection.objects.filter(at_school, pep_id=OuterRef("pk"))
    return Q(Exists(window)) & Q(Exists(contributed))


def _visible_peps(user: User) -> Q:
    care_team = _care_team_peps(user)
    handed_over = handed_over_peps(user)
    if handed_over == nothing():
        # Most people: the care team's PEPs alone, the very filter of the actions below (so
        # a page's buttons and its reading are one subquery in `allowed_actions`).
        return care_team
    return care_team | handed_over


def _peps_set_up_by(user: User) -> Q:
    return peps_of_children(user, Action.CHANGE_CHILD)


def _peps_ready_by(user: User) -> Q:
    """The social worker, or the school (designated teacher or a delegate), says the school's
    sections are done and the meeting can go ahead."""
    if user.role not in (Role.SOCIAL_WORKER, Role.DESIGNATED_TEACHER, Role.DELEGATED_SCHOOL_STAFF):
        return nothing()
    return _care_team_peps(user)


def peps_recorded_by(user: User) -> Q:
    """The social worker records the PEP meeting; the designated teacher only where the child's
    authority's rules say so (Walsall: yes; Medway: no). No rule set, no teacher."""
    if user.role == Role.SOCIAL_WORKER:
        return _care_team_peps(user)
    if user.role == Role.DESIGNATED_TEACHER:
        return _care_team_peps(user) & Q(child__authority__pep_rules__teacher_records_meetings=True)
    return nothing()


def peps_submitted_by(user: User) -> Q:
    """Only the child's allocated social worker submits the PEP for sign-off."""
    if user.role != Role.SOCIAL_WORKER:
        return nothing()
    return Q(child__social_worker_id=user.pk)


def _peps_reviewed_by(user: User) -> Q:
    return peps_of_children(user, Action.CHANGE_CHILD)


def _peps_attached_to_by(user: User) -> Q:
    # Everyone in the care team who writes in the PEP may attach documents; IROs only read.
    if user.role == Role.INDEPENDENT_REVIEWING_OFFICER:
        return nothing()
    return _care_team_peps(user)


def section_owner_roles(owner: str, *, has_school_place: bool) -> frozenset[str]:
    """Which roles write a section. Without a school place the social worker writes the
    school's sections with the virtual school (Medway and Walsall both say so)."""
    school_staff = frozenset({Role.DESIGNATED_TEACHER, Role.DELEGATED_SCHOOL_STAFF})
    teacher = school_staff if has_school_place else frozenset({Role.SOCIAL_WORKER})
    return {
        "designated_teacher": teacher,
        "social_worker": frozenset({Role.SOCIAL_WORKER}),
        "child_voice": teacher | {Role.SOCIAL_WORKER, Role.CARER},
        "carer": frozenset({Role.CARER}),
        "virtual_school": frozenset({Role.VIRTUAL_SCHOOL_STAFF}),
    }[owner]


def section_owner_allows(user: User, pep: Pep, owner: str, *, has_school_place: bool) -> bool:
    """The role half of `can_edit_section`, without a query: for lists of PEPs that were
    already scoped to the user's care team with VIEW_PEP."""
    if pep.status not in EDITABLE_STATUSES:
        return False
    if user.role not in section_owner_roles(owner, has_school_place=has_school_place):
        return False
    return not (user.role == Role.SOCIAL_WORKER and pep.child.social_worker_id != user.pk)


def can_edit_section(user: User, pep: Pep, owner: str, *, has_school_place: bool) -> bool:
    """Whether `user` may write a section with this owner in this PEP: they must be in the
    child's care team (or its virtual school), in the owning role, and the PEP open for edits.
    Care-team membership already ties school staff to the child's current school and a social
    worker to their own caseload."""
    # The care team, not VIEW_PEP: a previous school reading during its window may not write.
    return section_owner_allows(user, pep, owner, has_school_place=has_school_place) and user_can(
        user, Action.VIEW_CHILD, pep.child
    )


def register() -> None:
    register_object_rules(
        {
            (Pep, Action.VIEW_PEP): _visible_peps,
            (Pep, Action.SET_UP_PEP): _peps_set_up_by,
            (Pep, Action.MARK_PEP_READY): _peps_ready_by,
            (Pep, Action.RECORD_PEP_MEETING): peps_recorded_by,
            (Pep, Action.SUBMIT_PEP): peps_submitted_by,
            (Pep, Action.REVIEW_PEP): _peps_reviewed_by,
            (Pep, Action.ADD_ATTACHMENT): _peps_attached_to_by,
        }
    )
