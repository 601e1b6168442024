"""Who sees a notification: its recipient, and one about a child only while they may see the
child. Registered with the permission engine by NotificationsConfig.ready()."""

from django.db.models import Q

from children.models import Child
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, register_object_rules, scope_queryset

from .models import Notification


def _visible_notifications(user: User) -> Q:
    children = scope_queryset(user, Action.VIEW_CHILD, Child.objects.all()).values("pk")
    return Q(recipient_id=user.pk) & (Q(child__isnull=True) | Q(child_id__in=children))


def register() -> None:
    register_object_rules({(Notification, Action.VIEW_NOTIFICATION): _visible_notifications})
