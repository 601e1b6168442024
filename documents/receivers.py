"""What PEP documents follow from the layers below: the PEP layer announces a sign-off; the
signed-off PDF is then kept (made once, from the day's data). A Pupil Premium Plus decision
after sign-off makes a new version of it (the old one kept)."""

from typing import Any

from celery import current_app
from celery.signals import worker_init, worker_process_init
from django.dispatch import receiver

from pep_portal.outbox.services import enqueue_after_commit
from peps.models import PepStatus
from peps.signals import pep_signed_off
from pupil_premium.signals import pp_request_decided

from . import pdf
from .tasks import pep_pdf_keep_task, pep_pdf_new_version_task

# The queue PDFs are rendered on (settings.CELERY_TASK_ROUTES).
DOCUMENTS_QUEUE = "documents"


@receiver(pep_signed_off, dispatch_uid="documents.keep_signed_off_pdf")
def keep_signed_off_pdf(sender: Any, *, pep: Any, **kwargs: Any) -> None:
    # Queued through the outbox in the sign-off's transaction: Redis being down delays the PDF,
    # never the sign-off.
    enqueue_after_commit(pep_pdf_keep_task, pep.pk)


@receiver(pp_request_decided, dispatch_uid="documents.new_version_after_pp_decision")
def new_version_after_pp_decision(sender: Any, *, request: Any, **kwargs: Any) -> None:
    # A PP+ decision belongs in the PEP's document: once the PEP is signed off, its kept PDF
    # is made again as a new version (the old one kept). Queued with the decision.
    if request.pep.status == PepStatus.SIGNED_OFF:
        enqueue_after_commit(
            pep_pdf_new_version_task,
            request.pep_id,
            "Pupil Premium Plus decided",
            f"pp-request-{request.pk}-decided",
        )


def _takes_documents() -> bool:
    return DOCUMENTS_QUEUE in (current_app.amqp.queues.consume_from or {})


@worker_init.connect(dispatch_uid="documents.import_weasyprint_before_the_pool")  # type: ignore[untyped-decorator]
def import_weasyprint_before_the_pool(**kwargs: Any) -> None:
    """A documents worker's main process, before it starts its pool: WeasyPrint imported
    (documents/layout.py, ~25 MB), once, so the pool's processes forked from it share its
    pages rather than each importing its own copy at its warm-up. Other processes never
    import it unless they render (documents/pdf.py html_to_pdf)."""
    if _takes_documents():
        from . import layout  # noqa: F401


@worker_process_init.connect(dispatch_uid="documents.warm_up_pdf_rendering")  # type: ignore[untyped-decorator]
def warm_up_pdf_rendering(**kwargs: Any) -> None:
    """A documents worker's process, as it starts: the stylesheet, fonts and templates made
    before its first PEP, and the garbage collector told to leave what it holds alone
    (pdf.prepare_rendering_process). Other queues' workers never render: nothing for them."""
    if _takes_documents():
        pdf.prepare_rendering_process()
