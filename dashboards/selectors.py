"""The virtual school's dashboard: PEPs by term, initial PEPs on time, QA ratings, Pupil
Premium Plus and the lists that need action. It sits above quality_assurance and
pupil_premium and asks each for what it owns (docs/architecture.md)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, When, Window
from django.db.models.functions import DenseRank
from django.utils import timezone

from children.models import CareEpisode, Child, Enrolment
from children.selectors import WiderCohorts, wider_cohort_counts
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import Action, user_can
from peps.models import FINISHED_STATUSES, Pep, PepSection, PepStatus, SectionStatus, Term
from pupil_premium.selectors import pp_summary_for
from quality_assurance.models import RATING_LABELS, QaDecision, QaReview


@dataclass
class Dashboard:
    children_in_care: int
    terms: list[dict[str, Any]]
    initial_on_time: int
    initial_due: int
    ratings: list[dict[str, Any]]
    ratings_by_school: list[dict[str, Any]]
    pp: dict[str, Any]
    overdue: list[Pep]
    returned: list[Pep]
    missing_voice: list[Pep]
    # The cohorts without PEPs (issue 15), each with its own count.
    wider: WiderCohorts | None = None

    @property
    def initial_share(self) -> int | None:
        return round(100 * self.initial_on_time / self.initial_due) if self.initial_due else None


def dashboard_for(
    *, user: User, authority: LocalAuthority, academic_year: int, today: dt.date | None = None
) -> Dashboard:
    if not user_can(user, Action.VIEW_VIRTUAL_SCHOOL_DASHBOARD, authority):
        raise PermissionDenied
    today = today or timezone.localdate()
    peps = Pep.objects.filter(child__authority=authority)
    year = peps.filter(academic_year=academic_year)
    in_care = (
        Child.objects.filter(authority=authority)
        .filter(Exists(CareEpisode.objects.filter(child=OuterRef("pk"), ended_on__isnull=True)))
        .count()
    )
    terms, initial_counts = _terms_and_initial(year, today)
    ratings, ratings_by_school = _ratings(authority=authority, academic_year=academic_year)
    open_peps = peps.exclude(status__in=FINISHED_STATUSES).select_related("child")
    no_voice = PepSection.objects.filter(pep=OuterRef("pk"), key="child_voice").exclude(
        status=SectionStatus.COMPLETE
    )
    return Dashboard(
        wider=wider_cohort_counts(authority_id=authority.pk, since=_year_start(academic_year)),
        children_in_care=in_care,
        terms=terms,
        initial_on_time=initial_counts["on_time"],
        initial_due=initial_counts["due"],
        ratings=ratings,
        ratings_by_school=ratings_by_school,
        pp=pp_summary_for(authority=authority),
        overdue=list(
            open_peps.filter(due_on__lt=today, meeting_on__isnull=True).order_by("due_on")[:50]
        ),
        returned=list(open_peps.filter(status=PepStatus.RETURNED).order_by("pk")[:50]),
        missing_voice=list(
            open_peps.filter(status__in=[PepStatus.MEETING_HELD, PepStatus.SUBMITTED])
            .filter(Exists(no_voice))
            .order_by("pk")[:50]
        ),
    )


def terms_for(
    *, user: User, authority: LocalAuthority, academic_year: int, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """The dashboard's PEPs by term alone (its CSV), without the rest of the dashboard."""
    if not user_can(user, Action.VIEW_VIRTUAL_SCHOOL_DASHBOARD, authority):
        raise PermissionDenied
    year = Pep.objects.filter(child__authority=authority, academic_year=academic_year)
    return _terms(year, today or timezone.localdate())


def _terms(year: "QuerySet[Pep]", today: dt.date) -> list[dict[str, Any]]:
    """The year's PEPs by term: how many, signed off, overdue and still due (one query)."""
    return _terms_and_initial(year, today)[0]


def _terms_and_initial(
    year: "QuerySet[Pep]", today: dt.date
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The year's PEPs by term, and the initial PEPs due by today (how many, how many held on
    time), from one read of the year's PEPs (issue 20: the initial counts were a second one)."""
    held = Q(meeting_on__isnull=False)
    initial_due = Q(term=Term.INITIAL, due_on__lte=today)
    terms = list(
        year.values("term")
        .annotate(
            total=Count("pk"),
            signed_off=Count("pk", filter=Q(status=PepStatus.SIGNED_OFF)),
            overdue=Count("pk", filter=Q(due_on__lt=today) & ~held),
            due=Count("pk", filter=Q(due_on__gte=today) & ~held),
            initial_due=Count("pk", filter=initial_due),
            initial_on_time=Count("pk", filter=initial_due & Q(meeting_on__lte=F("due_on"))),
        )
        .order_by("term")
    )
    initial = {
        "due": sum(row.pop("initial_due") for row in terms),
        "on_time": sum(row.pop("initial_on_time") for row in terms),
    }
    order = {t: n for n, t in enumerate([Term.INITIAL, Term.AUTUMN, Term.SPRING, Term.SUMMER])}
    terms.sort(key=lambda row: order.get(row["term"], 9))
    labels = dict(Term.choices)
    for row in terms:
        row["label"] = labels.get(row["term"], row["term"])
    return terms, initial


def _ratings(
    *, authority: LocalAuthority, academic_year: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The year's QA ratings by term (signed off and returned) and the signed-off ones by the
    child's school, from one grouped read of the reviews (issue 20: two reads of the year's
    PEPs and reviews, 40-60 ms each). Each table keeps the database's order of terms, rating
    values and school names (ranked by it: custom ratings and names sort by its collation)."""
    school = Subquery(
        Enrolment.objects.filter(child=OuterRef("pep__child_id"), ended_on__isnull=True).values(
            "school__name"
        )[:1]
    )
    signed = Q(decision=QaDecision.SIGNED_OFF)
    rows = list(
        # Joined to their PEPs once (not `pep__in` the year's PEPs, which read them twice).
        QaReview.objects.filter(
            pep__child__authority=authority,
            pep__academic_year=academic_year,
            decision__in=[QaDecision.SIGNED_OFF, QaDecision.RETURNED],
        )
        # The school is looked up for signed-off reviews only (CASE runs its subquery lazily).
        .annotate(school=Case(When(signed, then=school)))
        .values("pep__term", "decision", "overall", "school")
        .annotate(n=Count("pk"))
        # Ranked after grouping (one annotate with the count would group by the windows).
        .annotate(
            term_rank=Window(DenseRank(), order_by=F("pep__term").asc()),
            rating_rank=Window(DenseRank(), order_by=F("overall").asc()),
            school_rank=Window(DenseRank(), order_by=F("school").asc()),
        )
        .order_by()
    )
    by_term: dict[tuple[int, int], dict[str, Any]] = {}
    by_school: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        key = (row["term_rank"], row["rating_rank"])
        found = by_term.setdefault(
            key, {"pep__term": row["pep__term"], "overall": row["overall"], "n": 0}
        )
        found["n"] += row["n"]
        if row["decision"] == QaDecision.SIGNED_OFF:
            key = (row["school_rank"], row["rating_rank"])
            found = by_school.setdefault(
                key, {"school": row["school"], "overall": row["overall"], "n": 0}
            )
            found["n"] += row["n"]
    ratings = [by_term[key] for key in sorted(by_term)]
    ratings_by_school = [by_school[key] for key in sorted(by_school)]
    # People read labels ("Requires improvement"), never the stored values.
    labels = dict(Term.choices)
    for row in ratings:
        row["term_label"] = labels.get(row["pep__term"], row["pep__term"])
    for row in ratings + ratings_by_school:
        row["rating_label"] = RATING_LABELS.get(row["overall"], row["overall"])
    return ratings, ratings_by_school


def _year_start(academic_year: int) -> dt.date:
    """1 September of the school year; a year no date can hold (typed into the address) has
    nothing since it."""
    if dt.MINYEAR <= academic_year < dt.MAXYEAR:
        return dt.date(academic_year, 9, 1)
    return dt.date.max
