"""The virtual school's dashboard: PEPs by term, initial PEPs on time, QA ratings, Pupil
Premium Plus and the lists that need action. It sits above quality_assurance and
pupil_premium and asks each for what it owns (docs/architecture.md)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
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
    terms = _terms(year, today)
    labels = dict(Term.choices)
    initial = year.filter(term=Term.INITIAL, due_on__lte=today)
    initial_counts = initial.aggregate(
        due=Count("pk"), on_time=Count("pk", filter=Q(meeting_on__lte=F("due_on")))
    )
    # Joined to their PEPs once (not `pep__in` the year's PEPs, which read them twice).
    reviews = QaReview.objects.filter(
        pep__child__authority=authority, pep__academic_year=academic_year
    )
    signed = reviews.filter(decision=QaDecision.SIGNED_OFF)
    returned_reviews = reviews.filter(decision=QaDecision.RETURNED)
    ratings = list(
        (signed | returned_reviews)
        .values("pep__term", "overall")
        .annotate(n=Count("pk"))
        .order_by("pep__term", "overall")
    )
    school = Subquery(
        Enrolment.objects.filter(child=OuterRef("pep__child_id"), ended_on__isnull=True).values(
            "school__name"
        )[:1]
    )
    ratings_by_school = list(
        signed.annotate(school=school)
        .values("school", "overall")
        .annotate(n=Count("pk"))
        .order_by("school", "overall")
    )
    # People read labels ("Requires improvement"), never the stored values.
    for row in ratings:
        row["term_label"] = labels.get(row["pep__term"], row["pep__term"])
    for row in ratings + ratings_by_school:
        row["rating_label"] = RATING_LABELS.get(row["overall"], row["overall"])
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
    held = Q(meeting_on__isnull=False)
    terms = list(
        year.values("term")
        .annotate(
            total=Count("pk"),
            signed_off=Count("pk", filter=Q(status=PepStatus.SIGNED_OFF)),
            overdue=Count("pk", filter=Q(due_on__lt=today) & ~held),
            due=Count("pk", filter=Q(due_on__gte=today) & ~held),
        )
        .order_by("term")
    )
    order = {t: n for n, t in enumerate([Term.INITIAL, Term.AUTUMN, Term.SPRING, Term.SUMMER])}
    terms.sort(key=lambda row: order.get(row["term"], 9))
    labels = dict(Term.choices)
    for row in terms:
        row["label"] = labels.get(row["term"], row["term"])
    return terms


def _year_start(academic_year: int) -> dt.date:
    """1 September of the school year; a year no date can hold (typed into the address) has
    nothing since it."""
    if dt.MINYEAR <= academic_year < dt.MAXYEAR:
        return dt.date(academic_year, 9, 1)
    return dt.date.max
