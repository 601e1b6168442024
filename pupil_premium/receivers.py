"""What Pupil Premium Plus follows from the PEP layer: the PEP's "Pupil Premium Plus request"
section is the request, so saving the section raises, edits or withdraws it; a PEP set up
after one where PP+ was approved reviews its spend and impact."""

from typing import Any

from django.core.exceptions import ValidationError
from django.dispatch import receiver

from peps.signals import pep_section_saved, pep_was_set_up, peps_were_set_up

from . import services

# The request's fields as the section asks them, so a refusal is shown against the question.
SECTION_FIELDS = {"amount": "pp_amount", "purpose": "pp_purpose", "target": "pp_target"}


@receiver(pep_section_saved, dispatch_uid="pupil_premium.request_from_section")
def request_from_section(sender: Any, *, section: Any, actor: Any, **kwargs: Any) -> None:
    if section.key != services.SECTION_KEY:
        return
    try:
        services.pp_request_from_section(actor=actor, section=section)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise ValidationError(
                {SECTION_FIELDS.get(k, k): v for k, v in error.message_dict.items()}
            ) from error
        raise


@receiver(pep_was_set_up, dispatch_uid="pupil_premium.review_at_next_pep")
def review_at_next_pep(sender: Any, *, pep: Any, **kwargs: Any) -> None:
    services.pp_review_at_next_peps(peps=[pep])


@receiver(peps_were_set_up, dispatch_uid="pupil_premium.review_at_next_peps")
def review_at_next_peps(sender: Any, *, peps: Any, **kwargs: Any) -> None:
    services.pp_review_at_next_peps(peps=list(peps))
