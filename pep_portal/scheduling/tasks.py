"""Beat's tick for the daily jobs (settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def run_due_daily_jobs_task() -> list[str]:
    return services.run_due_daily_jobs()


@shared_task(ignore_result=True)
def housekeeping_task() -> dict[str, int]:
    report = services.housekeeping()
    return {
        "sessions_removed": report.sessions_removed,
        "runs": report.daily_runs_removed,
        "audit_events_removed": report.audit_events_removed,
    }
