"""Spend and impact of the Pupil Premium Plus agreed at one PEP are reviewed at the next,
against the targets it funded: the next PEP's PP+ section asks, and its PP+ page lists what
was agreed, the targets, and the answers."""

# ruff: noqa: F811

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from peps.models import Term
from peps.services import pep_set_up, section_mark_complete, section_save
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


SPEND = "How the Pupil Premium Plus agreed at the last PEP was spent"
IMPACT = "Its impact on the targets it funded"


def _complete(actor, pep):  # type: ignore[no-untyped-def]
    return section_mark_complete(actor=actor, section=pep.sections.get(key="pupil_premium"))


def _spring(personas, pp_setting):  # type: ignore[no-untyped-def]
    return pep_set_up(
        actor=personas.virtual_school_staff,
        child=pp_setting.child,
        academic_year=2026,
        term=Term.SPRING,
    )


def test_the_next_peps_pp_section_needs_spend_and_impact_to_be_complete(
    client, personas, pp_setting
):
    teacher = personas.designated_teacher
    _save(
        teacher,
        pp_setting.pep,
        {"pp_requested": "yes", "pp_amount": 450, "pp_purpose": "A reading tutor"},
    )
    # The spring PEP is set up before the request is decided: the approval marks it.
    spring = _spring(personas, pp_setting)
    assert not spring.reviews_pp_plus
    pp_request_decide(
        actor=personas.virtual_school_staff,
        request=PpRequest.objects.get(),
        decision=PpStatus.APPROVED,
    )
    spring.refresh_from_db()
    assert spring.reviews_pp_plus
    # The section page asks against what was agreed and the target it funded.
    client.force_login(teacher)
    page = client.get(
        reverse("section_edit", args=[spring.pk, "pupil_premium"], urlconf="pep_portal.urls")
    ).content.decode()
    assert "Pupil Premium Plus agreed at the last PEP" in page
    assert "Approved: £450.00 for A reading tutor" in page
    assert "both are needed before this section is complete" in page
    # Not complete without the spend and the impact.
    _save(teacher, spring, {"pp_requested": "no"})
    with pytest.raises(ValidationError) as refused:
        _complete(teacher, spring)
    assert refused.value.messages == [f"Answer “{SPEND}”", f"Answer “{IMPACT}”"]
    _save(teacher, spring, {"pp_requested": "no", "pp_review_spend": "Ten tutor sessions"})
    with pytest.raises(ValidationError) as refused:
        _complete(teacher, spring)
    assert refused.value.messages == [f"Answer “{IMPACT}”"]
    _save(
        teacher,
        spring,
        {
            "pp_requested": "no",
            "pp_review_spend": "Ten tutor sessions",
            "pp_review_impact": "Reading age up by eight months",
        },
    )
    assert _complete(teacher, spring).status == "complete"


def test_a_pep_after_one_without_approved_pp_plus_is_complete_without_a_review(
    client, personas, pp_setting
):
    teacher = personas.designated_teacher
    _save(
        teacher,
        pp_setting.pep,
        {"pp_requested": "yes", "pp_amount": 450, "pp_purpose": "A reading tutor"},
    )
    pp_request_decide(
        actor=personas.virtual_school_staff,
        request=PpRequest.objects.get(),
        decision=PpStatus.DECLINED,
        reason="Covered by the school's own budget",
    )
    spring = _spring(personas, pp_setting)
    assert not spring.reviews_pp_plus
    _save(teacher, spring, {"pp_requested": "no"})
    assert _complete(teacher, spring).status == "complete"
    client.force_login(teacher)
    page = client.get(
        reverse("section_edit", args=[spring.pk, "pupil_premium"], urlconf="pep_portal.urls")
    ).content.decode()
    assert "pp-to-review" not in page


def test_a_pep_set_up_after_the_approval_reviews_it(personas, pp_setting):
    _save(
        personas.designated_teacher,
        pp_setting.pep,
        {"pp_requested": "yes", "pp_amount": 200, "pp_purpose": "Art therapy"},
    )
    pp_request_decide(
        actor=personas.virtual_school_staff,
        request=PpRequest.objects.get(),
        decision=PpStatus.PART_APPROVED,
        amount="150",
        reason="Half a term first",
    )
    spring = _spring(personas, pp_setting)
    assert spring.reviews_pp_plus
    spring.refresh_from_db()
    assert spring.reviews_pp_plus
