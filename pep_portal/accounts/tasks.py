"""Thin Celery tasks for accounts: take plain values, call one service."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings

from pep_portal.celery import EMAIL_RETRY

from . import services


# A mail relay can be away for a while: retry with backoff. One recipient per e-mail, so a
# failed attempt sent nothing and a retry cannot send twice.
@shared_task(**EMAIL_RETRY)
def send_password_reset_email_task(address: str) -> int:
    return services.password_reset_email_send(address=address)


# The mail server can be down for a while: retry with a doubling, jittered backoff (from
# INVITATION_RETRY_BACKOFF, capped at 2 h) for many hours. The people manager can also resend
# the invitation from the person's page.
@shared_task(
    autoretry_for=(OSError, SMTPException),
    retry_backoff=settings.INVITATION_RETRY_BACKOFF,
    retry_backoff_max=2 * 60 * 60,
    retry_jitter=True,
    max_retries=16,
    ignore_result=True,
)
def send_invitation_task(person_id: int) -> bool:
    return services.invitation_send(person_id=person_id)
