"""Reads about meetings and targets, scoped to the user through the PEP (and so the child)."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from children.models import Child
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, scope_queryset, user_can
from peps.models import FINISHED_STATUSES, Pep

from .models import Meeting, MeetingStatus, MeetingTask, RecordDraft, Target, TargetReview


def _visible_peps(user: User) -> QuerySet[Pep]:
    return scope_queryset(user, Action.VIEW_PEP, Pep.objects.all())


def meeting_get_for_user(*, user: User, pk: int, action: Action = Action.VIEW_PEP) -> Meeting:
    meeting = (
        Meeting.objects.filter(pk=pk, pep__in=_visible_peps(user))
        .select_related("pep", "pep__child", "pep__child__authority", "arranged_by", "recorded_by")
        .first()
    )
    if meeting is None:
        raise Http404("No such meeting.")
    # Recording is decided per meeting (an internal review is the designated teacher's).
    target = meeting if action == Action.RECORD_PEP_MEETING else meeting.pep
    if action != Action.VIEW_PEP and not user_can(user, action, target):
        raise PermissionDenied
    user.reuse_authority(meeting.pep.child.authority)  # read with the meeting
    return meeting


def open_peps_with_arranged_meeting(peps: QuerySet[Pep]) -> QuerySet[Pep]:
    """The open PEPs (neither signed off nor closed) of `peps`, each annotated with its
    arranged meeting, if any: `meeting_starts` (when it starts) and `meeting_kind` (a formal
    meeting or an internal review), both NULL where no meeting is arranged. The latest
    arranged meeting counts (arranging again cancels the one before). The one home of this
    query: the deadline sweep and each person's work (dashboards/work.py) ask it."""
    arranged = Meeting.objects.filter(pep=OuterRef("pk"), status=MeetingStatus.ARRANGED).order_by(
        "-starts_at", "-pk"
    )
    return peps.exclude(status__in=FINISHED_STATUSES).annotate(
        meeting_starts=Subquery(arranged.values("starts_at")[:1]),
        meeting_kind=Subquery(arranged.values("kind")[:1]),
    )


def peps_with_an_arranged_meeting(
    *, starting_from: dt.datetime | None = None
) -> "QuerySet[Meeting, Any]":
    """The ids of the PEPs with an arranged meeting (`starting_from`: one starting then or
    later), for `pk__in`: PostgreSQL reads it once into a hash (a probe of the small
    arranged_meeting_of_pep index), where open_peps_with_arranged_meeting's subquery is read
    again for every PEP it classifies."""
    arranged = Meeting.objects.filter(status=MeetingStatus.ARRANGED)
    if starting_from is not None:
        arranged = arranged.filter(starts_at__gte=starting_from)
    return arranged.values("pep_id")


def upcoming_meetings_for(*, user: User, today: dt.date | None = None) -> QuerySet[Meeting]:
    """Arranged meetings from today on, for the PEPs the user can see: their calendar."""
    today = today or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return (
        Meeting.objects.filter(
            status=MeetingStatus.ARRANGED, starts_at__gte=start, pep__in=_visible_peps(user)
        )
        .select_related("pep", "pep__child")
        .order_by("starts_at", "pk")
    )


def target_tracker(*, user: User, child: Child) -> QuerySet[Target]:
    """Every target set for the child, across terms, with its reviews."""
    return (
        Target.objects.filter(child=child, pep__in=_visible_peps(user))
        .select_related("pep", "meeting")
        .prefetch_related(
            Prefetch("reviews", queryset=TargetReview.objects.select_related("meeting__pep"))
        )
        .order_by("created_at", "pk")
    )


def open_meeting_tasks_for(*, user: User) -> QuerySet[MeetingTask]:
    children = scope_queryset(user, Action.CHANGE_CHILD, Child.objects.all()) | scope_queryset(
        user, Action.VIEW_CHILD, Child.objects.filter(social_worker_id=user.pk)
    )
    return (
        MeetingTask.objects.filter(done_at__isnull=True, child__in=children)
        .select_related("child")
        .order_by("due_at")
    )


def record_draft_for(*, user: User, meeting: Meeting) -> dict[str, dict[str, list[str]]]:
    """The steps of the meeting record this user has written so far, as typed."""
    draft = RecordDraft.objects.filter(meeting=meeting, author=user).first()
    return dict(draft.answers) if draft else {}
