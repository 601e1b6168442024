"""Reads about people and organisations, always scoped to the user asking."""

import threading
import time
from dataclasses import dataclass

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


# --- An authority's help contact, as every signed-in page's footer shows it ------------------


@dataclass(frozen=True)
class HelpContact:
    """Where a person asks for help: their authority's Virtual School (the footer of every
    signed-in page, the help and accessibility pages)."""

    virtual_school_name: str
    virtual_school_email: str


# Kept per process for a minute, so a page that needs nothing else of the authority does not
# ask for it (it was the third of the three queries every signed-in page made). Saving an
# authority forgets it in the process that saved it (admin, services); another process shows
# the old address for at most HELP_CONTACT_SECONDS.
HELP_CONTACT_SECONDS = 60
_help_contacts: dict[int, tuple[float, HelpContact | None]] = {}
_help_contacts_lock = threading.Lock()


def help_contact(user: object) -> HelpContact | None:
    """The signed-in person's Virtual School contact; None signed out or for someone without an
    authority (designated teachers, carers, operators)."""
    if not isinstance(user, User) or user.authority_id is None:
        return None
    if User.authority.is_cached(user):  # the page loaded the authority anyway: no staleness
        authority = user.authority
        assert authority is not None
        return HelpContact(authority.virtual_school_name, authority.virtual_school_email)
    now = time.monotonic()
    kept = _help_contacts.get(user.authority_id)
    if kept is not None and now - kept[0] < HELP_CONTACT_SECONDS:
        return kept[1]
    row = (
        LocalAuthority.objects.filter(pk=user.authority_id)
        .values_list("virtual_school_name", "virtual_school_email")
        .first()
    )
    contact = HelpContact(*row) if row else None
    with _help_contacts_lock:
        _help_contacts[user.authority_id] = (now, contact)
    return contact


def forget_help_contact(authority_id: int | None = None) -> None:
    """After an authority is saved or deleted (a signal in apps.py): this process asks again."""
    with _help_contacts_lock:
        if authority_id is None:
            _help_contacts.clear()
        else:
            _help_contacts.pop(authority_id, None)
