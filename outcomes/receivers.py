"""What outcomes does when the layers below it announce something (ADR 0004): a new termly PEP
starts with the last term's attainment, for the designated teacher to confirm; a child left
without a school place starts a spell without a setting, which a new place ends."""

from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from children.signals import school_moved, school_place_missing
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


@receiver(school_moved, dispatch_uid="outcomes.school_moved")
def follow_school_move(
    sender: Any, *, child: Any, enrolment: Any, moved_on: Any, **kwargs: Any
) -> None:
    services.missing_education_follow(child=child, on=moved_on, has_place=enrolment is not None)


@receiver(school_place_missing, dispatch_uid="outcomes.school_place_missing")
def follow_no_school_place(sender: Any, *, child: Any, **kwargs: Any) -> None:
    services.missing_education_follow(child=child, on=timezone.localdate(), has_place=False)
