"""The PEP's "Pupil Premium Plus request" section is the request: one record, raised, edited
and withdrawn from the section, linked to the target it funds; a decided request cannot be
changed from it; a child who may not have PP+ is refused with the reason."""

# ruff: noqa: F811

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from children.models import Child
from peps.services import section_save
from pupil_premium.models import PpRequest, PpStatus
from pupil_premium.selectors import pp_allowance, pp_funded_targets, pp_totals_by_year
from pupil_premium.services import pp_request_decide, pp_request_from_section

from .test_pp_support import add_target, on_24_november, pp_setting  # noqa: F401

pytestmark = pytest.mark.usefixtures("on_24_november")


def _save(personas, setting, **answers):  # type: ignore[no-untyped-def]
    section = setting.pep.sections.get(key="pupil_premium")
    return section_save(
        actor=personas.designated_teacher,
        section=section,
        answers=answers,
        base_version=section.version,
    )


ASK = {"pp_requested": "yes", "pp_amount": 450, "pp_purpose": "A reading tutor"}


def test_raising_editing_withdrawing_and_reopening_is_one_record(personas, pp_setting):
    section = _save(personas, pp_setting, **ASK, pp_target=pp_setting.target.what)
    request = PpRequest.objects.get()
    assert (request.section_id, request.amount, request.status) == (
        section.pk,
        Decimal("450.00"),
        PpStatus.REQUESTED,
    )
    assert request.target == pp_setting.target

    _save(personas, pp_setting, **{**ASK, "pp_amount": 600, "pp_purpose": "A tutor, weekly"})
    request.refresh_from_db()
    assert PpRequest.objects.count() == 1
    assert (request.amount, request.purpose) == (Decimal("600.00"), "A tutor, weekly")
    assert pp_allowance(child=pp_setting.child, financial_year=2026).pending == Decimal("600")

    _save(personas, pp_setting, pp_requested="no")
    request.refresh_from_db()
    assert request.status == PpStatus.WITHDRAWN
    assert request.withdrawn_at is not None
    # A withdrawn request holds none of the child's money, and the totals leave it out.
    assert pp_allowance(child=pp_setting.child, financial_year=2026).pending == Decimal("0")
    (year,) = pp_totals_by_year(user=personas.virtual_school_staff)
    assert (year["requests"], year["requested"]) == (0, Decimal("0"))

    _save(personas, pp_setting, **ASK)
    request.refresh_from_db()
    assert PpRequest.objects.count() == 1
    assert (request.status, request.amount) == (PpStatus.REQUESTED, Decimal("450.00"))
    # Every change is in the record's history, by the teacher.
    assert request.history.count() == 4
    assert {h.history_user for h in request.history.all()} == {personas.designated_teacher}


def test_a_section_still_being_written_raises_nothing(personas, pp_setting):
    _save(personas, pp_setting, pp_requested="yes", pp_amount=450)
    _save(personas, pp_setting, pp_requested="yes", pp_purpose="A tutor")
    assert not PpRequest.objects.exists()


def test_a_decided_request_cannot_be_changed_or_withdrawn_from_the_section(personas, pp_setting):
    _save(personas, pp_setting, **ASK)
    pp_request_decide(
        actor=personas.virtual_school_staff,
        request=PpRequest.objects.get(),
        decision=PpStatus.APPROVED,
    )
    for answers in ({**ASK, "pp_amount": 900}, {"pp_requested": "no"}):
        with pytest.raises(ValidationError) as refused:
            _save(personas, pp_setting, **answers)
        assert "This request has already been approved by" in " ".join(refused.value.messages)
    section = pp_setting.pep.sections.get(key="pupil_premium")
    assert section.answers["pp_amount"] == 450  # the section was not changed either
    request = PpRequest.objects.get()
    assert (request.status, request.amount) == (PpStatus.APPROVED, Decimal("450.00"))
    # Saving the section again as decided is fine.
    _save(personas, pp_setting, **ASK)


def test_a_withdrawn_request_cannot_be_decided(personas, pp_setting):
    _save(personas, pp_setting, **ASK)
    _save(personas, pp_setting, pp_requested="no")
    with pytest.raises(ValidationError) as refused:
        pp_request_decide(
            actor=personas.virtual_school_staff,
            request=PpRequest.objects.get(),
            decision=PpStatus.APPROVED,
        )
    assert refused.value.messages == [
        "This request was withdrawn by the school, so it cannot be decided"
    ]


def test_the_request_funds_the_named_target_and_the_peps_pp_funded_targets(personas, pp_setting):
    other = add_target(pp_setting.pep, personas.virtual_school_staff, "Times tables to 12")
    _save(personas, pp_setting, **ASK, pp_target="  times TABLES to 12 ")
    request = PpRequest.objects.get()
    assert request.target == other
    # add_target marks both targets as funded by PP+ at this PEP.
    assert [t.what for t in pp_funded_targets(request)] == [
        "Read 20 minutes a day",
        "Times tables to 12",
    ]


def test_a_year_12_young_person_is_refused_with_the_bursary_pointer(personas, pp_setting):
    # Year 12 in 2026/27: 16 on 31 August 2026.
    Child.objects.filter(pk=pp_setting.child.pk).update(date_of_birth=dt.date(2010, 1, 15))
    with pytest.raises(ValidationError) as refused:
        _save(personas, pp_setting, **ASK)
    message = " ".join(refused.value.messages)
    assert message.startswith(
        "Zara Quill cannot have Pupil Premium Plus: Pupil Premium Plus is for children up to "
        "Year 11; this child is in Year 12."
    )
    assert "16 to 19 bursary" in message
    assert not PpRequest.objects.exists()


@pytest.mark.parametrize(
    ("day", "accepted"), [(dt.date(2027, 3, 22), True), (dt.date(2027, 3, 23), False)]
)
def test_medway_takes_the_section_on_22_march_and_refuses_it_on_23_march(
    personas, pp_setting, day, accepted
):
    section = pp_setting.pep.sections.get(key="pupil_premium")
    section.answers = ASK
    section.save()
    if accepted:
        request = pp_request_from_section(
            actor=personas.designated_teacher, section=section, on=day
        )
        assert request is not None
        assert request.financial_year == 2026
    else:
        with pytest.raises(ValidationError) as refused:
            pp_request_from_section(actor=personas.designated_teacher, section=section, on=day)
        assert "closed on 22 March 2027" in " ".join(refused.value.messages)
        assert not PpRequest.objects.exists()
