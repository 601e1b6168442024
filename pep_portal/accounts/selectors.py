"""Reads about people and organisations, always scoped to the user asking."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from children.models import TeacherApproval

from .models import LocalAuthority, User
from .permissions import Action, scope_queryset, user_can


def person_list_visible_to(*, user: User, search: str = "") -> QuerySet[User]:
    people = scope_queryset(user, Action.VIEW_PERSON, User.objects.all())
    search = search.strip()
    if search:
        people = people.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    return people.select_related("authority", "school").order_by("full_name", "pk")


def person_get_for_user(*, user: User, pk: int, action: Action = Action.VIEW_PERSON) -> User:
    """The person with this id: 404 when the user may not see them (so nothing leaks about
    whether they exist), 403 when the user may see them but not do `action`."""
    person = person_list_visible_to(user=user).filter(pk=pk).first()
    if person is None:
        raise Http404("No such person.")
    if action != Action.VIEW_PERSON and not user_can(user, action, person):
        raise PermissionDenied
    return person


def people_count_by_role(*, user: User) -> dict[str, int]:
    """How many active people of each role the user can see, in one query."""
    rows = (
        scope_queryset(user, Action.VIEW_PERSON, User.objects.filter(is_active=True))
        .values("role")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["role"]: row["n"] for row in rows}


def teacher_get_for_user(
    *, user: User, pk: int, action: Action = Action.VIEW_TEACHER_APPROVALS
) -> User:
    """A designated teacher whose approvals the user may see: 404 otherwise, 403 when they may
    see them but not do `action`."""
    teacher = (
        scope_queryset(user, Action.VIEW_TEACHER_APPROVALS, User.objects.all())
        .select_related("school")
        .filter(pk=pk)
        .first()
    )
    if teacher is None:
        raise Http404("No such designated teacher.")
    if action != Action.VIEW_TEACHER_APPROVALS and not user_can(user, action, teacher):
        raise PermissionDenied
    return teacher


def approvals_of_teacher(*, teacher: User) -> list[TeacherApproval]:
    """Every authority's approval of this teacher, current first, then withdrawn ones."""
    return list(
        TeacherApproval.objects.filter(teacher=teacher)
        .select_related("authority", "school", "approved_by", "withdrawn_by")
        .order_by("withdrawn_at", "authority__name", "-approved_at")
    )


def current_approval(*, authority_id: int | None, teacher: User) -> TeacherApproval | None:
    """The authority's approval of the teacher at their school, if it stands."""
    return (
        TeacherApproval.objects.filter(
            teacher=teacher,
            authority_id=authority_id,
            school_id=teacher.school_id,
            withdrawn_at__isnull=True,
        )
        .select_related("authority", "school")
        .first()
    )


def teachers_approved_by(*, user: User, authority: LocalAuthority) -> QuerySet[TeacherApproval]:
    """The designated teachers an authority approves now, for its virtual school's list."""
    if not user_can(user, Action.VIEW_TEACHER_APPROVALS, authority):
        raise PermissionDenied
    return (
        TeacherApproval.objects.filter(authority=authority, withdrawn_at__isnull=True)
        .select_related("teacher", "school", "approved_by")
        .order_by("school__name", "teacher__full_name", "pk")
    )
