"""Reads about people and organisations, always scoped to the user asking."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from .models import User
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
