"""Every write about Pupil Premium Plus: a request raised from a PEP, the virtual school's
decision on it, and the allocation per child for a financial year.

Each checks who may do it, refuses with a plain-English reason naming the problem, and saves
with the actor named in the record's history (the audit trail).
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone

from children.models import Child, Enrolment, School
from meetings.models import Target
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.calendars.choices import PpDecider, TermCode
from pep_portal.calendars.selectors import rules_for_authority
from peps.models import Pep, PepSection
from peps.services import peps_review_pp_plus

from .models import PpAllocation, PpKind, PpRequest, PpSchoolFund, PpStatus
from .selectors import (
    APPROVED_STATUSES,
    RequestWindow,
    can_set_pp_allocation,
    financial_year_label,
    fund_term_label,
    fund_term_of,
    money,
    pp_allowance,
    pp_eligibility_for,
    pp_fund_left,
    pp_release_check,
    pp_request_window,
    target_named,
)
from .signals import pp_request_decided

SECTION_KEY = "pupil_premium"

# The models' DecimalField(max_digits=8, decimal_places=2).
LARGEST_AMOUNT = Decimal("999999.99")
DECISIONS = (PpStatus.APPROVED, PpStatus.PART_APPROVED, PpStatus.DECLINED)


def _save(obj: PpRequest | PpAllocation, actor: User) -> None:
    obj._history_user = actor  # type: ignore[union-attr]
    obj.save()


def _checked_amount(value: object, *, field: str, minimum: Decimal, what: str) -> Decimal:
    """A sum of money in pounds and pence, at least `minimum`."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"Enter {what} as a number, like 250 or 250.50"}) from None
    if not amount.is_finite():
        raise ValidationError({field: f"Enter {what} as a number, like 250 or 250.50"})
    # The range first: quantizing "1e999999" would raise rather than answer.
    if amount < minimum:
        raise ValidationError({field: f"Enter {what} of at least {money(minimum)}"})
    if amount > LARGEST_AMOUNT:
        raise ValidationError({field: f"Enter {what} of {money(LARGEST_AMOUNT)} or less"})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: f"Enter {what} in pounds and pence, like 250.50"})
    return amount.quantize(Decimal("0.01"))


def _locked_child(child_id: int) -> Child:
    """The child, locked until the transaction ends: two requests (or a request and a decision)
    for one child are counted one after the other, so together they cannot pass the allocation."""
    return (
        Child.objects.select_for_update(of=("self",)).select_related("authority").get(pk=child_id)
    )


def _checked_fields(
    child: Child, amount: Decimal | int | str, purpose: str, target: Target | None
) -> tuple[Decimal, str]:
    """The amount and purpose of a request, every problem reported at once against its field."""
    errors: dict[str, str] = {}
    purpose = (purpose or "").strip()
    if not purpose:
        errors["purpose"] = "Enter what the Pupil Premium Plus will pay for"
    checked = Decimal(0)
    try:
        checked = _checked_amount(amount, field="amount", minimum=Decimal("1"), what="an amount")
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
    if target is not None and target.child_id != child.pk:
        errors["target"] = (
            f"Choose one of {child.display_name}'s targets: the target chosen was set for "
            "another child"
        )
    if errors:
        raise ValidationError(errors)
    return checked, purpose


def _open_window(child: Child, on: dt.date) -> tuple[RequestWindow, str]:
    """The financial year the request counts against and the kind of premium, or a refusal:
    after the last date accepted, or for a child who may not have either premium."""
    window = pp_request_window(authority=child.authority, on=on)
    if window.problem:
        raise ValidationError(window.problem)
    eligibility = pp_eligibility_for(child=child, on=on)
    if eligibility.kind is None:
        raise ValidationError(
            f"{child.display_name} cannot have Pupil Premium Plus: {eligibility.reason}"
        )
    return window, eligibility.kind


def _check_within_allowance(
    child: Child,
    window: RequestWindow,
    kind: str,
    amount: Decimal,
    exclude: PpRequest | None = None,
) -> None:
    allowance = pp_allowance(
        child=child, financial_year=window.financial_year, kind=kind, exclude=exclude
    )
    name = PpKind(kind).label
    if allowance.allocation is None:
        raise ValidationError(
            f"No {name} allocation has been set for {window.label}, so the request "
            "cannot be checked against it. Ask a virtual school administrator to set the "
            f"allocation per child for {window.label}"
        )
    left = allowance.left
    assert left is not None
    if amount > left:
        spent = (
            f"{money(allowance.allocation)} allocation, {money(allowance.approved)} approved, "
            f"{money(allowance.pending)} waiting for a decision"
        )
        if left <= 0:
            message = f"{child.display_name} has no {name} left for {window.label} ({spent})"
        else:
            message = (
                f"{child.display_name} has {money(left)} of {name} left for "
                f"{window.label} ({spent}). Enter {money(left)} or less"
            )
        raise ValidationError({"amount": message})


@transaction.atomic
def pp_request_raise(
    *,
    actor: User,
    pep: Pep,
    amount: Decimal | int | str,
    purpose: str,
    target: Target | None = None,
    on: dt.date | None = None,
    section: PepSection | None = None,
) -> PpRequest:
    """Ask for Pupil Premium Plus (or, for a child in funded early education, the Early Years
    Pupil Premium) for the PEP's child. Called from the PEP's PP+ section (`section`).

    The request counts against the financial year of `on` (today by default) and is refused
    after the authority's last date accepted for that year, for a child whose year group has
    no premium (post-16: the 16 to 19 bursary), when no rate is set for the year, or when it
    asks for more than the child has left. It records the child's current school."""
    if not user_can(actor, Action.RAISE_PP_REQUEST, pep):
        raise PermissionDenied
    on = on or timezone.localdate()
    child = _locked_child(pep.child_id)
    checked, purpose = _checked_fields(child, amount, purpose, target)
    window, kind = _open_window(child, on)
    _check_within_allowance(child, window, kind, checked)
    school_id = (
        Enrolment.objects.filter(child=child, ended_on__isnull=True)
        .values_list("school_id", flat=True)
        .first()
    )
    request = PpRequest(
        pep=pep,
        child=child,
        school_id=school_id,
        target=target,
        section=section,
        kind=kind,
        financial_year=window.financial_year,
        amount=checked,
        purpose=purpose,
        requested_by=actor,
    )
    _save(request, actor)
    return request


@transaction.atomic
def pp_request_edit(
    *,
    actor: User,
    request: PpRequest,
    amount: Decimal | int | str,
    purpose: str,
    target: Target | None = None,
    on: dt.date | None = None,
) -> PpRequest:
    """Change a request that has not been decided (or reopen a withdrawn one): checked again
    against the last date accepted, the eligibility and what the child has left."""
    current = PpRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if not user_can(actor, Action.RAISE_PP_REQUEST, current.pep):
        raise PermissionDenied
    if current.status not in (PpStatus.REQUESTED, PpStatus.WITHDRAWN):
        _refuse_if_decided(current)
    on = on or timezone.localdate()
    child = _locked_child(current.child_id)
    checked, purpose = _checked_fields(child, amount, purpose, target)
    unchanged = (
        current.status == PpStatus.REQUESTED
        and checked == current.amount
        and purpose == current.purpose
        and (target.pk if target else None) == current.target_id
    )
    if unchanged:
        return current
    window, kind = _open_window(child, on)
    _check_within_allowance(child, window, kind, checked, exclude=current)
    if current.status == PpStatus.WITHDRAWN:
        current.requested_at = timezone.now()
        current.withdrawn_at = None
        current.financial_year = window.financial_year
    current.status = PpStatus.REQUESTED
    current.kind = kind
    current.amount = checked
    current.purpose = purpose
    current.target = target
    _save(current, actor)
    return current


@transaction.atomic
def pp_request_withdraw(*, actor: User, request: PpRequest) -> PpRequest:
    """Take back a request before it is decided: it then holds none of the child's money."""
    current = PpRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if not user_can(actor, Action.RAISE_PP_REQUEST, current.pep):
        raise PermissionDenied
    if current.status == PpStatus.WITHDRAWN:
        return current
    if current.status != PpStatus.REQUESTED:
        current = PpRequest.objects.select_related("decided_by").get(pk=current.pk)
        _refuse_if_decided(current)
    current.status = PpStatus.WITHDRAWN
    current.withdrawn_at = timezone.now()
    _save(current, actor)
    return current


def _same_as_section(current: PpRequest, amount: object, purpose: str, target: Target | None):  # type: ignore[no-untyped-def]
    try:
        same_amount = Decimal(str(amount)) == current.amount
    except (InvalidOperation, ValueError):
        same_amount = False
    return (
        same_amount
        and purpose == current.purpose
        and (target is None or target.pk == current.target_id)
    )


@transaction.atomic
def pp_request_from_section(
    *, actor: User, section: PepSection, on: dt.date | None = None
) -> PpRequest | None:
    """The PEP's "Pupil Premium Plus request" section IS the request, one record: answering
    "yes" with an amount and what it pays for raises it; changing those answers edits it
    until it is decided; answering "no" withdraws it. A decided request cannot be changed
    from the section (the refusal says so, and the section is not saved). Returns the
    request, or None while the section asks for nothing yet."""
    if section.key != SECTION_KEY:
        return None
    answers = section.answers or {}
    existing = PpRequest.objects.select_related("decided_by").filter(section=section).first()
    purpose = str(answers.get("pp_purpose") or "").strip()
    amount = answers.get("pp_amount")
    target = target_named(section.pep, answers.get("pp_target"))
    if answers.get("pp_requested") != "yes":
        if existing is None or existing.status == PpStatus.WITHDRAWN:
            return existing
        if answers.get("pp_requested") == "no":
            return pp_request_withdraw(actor=actor, request=existing)
        return existing
    if amount in (None, "") or not purpose:
        # Still being written: the request is raised once it says how much and what for.
        return existing
    if existing is None:
        return pp_request_raise(
            actor=actor,
            pep=section.pep,
            amount=str(amount),
            purpose=purpose,
            target=target,
            on=on,
            section=section,
        )
    if existing.status not in (PpStatus.REQUESTED, PpStatus.WITHDRAWN):
        if _same_as_section(existing, amount, purpose, target):
            return existing
        _refuse_if_decided(existing)
    return pp_request_edit(
        actor=actor, request=existing, amount=str(amount), purpose=purpose, target=target, on=on
    )


def _refuse_if_decided(current: PpRequest) -> None:
    if current.status == PpStatus.REQUESTED:
        return
    who = f" by {current.decided_by.full_name}" if current.decided_by else ""
    when = f" on {timezone.localtime(current.decided_at):%-d %B %Y}" if current.decided_at else ""
    if current.status == PpStatus.WITHDRAWN:
        raise ValidationError("This request was withdrawn by the school, so it cannot be decided")
    raise ValidationError(
        f"This request has already been {current.get_status_display().lower()}{who}{when}. "
        "A request is decided only once"
    )


def _part_approved_amount(
    current: PpRequest, amount: Decimal | int | str | None, reason: str
) -> Decimal | None:
    """The amount of a part-approval: at least £1, less than was asked, with a reason. Every
    problem is reported at once, against its field."""
    errors: dict[str, str] = {}
    approved = None
    if amount in (None, ""):
        errors["amount"] = "Enter the amount approved"
    else:
        try:
            approved = _checked_amount(
                amount, field="amount", minimum=Decimal("1"), what="the amount approved"
            )
        except ValidationError as error:
            errors.update({k: v[0] for k, v in error.message_dict.items()})
        if approved is not None and approved >= current.amount:
            errors["amount"] = (
                f"The amount approved must be less than the {money(current.amount)} "
                "requested. To approve all of it, choose “Approve”"
            )
    if not reason:
        errors["reason"] = "Enter the reason for approving only part of the request"
    if errors:
        raise ValidationError(errors)
    return approved


def _approved_amount(
    current: PpRequest, decision: str, amount: Decimal | int | str | None, reason: str
) -> Decimal | None:
    """What the decision releases: the whole request, part of it, or nothing (declined)."""
    if decision not in DECISIONS:
        raise ValidationError(
            {"decision": "Choose whether to approve, part-approve or decline the request"}
        )
    if decision == PpStatus.DECLINED:
        if not reason:
            raise ValidationError({"reason": "Enter the reason for declining the request"})
        return None
    if decision == PpStatus.APPROVED:
        return current.amount
    return _part_approved_amount(current, amount, reason)


def _check_release(child: Child, current: PpRequest, approved: Decimal) -> None:
    """Money is released only for a PEP the rules accept ("no PEP, no premium") and within
    the child's allocation for the year, counting what is already approved."""
    check = pp_release_check(current.pep)
    if check.blocker:
        raise ValidationError(check.blocker)
    allowance = pp_allowance(child=child, financial_year=current.financial_year, exclude=current)
    label = financial_year_label(current.financial_year)
    if allowance.allocation is None:
        raise ValidationError(
            f"No Pupil Premium Plus allocation has been set for {label}. A virtual school "
            "administrator must set it before money is approved"
        )
    left = allowance.left_to_approve
    assert left is not None
    if approved > left:
        raise ValidationError(
            {
                "amount": f"Approving {money(approved)} would take {child.display_name} over "
                f"the {money(allowance.allocation)} allocation for {label}: "
                f"{money(allowance.approved)} is already approved, so at most {money(left)} "
                "can be approved"
            }
        )


@transaction.atomic
def pp_review_at_next_peps(*, peps: list[Pep]) -> int:
    """Of these PEPs, those whose previous PEP had Pupil Premium Plus approved (in full or in
    part) review its spend and impact against the targets it funded (peps_review_pp_plus):
    asked when PEPs are set up and when a request is approved (the next PEP may be set up
    first). The same definition as the review the PP+ page shows (selectors.pp_to_review_at)."""
    previous = {p.previous_id for p in peps if p.previous_id is not None}
    if not previous:
        return 0
    funded = set(
        PpRequest.objects.filter(pep_id__in=previous, status__in=APPROVED_STATUSES).values_list(
            "pep_id", flat=True
        )
    )
    reviewing = [p for p in peps if p.previous_id in funded]
    for pep in reviewing:
        pep.reviews_pp_plus = True
    return peps_review_pp_plus(pep_ids=[p.pk for p in reviewing])


@transaction.atomic
def pp_request_decide(
    *,
    actor: User,
    request: PpRequest,
    decision: str,
    amount: Decimal | int | str | None = None,
    reason: str = "",
) -> PpRequest:
    """Approve a request in full, approve part of it (a smaller amount, with a reason) or
    decline it (with a reason). A request is decided once. Money is released only within the
    child's allocation and, where the authority sets one, the "no PEP, no premium" rule."""
    if not user_can(actor, Action.DECIDE_PP_REQUEST, request):
        raise PermissionDenied
    child = _locked_child(request.child_id)
    current = (
        PpRequest.objects.select_for_update(of=("self",))
        .select_related("pep", "decided_by")
        .get(pk=request.pk)
    )
    _refuse_if_decided(current)
    reason = (reason or "").strip()
    approved = _approved_amount(current, decision, amount, reason)
    if approved is not None:
        _check_release(child, current, approved)
        if rules_for_authority(child.authority).pp_plus_decided_by == PpDecider.SCHOOL:
            _check_school_fund(child, current, approved)
    current.status = decision
    current.approved_amount = approved
    current.decision_reason = reason
    current.decided_by = actor
    current.decided_at = timezone.now()
    _save(current, actor)
    if approved is not None:
        pp_review_at_next_peps(peps=list(Pep.objects.filter(previous_id=current.pep_id)))
    # Others follow the decision (the kept PDF, notifications) without being imported here.
    pp_request_decided.send(sender=PpRequest, request=current, actor=actor)
    return current


def _check_school_fund(child: Child, current: PpRequest, approved: Decimal) -> None:
    """Where PP+ is devolved, the designated teacher allocates the school's termly amount:
    what is approved in the term cannot pass it."""
    if current.school_id is None:
        raise ValidationError(
            f"{child.display_name} had no school place when this was requested, so there is no "
            "school's termly amount to allocate it from. The virtual school decides it"
        )
    year, term = fund_term_of(current)
    fund = (
        PpSchoolFund.objects.select_for_update()
        .filter(
            authority_id=child.authority_id,
            school_id=current.school_id,
            academic_year=year,
            term=term,
        )
        .first()
    )
    label = fund_term_label(year, term)
    if fund is None:
        raise ValidationError(
            f"No Pupil Premium Plus has been devolved to the school for {label}. Ask the "
            "virtual school to set the school's termly amount"
        )
    left = pp_fund_left(fund, exclude=current)
    if approved > left:
        raise ValidationError(
            {
                "amount": f"Approving {money(approved)} would pass the {money(fund.amount)} "
                f"devolved to the school for {label}: {money(left)} is left to allocate"
            }
        )


@transaction.atomic
def pp_school_fund_set(
    *,
    actor: User,
    school: School,
    academic_year: int,
    term: str,
    amount: Decimal | int | str,
) -> PpSchoolFund:
    """Set the Pupil Premium Plus devolved to a school for a term, which its designated
    teacher allocates (authorities whose rule set says the school decides)."""
    authority = actor.authority
    if authority is None or not can_set_pp_allocation(actor, authority):
        raise PermissionDenied
    if term not in TermCode.values:
        raise ValidationError({"term": "Choose the autumn, spring or summer term"})
    checked = _checked_amount(amount, field="amount", minimum=Decimal("0"), what="the amount")
    fund = (
        PpSchoolFund.objects.select_for_update()
        .filter(authority=authority, school=school, academic_year=academic_year, term=term)
        .first()
    ) or PpSchoolFund(authority=authority, school=school, academic_year=academic_year, term=term)
    fund.amount = checked
    fund._history_user = actor  # type: ignore[attr-defined]
    fund.save()
    return fund


@transaction.atomic
def pp_allocation_set(
    *,
    actor: User,
    authority: LocalAuthority,
    financial_year: int,
    amount_per_child: Decimal | int | str,
) -> PpAllocation:
    """Set (or change) the Pupil Premium Plus each child of the authority may have in a
    financial year. It cannot drop below what has already been approved for one child."""
    if not can_set_pp_allocation(actor, authority):
        raise PermissionDenied
    if not isinstance(financial_year, int) or not 2000 <= financial_year <= 2100:
        raise ValidationError(
            {"financial_year": "Enter the year the financial year starts, like 2026"}
        )
    amount = _checked_amount(
        amount_per_child,
        field="amount_per_child",
        minimum=Decimal("0"),
        what="the amount per child",
    )
    label = financial_year_label(financial_year)
    most = (
        PpRequest.objects.filter(child__authority=authority, financial_year=financial_year)
        .values("child_id")
        .annotate(approved=Sum("approved_amount", filter=Q(status__in=APPROVED_STATUSES)))
        .aggregate(most=Max("approved"))["most"]
    )
    if most is not None and amount < most:
        raise ValidationError(
            {
                "amount_per_child": f"{money(most)} has already been approved for one child in "
                f"{label}, so the allocation per child cannot be less than that"
            }
        )
    allocation = (
        PpAllocation.objects.select_for_update()
        .filter(authority=authority, financial_year=financial_year)
        .first()
    )
    if allocation is None:
        allocation = PpAllocation(authority=authority, financial_year=financial_year)
    allocation.amount_per_child = amount
    _save(allocation, actor)
    return allocation
