"""What the virtual school reads: the QA queue, training needs, moderation and the dashboard.
Every figure is a database aggregate, so the pages cost the same for 10 children or 10,000."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from children.models import Enrolment
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, scope_queryset, user_can
from peps.models import Pep, PepStatus

from .models import QaDecision, QaReview, TrainingNeed


def _school_name() -> Subquery:
    current = Enrolment.objects.filter(child=OuterRef("child_id"), ended_on__isnull=True)
    return Subquery(current.values("school__name")[:1])


def qa_queue(*, user: User) -> QuerySet[Pep]:
    """Every PEP waiting for this virtual school's review, oldest submission first."""
    return (
        scope_queryset(user, Action.REVIEW_PEP, Pep.objects.filter(status=PepStatus.SUBMITTED))
        .select_related("child", "child__social_worker")
        .annotate(school_name=_school_name())
        .order_by("submitted_at", "pk")
    )


def days_late(pep: Pep, today: dt.date | None = None) -> int:
    """How many days after its due date the PEP was submitted (0 if on time)."""
    due = pep.submission_due_on or pep.due_on
    if due is None or pep.submitted_at is None:
        return 0
    return max((timezone.localtime(pep.submitted_at).date() - due).days, 0)


def training_needs(*, user: User) -> QuerySet[TrainingNeed]:
    if not user_can(user, Action.QUALITY_ASSURE):
        raise PermissionDenied
    return (
        TrainingNeed.objects.filter(
            resolved_at__isnull=True, review__pep__child__authority_id=user.authority_id
        )
        .select_related("person", "person__school", "review", "review__pep", "review__pep__child")
        .order_by("person__full_name", "created_at")
    )


@dataclass
class PersonTraining:
    """One person on the training list, once, with every PEP that flagged them."""

    person: User
    needs: list[TrainingNeed] = field(default_factory=list)

    @property
    def first(self) -> TrainingNeed:
        return self.needs[0]

    @property
    def peps(self) -> list[Pep]:
        seen: dict[int, Pep] = {}
        for need in self.needs:
            seen.setdefault(need.review.pep_id, need.review.pep)
        return list(seen.values())


def training_list(*, user: User) -> list[PersonTraining]:
    """The training list: each person once, however many reviews flagged them."""
    people: dict[int, PersonTraining] = {}
    for need in training_needs(user=user):
        people.setdefault(need.person_id, PersonTraining(need.person)).needs.append(need)
    return list(people.values())


def qa_feedback_for_pep(*, user: User, pep: Pep) -> QuerySet[QaReview]:
    """The PEP's quality assurance as its care team reads it on the PEP's page, oldest first."""
    return (
        scope_queryset(user, Action.VIEW_QA_FEEDBACK, QaReview.objects.filter(pep_id=pep.pk))
        .exclude(decision=QaDecision.MODERATION)
        .select_related("reviewer")
        .order_by("created_at", "pk")
    )


def moderation_comparisons(*, user: User) -> QuerySet[QaReview]:
    return (
        QaReview.objects.filter(
            decision=QaDecision.MODERATION, pep__child__authority_id=user.authority_id
        )
        .select_related("moderates", "moderates__reviewer", "reviewer", "pep", "pep__child")
        .order_by("-created_at")
    )
