"""Quality assurance of submitted PEPs: the review, sign-off or return, training needs and
moderation. Each service checks the reviewer may act and refuses, with a reason, what the
authority's framework does not allow."""

import random

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from children.selectors import designated_teachers_by_child
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction
from peps.models import Pep, PepStatus
from peps.services import pep_return, pep_sign_off

from .models import QaCriterion, QaDecision, QaFramework, QaReview, TrainingNeed
from .presets import DEFAULT_CRITERIA, PRESETS


@transaction.atomic
def qa_framework_load_preset(*, authority: LocalAuthority, preset: str) -> QaFramework:
    """Give an authority one of the shipped frameworks (keeping any criteria it already has)."""
    chosen = PRESETS[preset]
    framework, _ = QaFramework.objects.update_or_create(
        authority=authority,
        defaults={
            "scale": chosen.scale,
            "blocks_sign_off_at": chosen.blocks_sign_off_at,
            "training_at": chosen.training_at,
            "one_level_allowance": chosen.one_level_allowance,
            "preset": chosen.name,
        },
    )
    if not framework.criteria.exists():
        QaCriterion.objects.bulk_create(
            QaCriterion(framework=framework, order=n, text=text)
            for n, text in enumerate(DEFAULT_CRITERIA, start=1)
        )
    return framework


def framework_for(authority: LocalAuthority) -> QaFramework:
    """The authority's framework; the Good / Requires improvement / Inadequate preset until it
    chooses another."""
    framework = QaFramework.objects.filter(authority=authority).first()
    if framework is None:
        return qa_framework_load_preset(authority=authority, preset="good_ri_inadequate")
    framework.authority = authority  # the caller's, already read: the review page names it
    return framework


def overall_from_criteria(framework: QaFramework, ratings: list[str]) -> str | None:
    """The overall rating the framework's rule gives, or None where the reviewer chooses it.
    The rule: the worst criterion's rating, except that up to `one_level_allowance` criteria
    may sit exactly one level below all the others (all Gold but one Green is Gold)."""
    if framework.one_level_allowance is None or not ratings:
        return None
    values = [value for value, _ in framework.ratings]
    ranks = sorted(framework.rank(r) for r in ratings)
    worst = ranks[-1]
    at_worst = ranks.count(worst)
    others = [r for r in ranks if r != worst]
    if others and at_worst <= framework.one_level_allowance and worst - max(others) == 1:
        return values[max(others)]
    return values[worst]


def _checked_ratings(framework: QaFramework, criteria_ratings: dict[int, str]) -> dict[str, str]:
    allowed = {value for value, _ in framework.ratings}
    # Each missing rating against its own criterion (`criterion_<pk>`, as the forms name it).
    missing = {}
    for criterion in framework.criteria.filter(active=True):
        rating = criteria_ratings.get(criterion.pk)
        if rating not in allowed:
            missing[f"criterion_{criterion.pk}"] = f"Rate “{criterion.text}”"
    if missing:
        raise ValidationError(missing)
    return {str(pk): rating for pk, rating in criteria_ratings.items()}


def _overall(framework: QaFramework, ratings: dict[str, str], chosen: str | None) -> str:
    computed = overall_from_criteria(framework, list(ratings.values()))
    if computed is not None:
        return computed
    if chosen not in {value for value, _ in framework.ratings}:
        raise ValidationError({"overall": "Choose the overall rating"})
    return chosen  # type: ignore[return-value]


def _flag_training(review: QaReview, framework: QaFramework) -> None:
    """ "Requires improvement" (or its equivalent) flags training for the PEP's designated
    teachers and social worker (Walsall: "training will be provided")."""
    if not framework.training_at or review.overall != framework.training_at:
        return
    child = review.pep.child
    teachers = designated_teachers_by_child([child.pk]).get(child.pk, set())
    people = teachers | ({child.social_worker_id} if child.social_worker_id else set())
    # A PEP returned and then signed off, both rated so, flags each person once.
    already = set(
        TrainingNeed.objects.filter(
            review__pep=review.pep, resolved_at__isnull=True, person_id__in=people
        ).values_list("person_id", flat=True)
    )
    for person_id in sorted(people - already):
        TrainingNeed.objects.get_or_create(person_id=person_id, review=review)


def _audit_decision(actor: User, review: QaReview) -> None:
    audit.record(
        actor,
        AuditAction.QA_DECISION,
        review,
        child=review.pep.child,
        detail={"pep": review.pep_id, "decision": review.decision, "rating": review.overall},
    )


def _rating_problems(
    framework: QaFramework, criteria_ratings: dict[int, str], overall: str | None
) -> tuple[dict[str, str], str, dict[str, list[str]]]:
    """The checked ratings, the overall rating ("" if unknown) and what is wrong with them."""
    try:
        ratings = _checked_ratings(framework, criteria_ratings)
    except ValidationError as error:
        problems = dict(error.message_dict)
        # Where the reviewer chooses the overall rating, say now if it is missing too.
        if framework.one_level_allowance is None:
            try:
                _overall(framework, {}, overall)
            except ValidationError as missing:
                problems.update(missing.message_dict)
        return {}, "", problems
    try:
        return ratings, _overall(framework, ratings, overall), {}
    except ValidationError as error:
        return ratings, "", dict(error.message_dict)


def qa_review_check(
    *,
    actor: User,
    pep: Pep,
    criteria_ratings: dict[int, str],
    overall: str | None,
    feedback_to_teacher: str,
    feedback_to_social_worker: str,
    decision: str,
    changes_needed: str = "",
) -> tuple[dict[str, str], str]:
    """Everything qa_review_complete would refuse, all at once, each against its own answer;
    nothing is saved. The checked ratings and the overall rating, when nothing is wrong (the
    page shows them before a sign-off is confirmed)."""
    if not user_can(actor, Action.REVIEW_PEP, pep):
        raise PermissionDenied
    if pep.status != PepStatus.SUBMITTED:
        raise ValidationError("Only a PEP submitted for quality assurance can be reviewed")
    framework = framework_for(pep.child.authority)
    ratings, rating, problems = _rating_problems(framework, criteria_ratings, overall)
    if not feedback_to_teacher.strip():
        problems["feedback_to_teacher"] = ["Enter feedback for the designated teacher"]
    if not feedback_to_social_worker.strip():
        problems["feedback_to_social_worker"] = ["Enter feedback for the social worker"]
    if decision == QaDecision.RETURNED and not changes_needed.strip():
        problems["changes_needed"] = ["Enter the changes needed"]
    if (
        rating
        and decision == QaDecision.SIGNED_OFF
        and framework.rank(rating) >= framework.rank(framework.blocks_sign_off_at)
    ):
        problems["decision"] = [
            f"A PEP rated {framework.label(rating)} cannot be signed off: "
            "return it with the changes needed"
        ]
    if decision not in (QaDecision.SIGNED_OFF, QaDecision.RETURNED):
        problems["decision"] = ["Choose whether to sign off or return the PEP"]
    if problems:
        raise ValidationError(problems)
    return ratings, rating


@transaction.atomic
def qa_review_complete(
    *,
    actor: User,
    pep: Pep,
    criteria_ratings: dict[int, str],
    overall: str | None,
    feedback_to_teacher: str,
    feedback_to_social_worker: str,
    decision: str,
    changes_needed: str = "",
) -> QaReview:
    """Rate a submitted PEP against the authority's checklist, give feedback, and sign it off
    or return it. A rating that blocks sign-off (Inadequate, Red) can only be returned."""
    ratings, rating = qa_review_check(
        actor=actor,
        pep=pep,
        criteria_ratings=criteria_ratings,
        overall=overall,
        feedback_to_teacher=feedback_to_teacher,
        feedback_to_social_worker=feedback_to_social_worker,
        decision=decision,
        changes_needed=changes_needed,
    )
    framework = framework_for(pep.child.authority)
    review = QaReview(
        pep=pep,
        reviewer=actor,
        criteria_ratings=ratings,
        overall=rating,
        scale=framework.scale,
        feedback_to_teacher=feedback_to_teacher.strip(),
        feedback_to_social_worker=feedback_to_social_worker.strip(),
        decision=decision,
        changes_needed=changes_needed.strip(),
    )
    review._history_user = actor
    review.save()
    _audit_decision(actor, review)
    if decision == QaDecision.SIGNED_OFF:
        pep_sign_off(actor=actor, pep=pep)
    else:
        pep_return(actor=actor, pep=pep, reason=changes_needed)
    _flag_training(review, framework)
    return review


def training_need_resolve(*, actor: User, need: TrainingNeed) -> TrainingNeed:
    """The person has had the training: every need the actor's authority flagged for them is
    done (the list shows each person once)."""
    if not user_can(actor, Action.REVIEW_PEP, need.review.pep):
        raise PermissionDenied
    now = timezone.now()
    for open_need in TrainingNeed.objects.filter(
        person_id=need.person_id,
        resolved_at__isnull=True,
        review__pep__child__authority_id=need.review.pep.child.authority_id,
    ):
        open_need.resolved_at = now
        open_need._history_user = actor
        open_need.save(update_fields=["resolved_at"])
    need.resolved_at = now
    return need


def moderation_sample(
    *, actor: User, academic_year: int, term: str, size: int, seed: int | None = None
) -> list[Pep]:
    """A random sample of the authority's signed-off PEPs of a term not yet moderated."""
    if not user_can(actor, Action.QUALITY_ASSURE):
        raise PermissionDenied
    if not 1 <= size <= 100:
        raise ValidationError({"size": "Enter a sample size from 1 to 100"})
    candidates = list(
        Pep.objects.filter(
            child__authority_id=actor.authority_id,
            academic_year=academic_year,
            term=term,
            status=PepStatus.SIGNED_OFF,
        )
        .exclude(qa_reviews__decision=QaDecision.MODERATION)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = random.Random(seed).sample(candidates, min(size, len(candidates)))  # noqa: S311
    return list(Pep.objects.filter(pk__in=chosen).select_related("child").order_by("pk"))


@transaction.atomic
def qa_moderate(
    *,
    actor: User,
    pep: Pep,
    criteria_ratings: dict[int, str],
    overall: str | None,
    notes: str = "",
) -> QaReview:
    """A second, independent review of a signed-off PEP, kept beside the first."""
    if not user_can(actor, Action.REVIEW_PEP, pep):
        raise PermissionDenied
    first = pep.qa_reviews.filter(decision=QaDecision.SIGNED_OFF).order_by("-created_at").first()
    if pep.status != PepStatus.SIGNED_OFF or first is None:
        raise ValidationError("Only a signed-off PEP can be moderated")
    if first.reviewer_id == actor.pk:
        raise ValidationError("Moderation is a second opinion: someone else must review it")
    framework = framework_for(pep.child.authority)
    ratings = _checked_ratings(framework, criteria_ratings)
    review = QaReview(
        pep=pep,
        reviewer=actor,
        criteria_ratings=ratings,
        overall=_overall(framework, ratings, overall),
        scale=framework.scale,
        decision=QaDecision.MODERATION,
        moderates=first,
        feedback_to_teacher=notes.strip(),
    )
    review._history_user = actor
    review.save()
    _audit_decision(actor, review)
    return review
