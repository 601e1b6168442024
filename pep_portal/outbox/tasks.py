"""The relay as a Celery task, run every minute by beat (settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def relay_outbox_task() -> int:
    return services.relay_outbox().sent
