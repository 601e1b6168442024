"""The virtual school's decision on a Pupil Premium Plus request: approve, part-approve with a
reason, decline with a reason, once only; "no PEP, no premium"; and the allocation setting."""

# The shared fixtures are imported from test_pp_support (there is no conftest.py here), so
# pytest's fixture parameters look to ruff like redefinitions.
# ruff: noqa: F811

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pupil_premium.models import PpAllocation, PpStatus
from pupil_premium.services import pp_allocation_set, pp_request_decide
from quality_assurance.models import QaDecision, QaFramework, QaReview, Scale

from .test_pp_support import make_request, pp_setting  # noqa: F401


def decide(personas, request, decision, **kwargs):  # type: ignore[no-untyped-def]
    return pp_request_decide(
        actor=kwargs.pop("actor", personas.virtual_school_staff),
        request=request,
        decision=decision,
        **kwargs,
    )


@pytest.fixture
def waiting(personas, pp_setting):  # type: ignore[no-untyped-def]
    return make_request(pp_setting, personas.designated_teacher, "500")


def test_approving_a_request_releases_the_whole_amount(personas, waiting):
    decided = decide(personas, waiting, PpStatus.APPROVED)
    waiting.refresh_from_db()
    assert waiting.status == PpStatus.APPROVED == decided.status
    assert waiting.approved_amount == Decimal("500")
    assert waiting.decided_by == personas.virtual_school_staff
    assert waiting.decided_at is not None
    assert waiting.history.first().history_user == personas.virtual_school_staff


@pytest.mark.django_db(transaction=True)
def test_a_decision_outside_any_transaction_is_made_in_its_own(personas, waiting):
    # As in production (no ATOMIC_REQUESTS), where the view calls the service with no
    # transaction open: the child is locked inside the service's own, not refused with a 500.
    assert decide(personas, waiting, PpStatus.APPROVED).status == PpStatus.APPROVED


def test_part_approval_needs_a_smaller_amount_and_a_reason(personas, waiting):
    with pytest.raises(ValidationError) as refused:
        decide(personas, waiting, PpStatus.PART_APPROVED)
    assert refused.value.message_dict == {
        "amount": ["Enter the amount approved"],
        "reason": ["Enter the reason for approving only part of the request"],
    }
    with pytest.raises(ValidationError) as refused:
        decide(personas, waiting, PpStatus.PART_APPROVED, amount="500", reason="Too much")
    assert refused.value.message_dict["amount"] == [
        "The amount approved must be less than the £500 requested. To approve all of it, "
        "choose “Approve”"
    ]
    with pytest.raises(ValidationError) as refused:
        decide(personas, waiting, PpStatus.PART_APPROVED, amount="300", reason="  ")
    assert list(refused.value.message_dict) == ["reason"]
    waiting.refresh_from_db()
    assert waiting.status == PpStatus.REQUESTED

    decide(personas, waiting, PpStatus.PART_APPROVED, amount="300", reason="Tutoring costs £30/hr")
    waiting.refresh_from_db()
    assert waiting.status == PpStatus.PART_APPROVED
    assert waiting.approved_amount == Decimal("300")
    assert waiting.decision_reason == "Tutoring costs £30/hr"


def test_declining_needs_a_reason_and_releases_nothing(personas, waiting):
    with pytest.raises(ValidationError) as refused:
        decide(personas, waiting, PpStatus.DECLINED)
    assert refused.value.message_dict == {"reason": ["Enter the reason for declining the request"]}
    decide(personas, waiting, PpStatus.DECLINED, reason="The school funds this already")
    waiting.refresh_from_db()
    assert waiting.status == PpStatus.DECLINED
    assert waiting.approved_amount is None


def test_a_request_is_decided_only_once(personas, waiting):
    decide(personas, waiting, PpStatus.APPROVED)
    with pytest.raises(ValidationError) as refused:
        decide(personas, waiting, PpStatus.DECLINED, reason="Changed my mind")
    message = refused.value.messages[0]
    assert message.startswith("This request has already been approved by Vic School on ")
    waiting.refresh_from_db()
    assert waiting.status == PpStatus.APPROVED


def test_an_unknown_decision_is_refused(personas, waiting):
    with pytest.raises(ValidationError) as refused:
        decide(personas, waiting, "maybe")
    assert "decision" in refused.value.message_dict


def test_approval_cannot_take_a_child_over_the_allocation(personas, pp_setting):
    first = make_request(pp_setting, personas.designated_teacher, "2000")
    second = make_request(pp_setting, personas.designated_teacher, "500")
    # Lowered after both were asked for (nothing had been approved, so it may be).
    pp_allocation_set(
        actor=pp_setting.admin,
        authority=personas.authority,
        financial_year=2026,
        amount_per_child="2200",
    )
    decide(personas, first, PpStatus.APPROVED)
    with pytest.raises(ValidationError) as refused:
        decide(personas, second, PpStatus.APPROVED)
    assert refused.value.message_dict["amount"] == [
        "Approving £500 would take Zara Quill over the £2,200 allocation for 2026 to 2027: "
        "£2,000 is already approved, so at most £200 can be approved"
    ]
    decide(personas, second, PpStatus.PART_APPROVED, amount="200", reason="All that is left")


@pytest.mark.parametrize(
    "name",
    [
        "designated_teacher",
        "social_worker",
        "authority_administrator",
        "other_authority_virtual_school_staff",
    ],
)
def test_only_the_childs_virtual_school_decides(personas, waiting, name):
    with pytest.raises(PermissionDenied):
        decide(personas, waiting, PpStatus.APPROVED, actor=getattr(personas, name))
    waiting.refresh_from_db()
    assert waiting.status == PpStatus.REQUESTED


# --- "no PEP, no premium" ---------------------------------------------------------------------


def framework(personas, minimum="good"):  # type: ignore[no-untyped-def]
    return QaFramework.objects.create(
        authority=personas.authority,
        scale=Scale.GOOD_RI_INADEQUATE,
        blocks_sign_off_at="inadequate",
        pp_release_min_rating=minimum,
    )


def review(personas, pep, overall, decision=QaDecision.SIGNED_OFF, days_ago=0):  # type: ignore[no-untyped-def]
    return QaReview.objects.create(
        pep=pep,
        reviewer=personas.virtual_school_staff,
        overall=overall,
        scale=Scale.GOOD_RI_INADEQUATE,
        decision=decision,
        created_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def test_no_pep_no_premium_refuses_release_before_the_pep_is_signed_off(personas, waiting):
    framework(personas)
    with pytest.raises(ValidationError) as refused:
        decide(personas, waiting, PpStatus.APPROVED)
    assert refused.value.messages == [
        "Northam Council releases Pupil Premium Plus only for a PEP rated at least Good (no PEP, "
        "no premium). Zara Quill's Autumn PEP 2026/27 has not been signed off by quality "
        "assurance yet. Decline the request, or wait until the PEP is signed off"
    ]
    # Declining releases nothing, so the rule does not stand in its way.
    decide(personas, waiting, PpStatus.DECLINED, reason="No signed-off PEP yet")


def test_no_pep_no_premium_refuses_release_for_a_pep_rated_below_the_level(
    personas, pp_setting, waiting
):
    framework(personas)
    review(personas, pp_setting.pep, "requires_improvement")
    with pytest.raises(ValidationError) as refused:
        decide(personas, waiting, PpStatus.PART_APPROVED, amount="100", reason="Some")
    assert refused.value.messages[0].endswith(
        "Zara Quill's Autumn PEP 2026/27 was rated Requires improvement"
    )


def test_no_pep_no_premium_releases_for_a_pep_rated_at_the_level_or_better(
    personas, pp_setting, waiting
):
    framework(personas, minimum="requires_improvement")
    review(personas, pp_setting.pep, "good")
    assert decide(personas, waiting, PpStatus.APPROVED).status == PpStatus.APPROVED


def test_no_pep_no_premium_follows_the_latest_sign_off_or_moderation_only(
    personas, pp_setting, waiting
):
    framework(personas)
    review(personas, pp_setting.pep, "good", days_ago=3)
    # A return is not a rating of the finished PEP: it does not count.
    review(personas, pp_setting.pep, "inadequate", decision=QaDecision.RETURNED, days_ago=1)
    second = make_request(pp_setting, personas.designated_teacher, "100")
    decide(personas, second, PpStatus.APPROVED)
    # A later moderation rating it lower does.
    review(personas, pp_setting.pep, "requires_improvement", decision=QaDecision.MODERATION)
    with pytest.raises(ValidationError):
        decide(personas, waiting, PpStatus.APPROVED)


def test_without_a_minimum_rating_or_a_framework_there_is_no_rule(personas, pp_setting, waiting):
    assert decide(personas, waiting, PpStatus.APPROVED).status == PpStatus.APPROVED
    framework(personas, minimum="")
    other = make_request(pp_setting, personas.designated_teacher, "10")
    assert decide(personas, other, PpStatus.APPROVED).status == PpStatus.APPROVED


# --- the allocation ---------------------------------------------------------------------------


def test_a_virtual_school_administrator_sets_and_changes_the_allocation(personas, pp_setting):
    allocation = pp_allocation_set(
        actor=pp_setting.admin,
        authority=personas.authority,
        financial_year=2027,
        amount_per_child="2600",
    )
    assert allocation.amount_per_child == Decimal("2600")
    pp_allocation_set(
        actor=pp_setting.admin,
        authority=personas.authority,
        financial_year=2027,
        amount_per_child="2650.50",
    )
    allocation.refresh_from_db()
    assert allocation.amount_per_child == Decimal("2650.50")
    assert PpAllocation.objects.filter(financial_year=2027).count() == 1
    assert allocation.history.first().history_user == pp_setting.admin


def test_the_allocation_cannot_drop_below_what_one_child_has_been_approved(personas, pp_setting):
    make_request(
        pp_setting, personas.designated_teacher, "2000", status="approved", approved="2000"
    )
    with pytest.raises(ValidationError) as refused:
        pp_allocation_set(
            actor=pp_setting.admin,
            authority=personas.authority,
            financial_year=2026,
            amount_per_child="1999",
        )
    assert refused.value.message_dict["amount_per_child"] == [
        "£2,000 has already been approved for one child in 2026 to 2027, so the allocation per "
        "child cannot be less than that"
    ]


@pytest.mark.parametrize(
    "name",
    [
        "virtual_school_staff",
        "authority_administrator",
        "designated_teacher",
        "other_authority_virtual_school_staff",
    ],
)
def test_only_a_virtual_school_administrator_of_the_authority_sets_the_allocation(
    personas, pp_setting, name
):
    user = getattr(personas, name)
    if name == "other_authority_virtual_school_staff":
        user.is_vs_administrator = True
        user.save()
    with pytest.raises(PermissionDenied):
        pp_allocation_set(
            actor=user, authority=personas.authority, financial_year=2026, amount_per_child="1"
        )
    assert PpAllocation.objects.get(financial_year=2026).amount_per_child == Decimal("2570")
