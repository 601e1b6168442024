"""Thin Celery tasks for sign-in security e-mails."""

from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(
    autoretry_for=(OSError, SMTPException),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=12,
    ignore_result=True,
)
def send_security_email_task(user_id: int, kind: str, to: str = "") -> bool:
    return services.security_email_send(user_id=user_id, kind=kind, to=to)
