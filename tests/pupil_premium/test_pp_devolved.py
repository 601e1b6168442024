"""Who decides, per authority (the rule set): the virtual school approves each request
(Medway), or a termly amount is devolved to the school and its designated teacher allocates
it (Walsall: "the designated teacher determines how the Pupil Premium Plus is spent")."""

# ruff: noqa: F811

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pep_portal.accounts.permissions import Action, user_can
from pep_portal.calendars.models import PepRuleSet
from pupil_premium.models import PpStatus
from pupil_premium.services import pp_request_decide, pp_school_fund_set

from .test_pp_support import make_request, pp_setting  # noqa: F401


def _devolve(personas) -> None:  # type: ignore[no-untyped-def]
    PepRuleSet.objects.filter(authority=personas.authority).update(pp_plus_decided_by="school")


def test_where_the_virtual_school_decides_the_teacher_may_not(personas, pp_setting):
    waiting = make_request(pp_setting, personas.designated_teacher, "100")
    assert user_can(personas.virtual_school_staff, Action.DECIDE_PP_REQUEST, waiting)
    assert not user_can(personas.designated_teacher, Action.DECIDE_PP_REQUEST, waiting)
    with pytest.raises(PermissionDenied):
        pp_request_decide(actor=personas.designated_teacher, request=waiting, decision="approved")


def test_where_pp_is_devolved_the_schools_teacher_decides_and_the_virtual_school_does_not(
    personas, pp_setting
):
    _devolve(personas)
    waiting = make_request(pp_setting, personas.designated_teacher, "100")
    assert user_can(personas.designated_teacher, Action.DECIDE_PP_REQUEST, waiting)
    assert not user_can(personas.other_school_teacher, Action.DECIDE_PP_REQUEST, waiting)
    assert not user_can(personas.virtual_school_staff, Action.DECIDE_PP_REQUEST, waiting)
    assert not user_can(personas.delegated_school_staff, Action.DECIDE_PP_REQUEST, waiting)
    with pytest.raises(PermissionDenied):
        pp_request_decide(actor=personas.virtual_school_staff, request=waiting, decision="approved")


def test_the_teacher_allocates_no_more_than_the_schools_termly_amount(personas, pp_setting):
    _devolve(personas)
    first = make_request(pp_setting, personas.designated_teacher, "450")
    second = make_request(pp_setting, personas.designated_teacher, "100")
    teacher = personas.designated_teacher
    with pytest.raises(ValidationError) as refused:
        pp_request_decide(actor=teacher, request=first, decision="approved")
    assert refused.value.messages == [
        "No Pupil Premium Plus has been devolved to the school for the autumn term 2026/27. "
        "Ask the virtual school to set the school's termly amount"
    ]
    # Only the virtual school's administrators set the school's termly amount.
    with pytest.raises(PermissionDenied):
        pp_school_fund_set(
            actor=teacher, school=teacher.school, academic_year=2026, term="autumn", amount="500"
        )
    pp_school_fund_set(
        actor=pp_setting.admin,
        school=teacher.school,
        academic_year=2026,
        term="autumn",
        amount="500",
    )
    assert pp_request_decide(actor=teacher, request=first, decision="approved").status == (
        PpStatus.APPROVED
    )
    with pytest.raises(ValidationError) as refused:
        pp_request_decide(actor=teacher, request=second, decision="approved")
    assert refused.value.message_dict["amount"] == [
        "Approving £100 would pass the £500 devolved to the school for the autumn term "
        "2026/27: £50 is left to allocate"
    ]
    decided = pp_request_decide(
        actor=teacher, request=second, decision="part_approved", amount="50", reason="All left"
    )
    assert (decided.status, decided.decided_by) == (PpStatus.PART_APPROVED, teacher)
