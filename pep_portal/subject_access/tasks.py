from celery import shared_task

from . import services


@shared_task(ignore_result=True, soft_time_limit=20 * 60, time_limit=21 * 60)
def subject_access_zip_task(job_id: str) -> None:
    """Build a subject access export's ZIP; its state goes to the job's own record."""
    services.subject_access_zip(job_id=job_id)
