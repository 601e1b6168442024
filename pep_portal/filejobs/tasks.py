from celery import Task, shared_task

from . import services

# Limits only against a runaway: each PDF has its own, shorter render limit.
SOFT_TIME_LIMIT = 20 * 60
TIME_LIMIT = SOFT_TIME_LIMIT + 60


@shared_task(bind=True, ignore_result=True, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def file_job_task(self: Task, job_id: str) -> None:
    """Make a file job's file; its progress goes to the job's own row. Routed to the
    "documents" queue (settings.CELERY_TASK_ROUTES)."""
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    services.run(job_id, take_over=redelivered)


@shared_task(ignore_result=True, expires=240)
def requeue_stale_file_jobs_task() -> None:
    services.requeue_stale()
    services.prune()
