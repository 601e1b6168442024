"""What outcomes does when the PEP layer below it announces something (ADR 0004): a new termly
PEP starts with the last term's attainment, for the designated teacher to confirm."""

from typing import Any

from django.dispatch import receiver

from peps.models import Term
from peps.signals import pep_was_set_up, peps_were_set_up

from . import services


@receiver(pep_was_set_up, dispatch_uid="outcomes.carry_forward")
def carry_forward(sender: Any, *, pep: Any, **kwargs: Any) -> None:
    if pep.term != Term.INITIAL:
        services.attainment_carry_forward(
            children=[pep.child], academic_year=pep.academic_year, term=pep.term
        )


@receiver(peps_were_set_up, dispatch_uid="outcomes.carry_forward_many")
def carry_forward_many(sender: Any, *, peps: Any, **kwargs: Any) -> None:
    termly = [p for p in peps if p.term != Term.INITIAL]
    if termly:
        services.attainment_carry_forward(
            children=[p.child for p in termly],
            academic_year=termly[0].academic_year,
            term=termly[0].term,
        )
