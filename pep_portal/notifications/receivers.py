"""What the notification centre follows from the layers below it, without their importing it:
the services decide who is told; these only pass the event on."""

from typing import Any

from django.dispatch import receiver

from pep_portal.accounts.signals import child_access_changed, teacher_approval_changed

from . import services


@receiver(teacher_approval_changed, dispatch_uid="notifications.teacher_approval_changed")
def tell_of_teacher_approval(sender: Any, *, approval: Any, actor: Any, **kwargs: Any) -> None:
    services.tell_of_teacher_approval(approval=approval, actor=actor)


@receiver(child_access_changed, dispatch_uid="notifications.child_access_changed")
def recount_after_access_change(
    sender: Any, *, user_ids: set[int], child_ids: set[int], **kwargs: Any
) -> None:
    services.recount_after_access_change(user_ids=user_ids, child_ids=child_ids)
