"""Raising a Pupil Premium Plus request: the allocation, the cut-off and the financial year it
falls in, the target and the school, and who may raise one."""

# The shared fixtures are imported from test_pp_support (there is no conftest.py here), so
# pytest's fixture parameters look to ruff like redefinitions.
# ruff: noqa: F811

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from children.services import school_move
from pep_portal.calendars.models import PepRuleSet
from peps.services import pep_set_up
from pupil_premium.models import PpAllocation, PpRequest, PpStatus
from pupil_premium.services import pp_request_raise
from tests.children.fixtures import register

from .test_pp_support import add_target, make_request, pp_setting  # noqa: F401

NOVEMBER = dt.date(2026, 11, 24)


def raise_(personas, setting, amount="250", *, on=NOVEMBER, target=None, **kwargs):  # type: ignore[no-untyped-def]
    return pp_request_raise(
        actor=kwargs.pop("actor", personas.designated_teacher),
        pep=setting.pep,
        amount=amount,
        purpose=kwargs.pop("purpose", "A reading tutor, one hour a week"),
        target=target,
        on=on,
    )


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- the request itself -----------------------------------------------------------------------


def test_a_request_records_the_child_school_target_year_and_who_asked(personas, pp_setting):
    request = raise_(personas, pp_setting, "250.50", target=pp_setting.target)
    assert request.status == PpStatus.REQUESTED
    assert request.amount == Decimal("250.50")
    assert request.child == pp_setting.child
    assert request.school == personas.designated_teacher.school
    assert request.target == pp_setting.target
    assert request.financial_year == 2026
    assert request.requested_by == personas.designated_teacher
    assert request.history.get().history_user == personas.designated_teacher


def test_a_request_for_a_child_with_no_school_place_records_no_school(
    personas, pp_setting, setting
):
    school_move(
        actor=personas.virtual_school_staff,
        child=pp_setting.child,
        school=None,
        started_on=setting.child.enrolments.get().started_on,
    )
    # Without a school place the allocated social worker writes the school's sections.
    request = raise_(personas, pp_setting, actor=personas.social_worker)
    assert request.school is None


def test_a_request_needs_a_purpose_and_a_sensible_amount(personas, pp_setting):
    with pytest.raises(ValidationError) as refused:
        raise_(personas, pp_setting, "0.50", purpose="  ")
    errors = refused.value.message_dict
    assert errors["purpose"] == ["Enter what the Pupil Premium Plus will pay for"]
    assert errors["amount"] == ["Enter an amount of at least £1"]
    with pytest.raises(ValidationError) as refused:
        raise_(personas, pp_setting, "12.345")
    assert refused.value.message_dict["amount"] == [
        "Enter an amount in pounds and pence, like 250.50"
    ]
    assert not PpRequest.objects.exists()


def test_a_request_cannot_serve_another_childs_target(personas, pp_setting, setting):
    other = register(personas, school=setting.school, name="Yusuf", initial_pep=False)
    other_pep = pep_set_up(
        actor=personas.virtual_school_staff, child=other, academic_year=2026, term="autumn"
    )
    their_target = add_target(other_pep, personas.virtual_school_staff, "Their own target")
    with pytest.raises(ValidationError) as refused:
        raise_(personas, pp_setting, target=their_target)
    assert refused.value.message_dict["target"] == [
        "Choose one of Zara Quill's targets: the target chosen was set for another child"
    ]


# --- the allocation ---------------------------------------------------------------------------


def test_a_request_over_what_is_left_of_the_allocation_is_refused_saying_how_much_is_left(
    personas, pp_setting
):
    make_request(
        pp_setting, personas.designated_teacher, "2000", status="approved", approved="2000"
    )
    make_request(pp_setting, personas.designated_teacher, "270")
    # Declined requests, other years and other children do not count.
    make_request(pp_setting, personas.designated_teacher, "900", status="declined")
    make_request(
        pp_setting, personas.designated_teacher, "900", year=2025, status="approved", approved="900"
    )
    with pytest.raises(ValidationError) as refused:
        raise_(personas, pp_setting, "300.01")
    assert refused.value.message_dict["amount"] == [
        "Zara Quill has £300 of Pupil Premium Plus left for 2026 to 2027 (£2,570 allocation, "
        "£2,000 approved, £270 waiting for a decision). Enter £300 or less"
    ]
    assert raise_(personas, pp_setting, "300").amount == Decimal("300")
    with pytest.raises(ValidationError) as refused:
        raise_(personas, pp_setting, "1")
    assert messages_of(refused.value).startswith(
        "Zara Quill has no Pupil Premium Plus left for 2026 to 2027"
    )


def test_a_part_approval_frees_the_rest_of_the_request(personas, pp_setting):
    make_request(
        pp_setting, personas.designated_teacher, "2570", status="part_approved", approved="2000"
    )
    assert raise_(personas, pp_setting, "570").amount == Decimal("570")


def test_a_request_for_a_year_with_no_allocation_set_is_refused_clearly(personas, pp_setting):
    PpAllocation.objects.all().delete()
    with pytest.raises(ValidationError) as refused:
        raise_(personas, pp_setting)
    assert messages_of(refused.value) == (
        "No Pupil Premium Plus allocation has been set for 2026 to 2027, so the request cannot "
        "be checked against it. Ask a virtual school administrator to set the allocation per "
        "child for 2026 to 2027"
    )


# --- the cut-off and the financial year (Medway: last date accepted 22 March) -----------------


@pytest.mark.parametrize("day", [dt.date(2027, 3, 1), dt.date(2027, 3, 22)])
def test_a_request_on_or_before_medways_last_date_counts_against_that_financial_year(
    personas, pp_setting, day
):
    assert raise_(personas, pp_setting, on=day).financial_year == 2026


@pytest.mark.parametrize("day", [dt.date(2027, 3, 23), dt.date(2027, 3, 31)])
def test_a_request_from_23_march_is_refused_in_medway(personas, pp_setting, day):
    with pytest.raises(ValidationError) as refused:
        raise_(personas, pp_setting, on=day)
    assert messages_of(refused.value) == (
        "Requests for 2026 to 2027 closed on 22 March 2027, the last date Northam Council "
        "accepts Pupil Premium Plus requests for the financial year. You can request for 2027 "
        "to 2028 from 1 April 2027"
    )
    assert not PpRequest.objects.exists()


def test_on_1_april_a_request_falls_in_the_new_financial_year(personas, pp_setting):
    with pytest.raises(ValidationError) as refused:
        raise_(personas, pp_setting, on=dt.date(2027, 4, 1))
    assert "No Pupil Premium Plus allocation has been set for 2027 to 2028" in messages_of(
        refused.value
    )
    PpAllocation.objects.create(
        authority=personas.authority, financial_year=2027, amount_per_child="2570"
    )
    # The new year starts with the whole allocation, whatever was asked for the year before.
    make_request(
        pp_setting, personas.designated_teacher, "2570", status="approved", approved="2570"
    )
    request = raise_(personas, pp_setting, "2570", on=dt.date(2027, 4, 1))
    assert request.financial_year == 2027


def test_1_april_2026_opens_2026_to_2027_and_31_march_2026_is_past_the_cut_off_of_2025(
    personas, pp_setting
):
    assert raise_(personas, pp_setting, on=dt.date(2026, 4, 1)).financial_year == 2026
    with pytest.raises(ValidationError) as refused:
        raise_(personas, pp_setting, on=dt.date(2026, 3, 31))
    assert messages_of(refused.value).startswith(
        "Requests for 2025 to 2026 closed on 22 March 2026"
    )


def test_under_a_31_march_cut_off_the_last_day_of_the_year_still_counts(personas, pp_setting):
    # Walsall's preset: the statutory end of the financial year.
    PepRuleSet.objects.filter(authority=personas.authority).update(
        pp_plus_last_accepted_month=3, pp_plus_last_accepted_day=31
    )
    assert raise_(personas, pp_setting, on=dt.date(2027, 3, 31)).financial_year == 2026
    PpAllocation.objects.create(
        authority=personas.authority, financial_year=2027, amount_per_child="2570"
    )
    assert raise_(personas, pp_setting, on=dt.date(2027, 4, 1)).financial_year == 2027


def test_without_pep_rules_the_cut_off_is_unknown_and_the_request_is_refused(personas, pp_setting):
    PepRuleSet.objects.filter(authority=personas.authority).delete()
    with pytest.raises(ValidationError) as refused:
        raise_(personas, pp_setting)
    assert "Northam Council has no PEP rules set" in messages_of(refused.value)


# --- who may raise one ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["designated_teacher", "delegated_school_staff", "social_worker"])
def test_the_school_and_the_allocated_social_worker_may_raise_a_request(personas, pp_setting, name):
    assert raise_(personas, pp_setting, actor=getattr(personas, name)).pk


@pytest.mark.parametrize(
    "name",
    [
        "other_school_teacher",
        "unrelated_social_worker",
        "carer",
        "virtual_school_staff",
        "independent_reviewing_officer",
        "authority_administrator",
        "other_authority_virtual_school_staff",
        "other_authority_social_worker",
    ],
)
def test_nobody_else_may_raise_a_request(personas, pp_setting, name):
    with pytest.raises(PermissionDenied):
        raise_(personas, pp_setting, actor=getattr(personas, name))
    assert not PpRequest.objects.exists()
