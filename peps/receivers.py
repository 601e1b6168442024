"""What peps does when the children layer below it announces something (ADR 0004): each
receiver is one line that calls a peps service."""

from typing import Any

from django.dispatch import receiver

from children.signals import child_entered_care, school_moved

from . import services


@receiver(child_entered_care, dispatch_uid="peps.initial_pep")
def set_up_initial_pep(sender: Any, *, child: Any, episode: Any, actor: Any, **kwargs: Any) -> None:
    services.pep_set_up_initial(actor=actor, child=child, episode=episode)


@receiver(school_moved, dispatch_uid="peps.school_moved")
def follow_school_move(
    sender: Any, *, child: Any, previous: Any, enrolment: Any, moved_on: Any, actor: Any, **kw: Any
) -> None:
    services.pep_school_move_follow(
        actor=actor, child=child, previous=previous, enrolment=enrolment, moved_on=moved_on
    )
