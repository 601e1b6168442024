"""Reads about Pupil Premium Plus, always scoped to the user asking.

Money is tracked per child and financial year (1 April to 31 March). What a child has left to
ask for is the authority's allocation per child, less what has been approved, less what is still
waiting for a decision: a pending request holds its amount until it is decided.

Totals are database aggregates (Sum and Count with filters), so the pages and the finance export
take the same few queries for an authority with 5 requests or 50,000.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from children.models import EARLY_EDUCATION_KINDS, Child, Enrolment, School
from meetings.models import Target
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import (
    Action,
    scope_queryset,
    user_can,
)
from pep_portal.calendars import deadlines
from pep_portal.calendars.choices import PpDecider, TermCode
from pep_portal.calendars.selectors import RulesMissing, rules_for_authority
from peps.models import Pep
from peps.services import may_edit
from quality_assurance.models import QaDecision, QaFramework, QaReview

from .eligibility import STATUTORY_RULES, Eligibility, pp_eligibility
from .models import PpAllocation, PpKind, PpRequest, PpSchoolFund, PpStatus

# Money the virtual school has agreed to pay: approved in full or in part.
APPROVED_STATUSES = (PpStatus.APPROVED, PpStatus.PART_APPROVED)
_MONEY = DecimalField(max_digits=12, decimal_places=2)
_ZERO = Value(Decimal("0.00"), output_field=_MONEY)


def money(value: Decimal | int | None) -> str:
    """£1,250 or £1,250.50, as GOV.UK writes money."""
    if value is None:
        return "£0"
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"£{value:,.0f}"
    return f"£{value:,.2f}"


def financial_year_label(start_year: int) -> str:
    """ "2026 to 2027": GOV.UK style writes ranges with "to", not a dash."""
    return f"{start_year} to {start_year + 1}"


def _approved_sum() -> Coalesce:
    return Coalesce(
        Sum("approved_amount", filter=Q(status__in=APPROVED_STATUSES)), _ZERO, output_field=_MONEY
    )


def _pending_sum() -> Coalesce:
    return Coalesce(Sum("amount", filter=Q(status=PpStatus.REQUESTED)), _ZERO, output_field=_MONEY)


# A withdrawn request was taken back before it was decided: it was never really asked for.
_LIVE = ~Q(status=PpStatus.WITHDRAWN)


def _requested_sum() -> Coalesce:
    return Coalesce(Sum("amount", filter=_LIVE), _ZERO, output_field=_MONEY)


def _money_totals() -> dict[str, Any]:
    """The aggregates every table of totals shows."""
    return {
        "requests": Count("pk", filter=_LIVE),
        "requested": _requested_sum(),
        "approved": _approved_sum(),
        "pending": _pending_sum(),
        "declined": Count("pk", filter=Q(status=PpStatus.DECLINED)),
        "waiting": Count("pk", filter=Q(status=PpStatus.REQUESTED)),
    }


# --- one child's money ------------------------------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    """A child's Pupil Premium Plus for one financial year."""

    financial_year: int
    allocation: Decimal | None
    approved: Decimal
    pending: Decimal

    @property
    def label(self) -> str:
        return financial_year_label(self.financial_year)

    @property
    def left(self) -> Decimal | None:
        """What can still be asked for; None when no allocation is set for the year."""
        if self.allocation is None:
            return None
        return max(self.allocation - self.approved - self.pending, Decimal("0"))

    @property
    def left_to_approve(self) -> Decimal | None:
        """What can still be approved, whatever is waiting: pending requests are not money
        paid, so the virtual school may approve one before another."""
        if self.allocation is None:
            return None
        return max(self.allocation - self.approved, Decimal("0"))


def allocation_amount(
    *, authority_id: int, financial_year: int, kind: str = PpKind.PP_PLUS
) -> Decimal | None:
    """The year's rate per child: Pupil Premium Plus, or the Early Years Pupil Premium's own."""
    column = "early_years_amount_per_child" if kind == PpKind.EARLY_YEARS else "amount_per_child"
    return (
        PpAllocation.objects.filter(authority_id=authority_id, financial_year=financial_year)
        .values_list(column, flat=True)
        .first()
    )


def pp_allocations_for(*, authority: LocalAuthority) -> QuerySet[PpAllocation]:
    return PpAllocation.objects.filter(authority=authority).order_by("-financial_year")


def pp_allowance(
    *,
    child: Child,
    financial_year: int,
    exclude: PpRequest | None = None,
    kind: str = PpKind.PP_PLUS,
) -> Allowance:
    """The child's allocation for the year (at the rate of `kind`) and what has been approved
    or asked for against it (leaving out `exclude`, the request being decided or edited).
    Withdrawn and declined requests hold nothing. Two queries."""
    requests = PpRequest.objects.filter(child=child, financial_year=financial_year)
    if exclude is not None:
        requests = requests.exclude(pk=exclude.pk)
    sums = requests.aggregate(approved=_approved_sum(), pending=_pending_sum())
    return Allowance(
        financial_year=financial_year,
        allocation=allocation_amount(
            authority_id=child.authority_id, financial_year=financial_year, kind=kind
        ),
        approved=sums["approved"],
        pending=sums["pending"],
    )


@dataclass(frozen=True)
class RequestWindow:
    """Whether PP+ can be requested on a day, and until when."""

    financial_year: int
    closes_on: dt.date | None
    problem: str | None

    @property
    def label(self) -> str:
        return financial_year_label(self.financial_year)


def pp_request_window(*, authority: LocalAuthority, on: dt.date) -> RequestWindow:
    """The financial year a request made on `on` counts against, and the last date the
    authority accepts requests for it (Medway: 22 March, its "before 23 March"; Walsall: 31
    March). From the day after, the year is closed. The dates come from the deadline engine."""
    year = deadlines.financial_year_of(on)
    label = financial_year_label(year.start_year)
    try:
        rules = rules_for_authority(authority)
    except RulesMissing:
        return RequestWindow(
            year.start_year,
            None,
            f"{authority.name} has no PEP rules set, so its Pupil Premium Plus cut-off date is "
            "not known. Ask the virtual school to set its PEP rules before requesting",
        )
    try:
        closes_on = deadlines.pp_plus_request_deadline(rules, on)
        accepted = deadlines.pp_plus_request_accepted(rules, on)
    except ValueError:
        return RequestWindow(
            year.start_year,
            None,
            f"{authority.name}'s Pupil Premium Plus cut-off is not a real date. Ask the virtual "
            "school to correct it in its PEP rules",
        )
    if not accepted:
        following = deadlines.FinancialYear(year.start_year + 1)
        return RequestWindow(
            year.start_year,
            closes_on,
            f"Requests for {label} closed on {deadlines.long_date(closes_on)}, the last date "
            f"{authority.name} accepts Pupil Premium Plus requests for the financial year. You "
            f"can request for {financial_year_label(following.start_year)} from "
            f"{deadlines.long_date(following.start)}",
        )
    return RequestWindow(year.start_year, closes_on, None)


def _in_early_education(child: Child, on: dt.date) -> bool:
    """A place at a school or early years setting on `on` (below Reception: funded early
    education)."""
    return (
        Enrolment.objects.filter(child=child, started_on__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
        .filter(school__kind__in=sorted(EARLY_EDUCATION_KINDS))
        .exists()
    )


def pp_eligibility_for(*, child: Child, on: dt.date) -> Eligibility:
    """Which premium the child may have on `on`, from the authority's rule set, the child's
    year group and whether they have a place at a school or setting. Without rules, the
    statutory ranges."""
    try:
        rules = rules_for_authority(child.authority)
    except RulesMissing:
        return pp_eligibility(
            STATUTORY_RULES,
            date_of_birth=child.date_of_birth,
            on=on,
            in_early_education=_in_early_education(child, on),
        )
    return pp_eligibility(
        rules,
        date_of_birth=child.date_of_birth,
        on=on,
        in_early_education=_in_early_education(child, on),
    )


def pp_decider_label(authority: LocalAuthority) -> str:
    """Who decides the authority's requests, in words."""
    try:
        decided_by = rules_for_authority(authority).pp_plus_decided_by
    except RulesMissing:
        decided_by = PpDecider.VIRTUAL_SCHOOL
    if decided_by == PpDecider.SCHOOL:
        return "the designated teacher, who allocates the school's termly amount"
    return "the virtual school, which decides it"


def pp_section_editable(*, user: User, pep: Pep) -> bool:
    section = pep.sections.filter(key="pupil_premium").first()
    return section is not None and may_edit(user, section)


# --- "no PEP, no premium" ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseCheck:
    """The authority's rule, if it has one, and why it stops release for this PEP (or None)."""

    rule: str
    blocker: str | None


def pp_release_check(pep: Pep) -> ReleaseCheck:
    """An authority may release PP+ only for a PEP whose latest quality-assurance review (a
    sign-off or a moderation) is rated at least a given level. No framework, or no minimum
    set: no rule."""
    child = pep.child
    framework = QaFramework.objects.filter(authority_id=child.authority_id).first()
    if framework is None or not framework.pp_release_min_rating:
        return ReleaseCheck("", None)
    minimum = framework.pp_release_min_rating
    rule = (
        f"{child.authority.name} releases Pupil Premium Plus only for a PEP rated at least "
        f"{framework.label(minimum)} (no PEP, no premium)"
    )
    latest = (
        QaReview.objects.filter(
            pep=pep, decision__in=[QaDecision.SIGNED_OFF, QaDecision.MODERATION]
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is None:
        return ReleaseCheck(
            rule,
            f"{rule}. {child.display_name}'s {pep.title} has not been signed off by quality "
            "assurance yet. Decline the request, or wait until the PEP is signed off",
        )
    try:
        good_enough = framework.rank(latest.overall) <= framework.rank(minimum)
    except ValueError:
        # A review on another scale (the framework changed since) cannot be compared.
        good_enough = False
    if not good_enough:
        return ReleaseCheck(
            rule,
            f"{rule}. {child.display_name}'s {pep.title} was rated "
            f"{framework.label(latest.overall)}",
        )
    return ReleaseCheck(rule, None)


# --- who may do what --------------------------------------------------------------------------


def pp_authority_for_user(*, user: User) -> LocalAuthority:
    """The authority whose PP+ requests, totals and export the user works on: virtual school
    staff see their own authority's, and nobody else reaches these pages (403)."""
    authority = user.authority if user.is_authenticated else None
    if authority is None or not user_can(user, Action.VIEW_VIRTUAL_SCHOOL_DASHBOARD, authority):
        raise PermissionDenied
    return authority


def can_set_pp_allocation(user: User, authority: LocalAuthority) -> bool:
    """Virtual school administrators set their own authority's allocation per child."""
    return user_can(user, Action.MANAGE_PP_ALLOCATIONS, authority)


# --- requests ---------------------------------------------------------------------------------


def _with_people(requests: QuerySet[PpRequest]) -> QuerySet[PpRequest]:
    return requests.select_related("child", "school", "pep", "target", "requested_by", "decided_by")


def pp_requests_visible_to(*, user: User) -> QuerySet[PpRequest]:
    """Requests on the PEPs the user can see (the care team and the child's virtual school)."""
    return scope_queryset(user, Action.VIEW_PP_REQUEST, PpRequest.objects.all())


def pp_request_get_for_user(
    *, user: User, pk: int, action: Action = Action.VIEW_PP_REQUEST
) -> PpRequest:
    """404 when the user may not see the request, 403 when they may see it but not `action`."""
    request = (
        _with_people(pp_requests_visible_to(user=user))
        .select_related("child__authority", "pep__child__authority")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404("No such request.")
    if action != Action.VIEW_PP_REQUEST and not user_can(user, action, request):
        raise PermissionDenied
    return request


def pp_requests_for_pep(*, user: User, pep: Pep) -> QuerySet[PpRequest]:
    return _with_people(pp_requests_visible_to(user=user).filter(pep=pep)).order_by(
        "requested_at", "pk"
    )


def pp_requests_to_decide(
    *, user: User, status: str = "", financial_year: int | None = None
) -> QuerySet[PpRequest]:
    """The virtual school's list: its authority's requests, oldest first."""
    requests = scope_queryset(user, Action.DECIDE_PP_REQUEST, PpRequest.objects.all())
    if status:
        requests = requests.filter(status=status)
    if financial_year is not None:
        requests = requests.filter(financial_year=financial_year)
    return _with_people(requests).order_by("requested_at", "pk")


def pp_financial_years(*, user: User) -> list[int]:
    """Years with requests or an allocation in the user's authority, and the current one, newest
    first: the choices of the year filters. One query."""
    requests = scope_queryset(user, Action.DECIDE_PP_REQUEST, PpRequest.objects.all())
    allocations = PpAllocation.objects.filter(authority_id=user.authority_id)
    years = set(
        requests.order_by()
        .values_list("financial_year", flat=True)
        .union(allocations.order_by().values_list("financial_year", flat=True))
    )
    years.add(deadlines.financial_year_of(timezone.localdate()).start_year)
    return sorted(years, reverse=True)


def pp_targets_for(pep: Pep) -> list[Target]:
    """The child's targets a request can serve: those marked as funded by PP+ first, then the
    newest. A request may serve a target set at any of the child's PEPs."""
    return list(
        Target.objects.filter(child_id=pep.child_id)
        .select_related("pep")
        .order_by("-funded_by_pp_plus", "-created_at", "-pk")
    )


def target_named(pep: Pep, wording: object) -> Target | None:
    """The child's target whose wording the PP+ section names ("The target it serves"), so the
    request is linked to it; None when no target says exactly that (case aside)."""
    wanted = str(wording or "").strip().casefold()
    if not wanted:
        return None
    return next((t for t in pp_targets_for(pep) if t.what.strip().casefold() == wanted), None)


def pp_funded_targets(request: PpRequest) -> list[Target]:
    """The targets a request funds: the one its section names, and the targets set at its PEP's
    meeting marked as funded by PP+."""
    targets = list(
        Target.objects.filter(
            Q(pk=request.target_id) | Q(pep_id=request.pep_id, funded_by_pp_plus=True)
        )
        .select_related("pep")
        .order_by("created_at", "pk")
    )
    return targets


@dataclass(frozen=True)
class ToReview:
    """PP+ agreed at the last PEP, to be reviewed at this one against the targets it funded."""

    request: PpRequest
    targets: list[Target]


def pp_to_review_at(*, user: User, pep: Pep) -> list[ToReview]:
    """The Pupil Premium Plus approved (in full or in part) at the PEP before this one, each
    with the targets it funded: the spend and impact questions of this PEP's PP+ section are
    answered against them."""
    if pep.previous_id is None:
        return []
    approved = _with_people(
        pp_requests_visible_to(user=user).filter(
            pep_id=pep.previous_id, status__in=APPROVED_STATUSES
        )
    ).order_by("requested_at", "pk")
    return [ToReview(r, pp_funded_targets(r)) for r in approved]


def pp_review_answers(pep: Pep) -> dict[str, str]:
    """What this PEP's PP+ section says about the last PEP's PP+ (spend and impact)."""
    answers = (
        pep.sections.filter(key="pupil_premium").values_list("answers", flat=True).first() or {}
    )
    return {
        "spend": str(answers.get("pp_review_spend") or ""),
        "impact": str(answers.get("pp_review_impact") or ""),
    }


def fund_term_of(request: PpRequest) -> tuple[int, str]:
    """The school term whose devolved amount a request is allocated from: its PEP's term, or,
    for an initial PEP, the term (by the authority's review months) it was requested in."""
    pep = request.pep
    if pep.term != "initial":
        return pep.academic_year, pep.term
    return fund_term_on(request.child.authority, timezone.localdate(request.requested_at))


def fund_term_on(authority: LocalAuthority, day: dt.date) -> tuple[int, str]:
    """The school term (by the authority's review months) a day falls in: the term whose
    devolved amount is spent then."""
    try:
        windows = rules_for_authority(authority).review_windows
    except RulesMissing:
        windows = deadlines.STATUTORY_REVIEW_WINDOWS
    for window in windows:
        months = [(window.first_month - 1 + i) % 12 + 1 for i in range(12)]
        span = months[: months.index(window.last_month) + 1]
        if day.month in span:
            return deadlines.academic_year_of(day), window.code
    return deadlines.academic_year_of(day), "summer"


def fund_term_label(academic_year: int, term: str) -> str:
    """ "the autumn term 2026/27", as the school's termly amount is named to people."""
    return (
        f"the {TermCode(term).label.lower()} term {academic_year}/{(academic_year + 1) % 100:02d}"
    )


def pp_fund_devolved(authority: LocalAuthority) -> bool:
    """The authority's rule set devolves PP+ to schools (the designated teacher allocates a
    termly amount)."""
    try:
        return rules_for_authority(authority).pp_plus_decided_by == PpDecider.SCHOOL
    except RulesMissing:
        return False


def pp_fund_schools(
    *, authority: LocalAuthority, academic_year: int, term: str
) -> QuerySet[School]:
    """The schools the authority devolves PP+ to: those where one of its children has a place
    now, and any already given an amount for the term, each with that term's amount (`amount`,
    None when not set), in one query."""
    funds = PpSchoolFund.objects.filter(
        authority=authority, school=OuterRef("pk"), academic_year=academic_year, term=term
    )
    set_for_term = PpSchoolFund.objects.filter(
        authority=authority, academic_year=academic_year, term=term
    )
    attended = Enrolment.objects.filter(ended_on__isnull=True, child__authority=authority).values(
        "school_id"
    )
    return (
        School.objects.filter(Q(pk__in=attended) | Q(pk__in=set_for_term.values("school_id")))
        .annotate(amount=Subquery(funds.values("amount")[:1]))
        .order_by("name", "pk")
    )


def pp_fund_left(fund: PpSchoolFund, *, exclude: PpRequest | None = None) -> Decimal:
    """What the school still has to allocate of its termly amount: the amount less what has
    been approved at the school in that term."""
    requests = PpRequest.objects.filter(
        child__authority_id=fund.authority_id,
        school_id=fund.school_id,
        pep__academic_year=fund.academic_year,
        pep__term=fund.term,
    )
    if exclude is not None:
        requests = requests.exclude(pk=exclude.pk)
    approved = requests.aggregate(approved=_approved_sum())["approved"]
    return max(fund.amount - approved, Decimal("0"))


# --- totals -----------------------------------------------------------------------------------


def _decidable(user: User) -> QuerySet[PpRequest]:
    return scope_queryset(user, Action.DECIDE_PP_REQUEST, PpRequest.objects.all())


def pp_totals_by_year(*, user: User) -> QuerySet[PpRequest]:
    """One row per financial year: requests, children, money asked for, approved and waiting,
    beside the allocation per child set for that year."""
    # The year's allocation joined (one at most per authority and year), not a subquery: the
    # subquery was grouped by, so PostgreSQL ran it for every request (15,333 at 10,000
    # children: 15,857 buffers against 518).
    allocation = FilteredRelation(
        "child__authority__pp_allocations",
        condition=Q(
            child__authority__pp_allocations__financial_year=F("financial_year"),
            child__authority__pp_allocations__authority_id=user.authority_id,
        ),
    )
    return (
        _decidable(user)
        .annotate(year_allocation=allocation)
        .values("financial_year")
        .annotate(
            children=Count("child", distinct=True),
            allocation=Max("year_allocation__amount_per_child"),
            **_money_totals(),
        )
        .order_by("-financial_year")
    )


def pp_totals_by_school(*, user: User, financial_year: int) -> QuerySet[PpRequest]:
    """One row per school (the school the child attended when the request was raised)."""
    return (
        _decidable(user)
        .filter(financial_year=financial_year)
        .values("school_id", "school__name", "school__urn")
        .annotate(children=Count("child", distinct=True), **_money_totals())
        .order_by(F("school__name").asc(nulls_last=True), "school_id")
    )


def pp_school_count(*, user: User, financial_year: int) -> int:
    """How many rows `pp_totals_by_school` has (requests without a school place are one)."""
    return (
        _decidable(user)
        .filter(financial_year=financial_year)
        .order_by()
        .values("school_id")
        .distinct()
        .count()
    )


def pp_totals_children(*, user: User, financial_year: int) -> QuerySet[Child, dict[str, Any]]:
    """The children `pp_totals_by_child` has a row for, in its order (ids only): paged first,
    so that only a page's children's requests are summed (issue 20: summing every child's and
    sorting 15,333 requests by name took 150 ms at 10,000 children)."""
    with_requests = _decidable(user).filter(financial_year=financial_year).values("child_id")
    return (
        Child.objects.filter(pk__in=with_requests)
        .order_by("legal_last_name", "legal_first_name", "pk")
        .values("pk")
    )


def pp_totals_by_child(
    *, user: User, financial_year: int, children: QuerySet[Child, dict[str, Any]] | None = None
) -> QuerySet[PpRequest]:
    """One row per child with requests in the year, with what is left of the allocation;
    `children` (a page of `pp_totals_children`): those children's rows only."""
    allocation = allocation_amount(authority_id=user.authority_id, financial_year=financial_year)
    left: Any = Value(None, output_field=_MONEY)
    if allocation is not None:
        left = ExpressionWrapper(
            Value(allocation, output_field=_MONEY) - _approved_sum() - _pending_sum(),
            output_field=_MONEY,
        )
    requests = _decidable(user).filter(financial_year=financial_year)
    if children is not None:
        requests = requests.filter(child_id__in=children)
    return (
        requests.values(
            "child_id",
            "child__legal_first_name",
            "child__preferred_name",
            "child__legal_last_name",
            "child__social_care_id",
        )
        .annotate(**_money_totals(), left=left)
        .order_by("child__legal_last_name", "child__legal_first_name", "child_id")
    )


def child_name(row: dict[str, Any]) -> str:
    return Child.name_from(
        row["child__preferred_name"], row["child__legal_first_name"], row["child__legal_last_name"]
    )


# --- the finance export -----------------------------------------------------------------------

REQUEST_COLUMNS = [
    "Reference",
    "Financial year",
    "Requested on",
    "Child",
    "Social care ID",
    "School",
    "School URN",
    "Target",
    "Purpose",
    "Amount requested",
    "Status",
    "Amount approved",
    "Decided on",
    "Decided by",
    "Reason",
]
SCHOOL_COLUMNS = [
    "Financial year",
    "School",
    "School URN",
    "Children",
    "Requests",
    "Amount requested",
    "Amount approved",
    "Amount waiting for a decision",
    "Requests declined",
]
CHILD_COLUMNS = [
    "Financial year",
    "Child",
    "Social care ID",
    "Requests",
    "Amount requested",
    "Amount approved",
    "Amount waiting for a decision",
    "Allocation left",
]


def _day(moment: dt.datetime | None, here: dt.tzinfo | None = None) -> str:
    if not moment:
        return ""
    return moment.astimezone(here or timezone.get_current_timezone()).date().isoformat()


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def pp_finance_rows(
    *, user: User, financial_year: int, kind: str = "requests"
) -> Iterator[list[str]]:
    """The CSV for finance, header first: every request of the year ("requests"), or the totals
    per school ("schools") or per child ("children"). Amounts are plain numbers (1250.00), so a
    spreadsheet can add them up."""
    label = financial_year_label(financial_year)
    if kind == "schools":
        yield SCHOOL_COLUMNS
        for row in pp_totals_by_school(user=user, financial_year=financial_year):
            yield [
                label,
                row["school__name"] or "No school place",
                str(row["school__urn"] or ""),
                str(row["children"]),
                str(row["requests"]),
                _amount(row["requested"]),
                _amount(row["approved"]),
                _amount(row["pending"]),
                str(row["declined"]),
            ]
        return
    if kind == "children":
        yield CHILD_COLUMNS
        for row in pp_totals_by_child(user=user, financial_year=financial_year):
            yield [
                label,
                child_name(row),
                row["child__social_care_id"],
                str(row["requests"]),
                _amount(row["requested"]),
                _amount(row["approved"]),
                _amount(row["pending"]),
                _amount(row["left"]),
            ]
        return
    yield REQUEST_COLUMNS
    requests = pp_requests_to_decide(user=user, financial_year=financial_year)
    # Only the columns the file holds, as plain values: building six model objects a row took
    # most of the export's time (issue 20: 8 s for 7,270 rows).
    statuses = dict(PpStatus.choices)
    here = timezone.get_current_timezone()  # once, not twice a row
    columns = (
        "pk",
        "requested_at",
        "child__preferred_name",
        "child__legal_first_name",
        "child__legal_last_name",
        "child__social_care_id",
        "school__name",
        "school__urn",
        "target__what",
        "purpose",
        "amount",
        "status",
        "approved_amount",
        "decided_at",
        "decided_by__full_name",
        "decision_reason",
    )
    name_from = Child.name_from
    # Tuples, not dictionaries: one dictionary a row was a tenth of the export's time.
    for (
        pk,
        requested_at,
        preferred_name,
        legal_first_name,
        legal_last_name,
        social_care_id,
        school_name,
        school_urn,
        target_what,
        purpose,
        amount,
        status,
        approved_amount,
        decided_at,
        decided_by,
        decision_reason,
    ) in requests.values_list(*columns).iterator(chunk_size=2000):
        yield [
            f"PP-{pk:06d}",
            label,
            _day(requested_at, here),
            name_from(preferred_name, legal_first_name, legal_last_name),
            social_care_id,
            school_name or "No school place",
            str(school_urn or ""),
            target_what or "",
            purpose,
            _amount(amount),
            statuses.get(status, status),
            _amount(approved_amount),
            _day(decided_at, here),
            decided_by or "",
            decision_reason,
        ]


def pp_summary_for(*, authority: LocalAuthority) -> dict[str, Any]:
    """An authority's PP+ at a glance (every year): the sum requested, the sum approved in full
    or in part, and how many requests wait for a decision."""
    return PpRequest.objects.filter(child__authority=authority).aggregate(
        requested=Sum("amount"),
        approved=Sum("approved_amount", filter=Q(status__in=APPROVED_STATUSES)),
        pending=Count("pk", filter=Q(status=PpStatus.REQUESTED)),
    )
