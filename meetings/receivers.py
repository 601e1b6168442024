"""What meetings follow from the layers below them, without their importing meetings."""

from typing import Any

from django.dispatch import receiver

from children.signals import school_place_missing
from peps.signals import pep_was_set_up, peps_were_set_up

from . import services


@receiver(school_place_missing, dispatch_uid="meetings.no_school_place_task")
def raise_no_school_place_task(sender: Any, *, child: Any, **kwargs: Any) -> None:
    services.no_school_place_task_raise(child=child)


@receiver(pep_was_set_up, dispatch_uid="meetings.next_meeting_carried_forward")
def carry_next_meeting_forward(sender: Any, *, pep: Any, **kwargs: Any) -> None:
    services.next_meeting_carry_forward(pep=pep)


@receiver(peps_were_set_up, dispatch_uid="meetings.next_meetings_carried_forward")
def carry_next_meetings_forward(sender: Any, *, peps: Any, **kwargs: Any) -> None:
    services.next_meetings_carry_forward(peps=peps)
