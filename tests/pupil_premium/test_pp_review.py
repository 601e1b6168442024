"""Spend and impact of the Pupil Premium Plus agreed at one PEP are reviewed at the next,
against the targets it funded: the next PEP's PP+ section asks, and its PP+ page lists what
was agreed, the targets, and the answers."""

# ruff: noqa: F811

import pytest
from django.urls import reverse

from peps.models import Term
from peps.services import pep_set_up, section_save
from pupil_premium.models import PpRequest, PpStatus
from pupil_premium.selectors import pp_to_review_at
from pupil_premium.services import pp_request_decide

from .test_pp_support import URLCONF, on_24_november, pp_setting  # noqa: F401

pytestmark = [pytest.mark.urls(URLCONF), pytest.mark.usefixtures("on_24_november")]


def _save(actor, pep, answers):  # type: ignore[no-untyped-def]
    section = pep.sections.get(key="pupil_premium")
    return section_save(actor=actor, section=section, answers=answers, base_version=section.version)


def test_the_next_pep_reviews_the_last_peps_pp_against_its_targets(client, personas, pp_setting):
    teacher = personas.designated_teacher
    _save(
        teacher,
        pp_setting.pep,
        {
            "pp_requested": "yes",
            "pp_amount": 450,
            "pp_purpose": "A reading tutor",
            "pp_target": pp_setting.target.what,
        },
    )
    pp_request_decide(
        actor=personas.virtual_school_staff,
        request=PpRequest.objects.get(),
        decision=PpStatus.PART_APPROVED,
        amount="300",
        reason="One term first",
    )
    spring = pep_set_up(
        actor=personas.virtual_school_staff,
        child=pp_setting.child,
        academic_year=2026,
        term=Term.SPRING,
    )
    assert spring.previous == pp_setting.pep
    # Nothing to review at the autumn PEP itself; at the spring PEP, the £300 and its target.
    assert pp_to_review_at(user=teacher, pep=pp_setting.pep) == []
    due = pp_to_review_at(user=teacher, pep=spring)
    assert [(r.request.purpose, [t.what for t in r.targets]) for r in due] == [
        ("A reading tutor", ["Read 20 minutes a day"])
    ]

    client.force_login(teacher)
    page = client.get(reverse("pp_request_raise", args=[spring.pk])).content.decode()
    assert "Part-approved: £300.00 for A reading tutor" in page
    assert "Read 20 minutes a day, by 1 March 2027" in page
    assert page.count("Not reviewed yet") == 2

    _save(
        teacher,
        spring,
        {
            "pp_requested": "no",
            "pp_review_spend": "Ten sessions with a tutor",
            "pp_review_impact": "Reading age up by eight months",
        },
    )
    page = client.get(reverse("pp_request_raise", args=[spring.pk])).content.decode()
    assert "Ten sessions with a tutor" in page
    assert "Reading age up by eight months" in page
    assert "Not reviewed yet" not in page
    # Answering "no" this term raised nothing and withdrew nothing from the autumn PEP.
    assert PpRequest.objects.get().status == PpStatus.PART_APPROVED
