"""Celery tasks for PEP documents: thin wrappers that call one service each.

The tasks keep the names they had when they lived in peps/tasks.py: a name is what the outbox
stores and the broker carries, so work queued before the move still runs."""

from celery import shared_task

from . import services as pdf_services

# Routed to the "documents" queue (settings.CELERY_TASK_ROUTES). These limits only stop a
# runaway; each render has its own, shorter limit (documents/pdf.py RENDER_TIME_LIMIT).
ZIP_SOFT_TIME_LIMIT = 20 * 60
ZIP_TIME_LIMIT = ZIP_SOFT_TIME_LIMIT + 60


@shared_task(
    name="peps.tasks.pep_pdfs_zip_task",
    ignore_result=True,
    soft_time_limit=ZIP_SOFT_TIME_LIMIT,
    time_limit=ZIP_TIME_LIMIT,
)
def pep_pdfs_zip_task(job_id: str) -> None:  # pragma: no cover (old name)
    """Work queued before bulk ZIPs became file jobs (pep_portal/filejobs), which now run as
    `file_job_task`; kept so that such work still runs."""
    pdf_services.pep_pdfs_zip(job_id=job_id)


@shared_task(
    name="peps.tasks.pep_pdf_keep_task", ignore_result=True, soft_time_limit=120, time_limit=150
)
def pep_pdf_keep_task(pep_id: int) -> None:
    """Render and keep a signed-off PEP's PDF (queued on sign-off, through the outbox)."""
    pdf_services.pep_pdf_keep(pep_id=pep_id)
