"""What PEP documents follow from the layers below: the PEP layer announces a sign-off; the
signed-off PDF is then kept (made once, from the day's data, and never changed)."""

from typing import Any

from django.dispatch import receiver

from pep_portal.outbox.services import enqueue_after_commit
from peps.signals import pep_signed_off

from .tasks import pep_pdf_keep_task


@receiver(pep_signed_off, dispatch_uid="documents.keep_signed_off_pdf")
def keep_signed_off_pdf(sender: Any, *, pep: Any, **kwargs: Any) -> None:
    # Queued through the outbox in the sign-off's transaction: Redis being down delays the PDF,
    # never the sign-off.
    enqueue_after_commit(pep_pdf_keep_task, pep.pk)
