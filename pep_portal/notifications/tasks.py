"""Thin Celery tasks: take ids or dates, call one service."""

import datetime as dt

from celery import shared_task
from django.db import OperationalError

from pep_portal.celery import EMAIL_RETRY

from . import events, services


# The sweep is idempotent (the database refuses a second copy of any notification), so a task
# interrupted by a lost worker is safe to run again: acknowledge late and requeue it.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_deadlines_task(day: str | None = None) -> int:
    today = dt.date.fromisoformat(day) if day else None
    return len(services.sweep_deadlines(today=today))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def termly_set_up_task(day: str | None = None) -> int:
    today = dt.date.fromisoformat(day) if day else None
    return sum(services.termly_set_up(today=today).values())


# E-mail can fail for a while (a relay restarting): retry with backoff. Sending is guarded by
# emailed_at under a row lock, so a retry never sends twice.
@shared_task(**EMAIL_RETRY)
def send_notification_email(notification_id: int) -> bool:
    return services.email_notification(notification_id)


# One task per batch of up to 500 recipients for a sweep's new notifications (not one per
# notification or per person): each e-mail is still sent once, guarded as above, so a retry
# sends only those not yet sent.
@shared_task(**EMAIL_RETRY)
def send_notification_emails(notification_ids: list[int]) -> int:
    return sum(services.email_notification(pk) for pk in notification_ids)


# An invitee without an account: the same retries and the same once-only guard (emailed_at).
@shared_task(**EMAIL_RETRY)
def send_invitee_email(invite_id: int) -> bool:
    return services.invitee_email_send(invite_id)


@shared_task(autoretry_for=(OSError, OperationalError), retry_backoff=60, max_retries=5)
def send_daily_digests_task() -> int:
    return services.send_daily_digests()


# Read-only but for the notifications it writes (deduplicated by day), so safe to run again.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def check_access_task(day: str | None = None) -> int:
    today = dt.date.fromisoformat(day) if day else None
    return services.access_check_tell_operators(today=today)


@shared_task(autoretry_for=(OSError, OperationalError), retry_backoff=60, max_retries=8)
def send_access_alert_email(missing: int, extra: int) -> bool:
    return services.access_alert_email_send(missing=missing, extra=extra)


# A school's data file's alerts, told after the import commits. Each notification is keyed by
# the alert and the person, so a task run twice (at-least-once delivery) tells no one twice.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def tell_outcome_alerts(alert_ids: list[int]) -> int:
    return events.outcome_alerts(alert_ids=alert_ids)
