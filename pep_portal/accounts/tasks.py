"""Thin Celery tasks: take plain values, call one service."""

from celery import shared_task
from django.db import OperationalError

from . import services


# A mail relay can be away for a while: retry with backoff. One recipient per e-mail, so a
# failed attempt sent nothing and a retry cannot send twice.
@shared_task(
    autoretry_for=(OSError, OperationalError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def send_password_reset_email_task(address: str) -> int:
    return services.password_reset_email_send(address=address)
