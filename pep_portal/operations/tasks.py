"""The nightly retention job (settings.DAILY_JOBS)."""

import dataclasses
import logging

from celery import shared_task

from . import retention

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def apply_retention_task() -> dict[str, object]:
    report = dataclasses.asdict(retention.apply_retention())
    logger.info("Retention: %s", report)  # counts by authority id only
    return report
