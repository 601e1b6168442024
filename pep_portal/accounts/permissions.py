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

from children.models import Child, ChildUserObjectPermission, TeacherApproval

from .models import LocalAuthority, User
from .roles import AUTHORITY_ROLES, SCHOOL_ROLES, Role
from .signals import child_access_changed


class Action(StrEnum):
    VIEW_PERSON = "view_person"
    MANAGE_PERSON = "manage_person"
    VIEW_AUTHORITY = "view_authority"
    VIEW_CHILD = "view_child"
    # Register, edit details, record placement and school moves, allocate staff.
    CHANGE_CHILD = "change_child"
    DELEGATE_CHILD = "delegate_child"
    VIEW_CHILD_AUDIT = "view_child_audit"
    # PEPs (peps/): access is inherited from the child, then narrowed by role.
    VIEW_PEP = "view_pep"
    SET_UP_PEP = "set_up_pep"
    MARK_PEP_READY = "mark_pep_ready"
    RECORD_PEP_MEETING = "record_pep_meeting"
    SUBMIT_PEP = "submit_pep"
    REVIEW_PEP = "review_pep"
    ADD_ATTACHMENT = "add_attachment"
    ARRANGE_MEETING = "arrange_meeting"
    # Quality assurance and Pupil Premium Plus (quality_assurance/).
    RAISE_PP_REQUEST = "raise_pp_request"
    VIEW_PP_REQUEST = "view_pp_request"
    DECIDE_PP_REQUEST = "decide_pp_request"
    VIEW_VIRTUAL_SCHOOL_DASHBOARD = "view_virtual_school_dashboard"
    # Term calendars and PEP rules (pep_portal.calendars): on an authority, or on a school.
    VIEW_CALENDAR = "view_calendar"
    EDIT_CALENDAR = "edit_calendar"
    EDIT_RULES = "edit_rules"
    # Designated teachers' approvals (children.TeacherApproval): on the teacher, or on one
    # authority's approval of them.
    APPROVE_TEACHER = "approve_teacher"
    VIEW_TEACHER_APPROVALS = "view_teacher_approvals"
    WITHDRAW_TEACHER_APPROVAL = "withdraw_teacher_approval"
    # Notifications (pep_portal.notifications): one about a child only while it may be seen.
    VIEW_NOTIFICATION = "view_notification"


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


def _granted_children(user: User) -> QuerySet[ChildUserObjectPermission]:
    """The ids of the children whose care team the user is in (the rows `sync_child_access`
    keeps), as a subquery."""
    return ChildUserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename="view_child"
    ).values("content_object_id")


def _visible_people(user: User) -> Q:
    """People whose contact details a user may see: themselves, colleagues at the same school
    (for school staff) and colleagues in the same authority (for authority staff). Carers are
    colleagues only to the virtual school and administrators; anyone else sees a carer only
    while they share a child with them."""
    if not user.is_authenticated or not user.is_active:
        return _nothing()
    rule = Q(pk=user.pk)
    if user.role in AUTHORITY_ROLES:
        colleagues = Q(authority_id=user.authority_id)
        if user.role in (Role.VIRTUAL_SCHOOL_STAFF, Role.AUTHORITY_ADMINISTRATOR):
            rule |= colleagues
        else:
            sharing = ChildUserObjectPermission.objects.filter(
                permission__codename="view_child", content_object_id__in=_granted_children(user)
            ).values("user_id")
            rule |= colleagues & (~Q(role=Role.CARER) | Q(pk__in=sharing))
    elif user.role in SCHOOL_ROLES:
        rule |= Q(school_id=user.school_id)
    return rule


def _manageable_people(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return _nothing()
    if user.is_superuser:
        # The portal's operators close and reopen any login (from Django admin), such as a
        # designated teacher's, which no single authority owns.
        return ~Q(pk=user.pk)
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
    return Q(pk__in=_granted_children(user))


def _changeable_children(user: User) -> Q:
    if not user.is_active or user.role != Role.VIRTUAL_SCHOOL_STAFF:
        return _nothing()
    return Q(authority_id=user.authority_id)


def _delegable_children(user: User) -> Q:
    """A designated teacher delegates the children on their own school's roll whose authority
    approves them (so whom they see), only."""
    if not user.is_active or user.role != Role.DESIGNATED_TEACHER:
        return _nothing()
    return Q(
        enrolments__school_id=user.school_id,
        enrolments__ended_on__isnull=True,
        pk__in=_granted_children(user),
    )


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
        stale = {key: pk for key, pk in held.items() if key not in should}
        if stale:
            ChildUserObjectPermission.objects.filter(pk__in=stale.values()).delete()
        added = should - held.keys()
        ChildUserObjectPermission.objects.bulk_create(
            [
                ChildUserObjectPermission(
                    content_object_id=child_id, user_id=user_id, permission=view_child
                )
                for child_id, user_id in sorted(added)
            ]
        )
        changed = stale.keys() | added
        if changed:
            # What follows access (notification counts) is put right in the same transaction.
            child_access_changed.send(
                sender=ChildUserObjectPermission,
                user_ids={user_id for _, user_id in changed},
                child_ids={child_id for child_id, _ in changed},
            )


# --- Term calendars and PEP rule sets (pep_portal.calendars) ----------------------------------


def is_calendar_manager(user: User) -> bool:
    """Authority administrators and virtual school administrators keep their authority's term
    dates and PEP rules; every member of virtual school staff may read them."""
    return is_people_manager(user)


def _may_read_calendars(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.authority_id is not None
        and user.role in (Role.VIRTUAL_SCHOOL_STAFF, Role.AUTHORITY_ADMINISTRATOR)
    )


def _calendar_schools(user: User) -> Q:
    """Schools in the user's own authority, and schools (anywhere) where a child of the user's
    authority is on roll: out-of-area schools need their term dates kept by someone."""
    from children.models import Enrolment

    own_la_code = LocalAuthority.objects.filter(pk=user.authority_id).values("la_code")
    attended = Enrolment.objects.filter(
        ended_on__isnull=True, child__authority_id=user.authority_id
    ).values("school_id")
    return Q(la_code__in=own_la_code) | Q(pk__in=attended)


def _calendar_viewable_authorities(user: User) -> Q:
    return Q(pk=user.authority_id) if _may_read_calendars(user) else _nothing()


def _calendar_editable_authorities(user: User) -> Q:
    if not _may_read_calendars(user) or not is_calendar_manager(user):
        return _nothing()
    return Q(pk=user.authority_id)


def _calendar_viewable_schools(user: User) -> Q:
    return _calendar_schools(user) if _may_read_calendars(user) else _nothing()


def _calendar_editable_schools(user: User) -> Q:
    if not _may_read_calendars(user) or not is_calendar_manager(user):
        return _nothing()
    return _calendar_schools(user)


def _register_calendar_rules() -> None:
    from children.models import School

    _RULES.update(
        {
            (LocalAuthority, Action.VIEW_CALENDAR): _calendar_viewable_authorities,
            (LocalAuthority, Action.EDIT_CALENDAR): _calendar_editable_authorities,
            (LocalAuthority, Action.EDIT_RULES): _calendar_editable_authorities,
            (School, Action.VIEW_CALENDAR): _calendar_viewable_schools,
            (School, Action.EDIT_CALENDAR): _calendar_editable_schools,
        }
    )


_register_calendar_rules()


# --- PEPs (peps/) -------------------------------------------------------------------------------
# A PEP inherits access from its child (as data-hub checks the parent object), so no per-PEP
# permission rows can drift out of sync with the care team.


def _peps_of(children_rule: Q) -> Q:
    return Q(child_id__in=Child.objects.filter(children_rule).values("pk"))


def _visible_peps(user: User) -> Q:
    return _peps_of(_visible_children(user))


def _peps_set_up_by(user: User) -> Q:
    return _peps_of(_changeable_children(user))


def _peps_ready_by(user: User) -> Q:
    """The social worker, or the school (designated teacher or a delegate), says the school's
    sections are done and the meeting can go ahead."""
    if user.role not in (Role.SOCIAL_WORKER, Role.DESIGNATED_TEACHER, Role.DELEGATED_SCHOOL_STAFF):
        return _nothing()
    return _visible_peps(user)


def _peps_recorded_by(user: User) -> Q:
    """The social worker records the PEP meeting; the designated teacher only where the child's
    authority's rules say so (Walsall: yes; Medway: no). No rule set, no teacher."""
    if user.role == Role.SOCIAL_WORKER:
        return _visible_peps(user)
    if user.role == Role.DESIGNATED_TEACHER:
        return _visible_peps(user) & Q(child__authority__pep_rules__teacher_records_meetings=True)
    return _nothing()


def _meetings_recorded_by(user: User) -> Q:
    """A meeting is recorded by whoever records its PEP's meeting; the designated teacher also
    records the internal reviews they hold, whatever the rule set says about formal meetings
    (whether an internal review counts is the meetings service's rule)."""
    from meetings.models import MeetingKind
    from peps.models import Pep

    rule = Q(pep_id__in=Pep.objects.filter(_peps_recorded_by(user)).values("pk"))
    if user.role == Role.DESIGNATED_TEACHER:
        visible = Pep.objects.filter(_visible_peps(user)).values("pk")
        rule |= Q(kind=MeetingKind.INTERNAL_REVIEW, pep_id__in=visible)
    return rule


def _peps_submitted_by(user: User) -> Q:
    """Only the child's allocated social worker submits the PEP for sign-off."""
    if not user.is_authenticated or not user.is_active or user.role != Role.SOCIAL_WORKER:
        return _nothing()
    return Q(child__social_worker_id=user.pk)


def _peps_reviewed_by(user: User) -> Q:
    return _peps_of(_changeable_children(user))


def _peps_attached_to_by(user: User) -> Q:
    # Everyone in the care team who writes in the PEP may attach documents; IROs only read.
    if user.role == Role.INDEPENDENT_REVIEWING_OFFICER:
        return _nothing()
    return _visible_peps(user)


def _meetings_arranged_by(user: User) -> Q:
    """The social worker arranges PEP meetings; the designated teacher may too (Walsall: "set
    up by either the designated teacher or social worker"), and so may the virtual school."""
    if user.role == Role.SOCIAL_WORKER:
        return _peps_submitted_by(user)
    if user.role in (Role.DESIGNATED_TEACHER, Role.VIRTUAL_SCHOOL_STAFF):
        return _visible_peps(user)
    return _nothing()


def _register_pep_rules() -> None:
    from meetings.models import Meeting
    from peps.models import Pep

    _RULES.update(
        {
            (Meeting, Action.RECORD_PEP_MEETING): _meetings_recorded_by,
            (Pep, Action.VIEW_PEP): _visible_peps,
            (Pep, Action.SET_UP_PEP): _peps_set_up_by,
            (Pep, Action.MARK_PEP_READY): _peps_ready_by,
            (Pep, Action.RECORD_PEP_MEETING): _peps_recorded_by,
            (Pep, Action.SUBMIT_PEP): _peps_submitted_by,
            (Pep, Action.REVIEW_PEP): _peps_reviewed_by,
            (Pep, Action.ADD_ATTACHMENT): _peps_attached_to_by,
            (Pep, Action.ARRANGE_MEETING): _meetings_arranged_by,
        }
    )


_register_pep_rules()


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


def section_owner_allows(user: User, pep: Model, owner: str, *, has_school_place: bool) -> bool:
    """The role half of `can_edit_section`, without a query: for lists of PEPs that were
    already scoped to the user's care team with VIEW_PEP."""
    from peps.models import EDITABLE_STATUSES

    if pep.status not in EDITABLE_STATUSES:
        return False
    if user.role not in section_owner_roles(owner, has_school_place=has_school_place):
        return False
    return not (user.role == Role.SOCIAL_WORKER and pep.child.social_worker_id != user.pk)


def can_edit_section(user: User, pep: Model, owner: str, *, has_school_place: bool) -> bool:
    """Whether `user` may write a section with this owner in this PEP: they must be in the
    child's care team (or its virtual school), in the owning role, and the PEP open for edits.
    Care-team membership already ties school staff to the child's current school and a social
    worker to their own caseload."""
    return section_owner_allows(user, pep, owner, has_school_place=has_school_place) and user_can(
        user, Action.VIEW_PEP, pep
    )


# --- Quality assurance and Pupil Premium Plus (quality_assurance/) -------------------------------


def _peps_pp_requested_by(user: User) -> Q:
    """The school asks for PP+ (the designated teacher decides how it is spent); without a school
    place the social worker writes the school's sections, so asks for it too."""
    if user.role in (Role.DESIGNATED_TEACHER, Role.DELEGATED_SCHOOL_STAFF):
        return _visible_peps(user)
    if user.role == Role.SOCIAL_WORKER:
        return _peps_submitted_by(user)
    return _nothing()


def _visible_pp_requests(user: User) -> Q:
    from peps.models import Pep

    return Q(pep_id__in=Pep.objects.filter(_visible_peps(user)).values("pk"))


def _decidable_pp_requests(user: User) -> Q:
    if not user.is_active or user.role != Role.VIRTUAL_SCHOOL_STAFF:
        return _nothing()
    return Q(child__authority_id=user.authority_id)


def _dashboard_authorities(user: User) -> Q:
    if not user.is_active or user.role != Role.VIRTUAL_SCHOOL_STAFF:
        return _nothing()
    return Q(pk=user.authority_id)


def _register_qa_rules() -> None:
    from peps.models import Pep
    from pupil_premium.models import PpRequest

    _RULES.update(
        {
            (Pep, Action.RAISE_PP_REQUEST): _peps_pp_requested_by,
            (PpRequest, Action.VIEW_PP_REQUEST): _visible_pp_requests,
            (PpRequest, Action.DECIDE_PP_REQUEST): _decidable_pp_requests,
            (LocalAuthority, Action.VIEW_VIRTUAL_SCHOOL_DASHBOARD): _dashboard_authorities,
        }
    )


_register_qa_rules()


# --- Designated teachers' approvals (children.TeacherApproval) ------------------------------------
# One login serves every authority; each authority approves the teacher for its own children.
# Those who invite designated teachers (authority and virtual school administrators) approve
# and withdraw for their own authority; all virtual school staff see who approved a teacher
# their authority approved; a teacher sees their own approvals.


def _may_approve_teachers(user: User) -> bool:
    return is_people_manager(user) and user.is_active and user.authority_id is not None


def _approvable_teachers(user: User) -> Q:
    if not _may_approve_teachers(user):
        return _nothing()
    # Any open designated teacher login: the approval reaches only the approver's children.
    return Q(role=Role.DESIGNATED_TEACHER, is_active=True, school__isnull=False)


def _teachers_with_visible_approvals(user: User) -> Q:
    if not user.is_authenticated or not user.is_active:
        return _nothing()
    if user.role == Role.DESIGNATED_TEACHER:
        return Q(pk=user.pk)
    if _may_approve_teachers(user):
        return Q(role=Role.DESIGNATED_TEACHER)
    if user.role == Role.VIRTUAL_SCHOOL_STAFF:
        ours = TeacherApproval.objects.filter(authority_id=user.authority_id)
        return Q(role=Role.DESIGNATED_TEACHER, pk__in=ours.values("teacher_id"))
    return _nothing()


def _authorities_whose_approvals_user_sees(user: User) -> Q:
    if not user.is_authenticated or not user.is_active or user.authority_id is None:
        return _nothing()
    if user.role not in (Role.VIRTUAL_SCHOOL_STAFF, Role.AUTHORITY_ADMINISTRATOR):
        return _nothing()
    return Q(pk=user.authority_id)


def _withdrawable_approvals(user: User) -> Q:
    if not _may_approve_teachers(user):
        return _nothing()
    return Q(authority_id=user.authority_id, withdrawn_at__isnull=True)


def _visible_notifications(user: User) -> Q:
    """A person's own notifications; one about a child only while they may see the child."""
    if not user.is_authenticated:
        return _nothing()
    children = Child.objects.filter(_visible_children(user)).values("pk")
    return Q(recipient_id=user.pk) & (Q(child__isnull=True) | Q(child_id__in=children))


def _register_approval_and_notification_rules() -> None:
    from pep_portal.notifications.models import Notification

    _RULES.update(
        {
            (User, Action.APPROVE_TEACHER): _approvable_teachers,
            (User, Action.VIEW_TEACHER_APPROVALS): _teachers_with_visible_approvals,
            (LocalAuthority, Action.VIEW_TEACHER_APPROVALS): _authorities_whose_approvals_user_sees,
            (TeacherApproval, Action.WITHDRAW_TEACHER_APPROVAL): _withdrawable_approvals,
            (Notification, Action.VIEW_NOTIFICATION): _visible_notifications,
        }
    )


_register_approval_and_notification_rules()
