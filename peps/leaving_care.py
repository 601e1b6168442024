"""When a child leaves care (children.signals.child_left_care), their open PEPs are closed with
the reason: kept, read-only, with no more work or reminders. A PEP already signed off stays as
it is."""

from typing import Any

from django.dispatch import receiver

from children.models import CareEpisode, Child
from children.signals import child_left_care
from pep_portal.accounts.models import User

from .models import FINISHED_STATUSES, Pep
from .services import pep_close


@receiver(child_left_care, dispatch_uid="peps.close_on_leaving_care")
def _close_open_peps(
    sender: Any, child: Child, episode: CareEpisode, actor: User | None, **kwargs: Any
) -> None:
    reason = f"The child left care on {episode.ended_on:%d %B %Y}: {episode.end_reason}"
    for pep in Pep.objects.filter(child=child).exclude(status__in=FINISHED_STATUSES):
        pep_close(actor=actor, pep=pep, reason=reason)
