"""What the notification centre follows from the layers below it, without their importing it:
the services decide who is told; these only pass the event on."""

from typing import Any

from django.dispatch import receiver

from children import signals as children_signals
from meetings import signals as meeting_signals
from outcomes import signals as outcome_signals
from pep_portal.accounts.signals import child_access_changed, teacher_approval_changed
from pep_portal.outbox.services import enqueue_many_after_commit
from peps import signals as pep_signals
from pupil_premium import signals as pp_signals

from . import events, services


@receiver(teacher_approval_changed, dispatch_uid="notifications.teacher_approval_changed")
def tell_of_teacher_approval(sender: Any, *, approval: Any, actor: Any, **kwargs: Any) -> None:
    services.tell_of_teacher_approval(approval=approval, actor=actor)


@receiver(child_access_changed, dispatch_uid="notifications.child_access_changed")
def recount_after_access_change(
    sender: Any, *, user_ids: set[int], child_ids: set[int], **kwargs: Any
) -> None:
    services.recount_after_access_change(user_ids=user_ids, child_ids=child_ids)


# --- events that reach people (events.py decides who is told) --------------------------------


@receiver(meeting_signals.meeting_arranged, dispatch_uid="notifications.meeting_arranged")
def tell_meeting_arranged(
    sender: Any, *, meeting: Any, moved_from: Any, actor: Any, **kwargs: Any
) -> None:
    events.meeting_arranged(meeting=meeting, moved_from=moved_from, actor=actor)


@receiver(meeting_signals.meeting_cancelled, dispatch_uid="notifications.meeting_cancelled")
def tell_meeting_cancelled(sender: Any, *, meeting: Any, actor: Any, **kwargs: Any) -> None:
    events.meeting_cancelled(meeting=meeting, actor=actor)


@receiver(meeting_signals.required_attendee_absent, dispatch_uid="notifications.required_absence")
def tell_required_absence(sender: Any, *, meeting: Any, actor: Any, **kwargs: Any) -> None:
    events.required_attendee_absent(meeting=meeting, actor=actor)


@receiver(pep_signals.pep_returned, dispatch_uid="notifications.pep_returned")
def tell_pep_returned(sender: Any, *, pep: Any, actor: Any, event: Any, **kwargs: Any) -> None:
    events.pep_returned(pep=pep, actor=actor, event=event)


@receiver(pep_signals.pep_signed_off, dispatch_uid="notifications.pep_signed_off")
def tell_pep_signed_off(sender: Any, *, pep: Any, actor: Any, **kwargs: Any) -> None:
    events.pep_signed_off(pep=pep, actor=actor)


@receiver(pp_signals.pp_request_decided, dispatch_uid="notifications.pp_request_decided")
def tell_pp_decided(sender: Any, *, request: Any, actor: Any, **kwargs: Any) -> None:
    events.pp_request_decided(request=request, actor=actor)


@receiver(children_signals.child_entered_care, dispatch_uid="notifications.child_entered_care")
def tell_child_entered_care(
    sender: Any, *, child: Any, episode: Any, actor: Any, **kwargs: Any
) -> None:
    events.child_entered_care(child=child, episode=episode, actor=actor)


@receiver(children_signals.school_moved, dispatch_uid="notifications.school_changed")
def tell_school_changed(
    sender: Any, *, child: Any, previous: Any, enrolment: Any, actor: Any, **kwargs: Any
) -> None:
    events.school_changed(child=child, previous=previous, enrolment=enrolment, actor=actor)


@receiver(children_signals.placement_changed, dispatch_uid="notifications.placement_changed")
def tell_placement_changed(
    sender: Any, *, child: Any, placement: Any, actor: Any, **kwargs: Any
) -> None:
    events.placement_changed(child=child, placement=placement, actor=actor)


@receiver(children_signals.delegation_granted, dispatch_uid="notifications.delegation_granted")
def tell_delegation_granted(sender: Any, *, delegation: Any, actor: Any, **kwargs: Any) -> None:
    events.delegation_granted(delegation=delegation, actor=actor)


@receiver(outcome_signals.outcome_alert_raised, dispatch_uid="notifications.outcome_alert")
def tell_outcome_alert(sender: Any, *, alert: Any, **kwargs: Any) -> None:
    events.outcome_alert(alert=alert)


@receiver(outcome_signals.outcome_alerts_raised, dispatch_uid="notifications.outcome_alerts")
def tell_outcome_alerts(sender: Any, *, alert_ids: list[int], **kwargs: Any) -> None:
    # After the commit, through the outbox: a thousand alerts a task.
    from .tasks import tell_outcome_alerts as task

    calls = [(alert_ids[i : i + 1000],) for i in range(0, len(alert_ids), 1000)]
    enqueue_many_after_commit(task, calls)
