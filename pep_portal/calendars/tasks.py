"""Thin Celery wrappers; the work is in services.py (twin command: check_term_dates)."""

from celery import shared_task

from .services import calendar_gaps_notify


@shared_task
def notify_calendar_gaps() -> dict[str, list[int]]:
    return calendar_gaps_notify()
