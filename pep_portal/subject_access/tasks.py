from celery import shared_task

from . import services


@shared_task(ignore_result=True, soft_time_limit=20 * 60, time_limit=21 * 60)
def subject_access_zip_task(job_id: str) -> None:
    """Work queued before exports became file jobs (pep_portal/filejobs, `file_job_task`);
    kept so that such work still runs."""
    services.subject_access_zip(job_id=job_id)
