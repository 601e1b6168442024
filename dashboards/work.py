"""What each person has to do, with the owner's real due date, and the virtual school's view
of all the work waiting across its PEPs.

Social workers, designated teachers, their delegates and carers see their tasks grouped by
child and PEP. Each task's date is its owner's own: a contribution the authority's rule set
wants before the meeting is due by the meeting's cut-off (the designated teacher's deadline,
N school days before the arranged meeting, from the deadline engine and kept on the PEP);
arranging the meeting by the PEP's due date; recording it from the meeting day; submission
by the submission rule. Optional sections (the carer's contribution, historical data) are
never tasks.

The virtual school sees counts by kind of work and the most urgent PEPs, classified in SQL
(one query for the counts, one for a page), so its home takes the same number of queries for
50 PEPs as for 10,000.

This module sits with the dashboards, above meetings and quality_assurance, because a
person's work spans them (docs/architecture.md).
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone

from children.models import Child
from children.selectors import school_sections_at_setting
from meetings.models import Meeting, MeetingStatus
from meetings.selectors import open_peps_with_arranged_meeting, peps_with_an_arranged_meeting
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, allowed_ids, scope_queryset
from pep_portal.calendars import deadlines
from pep_portal.calendars.deadlines import PepRules
from pep_portal.calendars.selectors import rules_of_every_authority
from peps.models import (
    EDITABLE_STATUSES,
    FINISHED_STATUSES,
    Pep,
    PepSection,
    PepStatus,
    SectionStatus,
    Term,
)
from peps.rules import section_owner_allows
from peps.sections import (
    DEFAULT_BEFORE_MEETING,
    SECTIONS_BY_KEY,
    is_a_task,
    needed_before_meeting,
)
from quality_assurance.models import QaFramework

BEFORE_MEETING = (PepStatus.DRAFT, PepStatus.IN_PROGRESS, PepStatus.READY_FOR_MEETING)


# --- a person's tasks, by child and PEP ----------------------------------------------------


@dataclass(frozen=True)
class Task:
    what: str
    url: str
    due_on: dt.date | None
    # Why that date, in the owner's words: "5 school days before the meeting on 10 December".
    basis: str = ""

    @property
    def overdue(self) -> bool:
        return self.due_on is not None and self.due_on < timezone.localdate()


@dataclass
class PepWork:
    """One PEP's tasks for one person, with how many of their sections are done."""

    pep: Pep
    tasks: list[Task] = field(default_factory=list)
    sections_done: int = 0
    sections_total: int = 0

    @property
    def child(self) -> Any:
        return self.pep.child

    @property
    def next_task(self) -> Task:
        return min(self.tasks, key=_soonest)

    @property
    def overdue(self) -> bool:
        return any(task.overdue for task in self.tasks)


def _soonest(task: Task) -> tuple[dt.date, str]:
    return (task.due_on or dt.date.max, task.what)


def _arranged_meetings() -> "Prefetch[Any]":
    return Prefetch(
        "meetings",
        queryset=Meeting.objects.filter(status=MeetingStatus.ARRANGED).order_by("-starts_at"),
        to_attr="arranged",
    )


def _arranged_of(pep: Pep) -> list[Meeting]:
    """The PEP's arranged meeting (the latest first), prefetched by _peps_for."""
    arranged: list[Meeting] = pep.arranged  # type: ignore[attr-defined]
    return arranged


def _has_school_place(pep: Pep) -> bool:
    has_place: bool = pep.has_school_place  # type: ignore[attr-defined]
    return has_place


def _day(when: dt.datetime) -> dt.date:
    return timezone.localtime(when).date()


def _section_due(
    pep: Pep, before_meeting: bool, meeting: Meeting | None, rules: PepRules | None
) -> tuple[dt.date | None, str]:
    """The owner's real due date for a section, and why."""
    if pep.status == PepStatus.RETURNED:
        return pep.submission_due_on, "the returned PEP is due back then"
    if pep.status == PepStatus.MEETING_HELD:
        return pep.submission_due_on, "the PEP is due to be submitted then"
    if meeting is not None:
        day = _day(meeting.starts_at)
        if before_meeting and pep.teacher_sections_due_on:
            count = rules.teacher_sections_before_meeting if rules else "the cut-off"
            return pep.teacher_sections_due_on, f"{count} before the meeting on {day:%-d %B}"
        return day, "at the meeting"
    if pep.due_on:
        return pep.due_on, "no meeting arranged yet: the PEP meeting is due by then"
    return None, pep.due_basis


def _section_tasks(user: User, pep: Pep, work: PepWork, rules: PepRules | None) -> None:
    before = rules.before_meeting if rules else DEFAULT_BEFORE_MEETING
    meeting = _arranged_of(pep)[0] if _arranged_of(pep) else None
    for section in pep.sections.all():
        spec = SECTIONS_BY_KEY[section.key]
        if not is_a_task(spec, before):
            continue  # optional: never anyone's task
        if not section_owner_allows(user, pep, spec.owner, has_school_place=_has_school_place(pep)):
            continue
        work.sections_total += 1
        if section.status == SectionStatus.COMPLETE:
            work.sections_done += 1
            continue
        due, basis = _section_due(pep, needed_before_meeting(spec, before), meeting, rules)
        work.tasks.append(
            Task(
                f"Complete “{spec.title}”",
                reverse("section_edit", args=[pep.pk, section.key]),
                due,
                basis,
            )
        )


def _peps_for(user: User) -> list[Pep]:
    # The care team's PEPs (a previous school reading during its window has no work in them).
    care_team = scope_queryset(user, Action.VIEW_CHILD, Child.objects.all()).values("pk")
    return list(
        Pep.objects.filter(child_id__in=care_team)
        .exclude(status__in=FINISHED_STATUSES)
        .annotate(has_school_place=school_sections_at_setting())
        .select_related("child", "child__authority")
        .prefetch_related(
            # Which sections are done is all a task needs: not their answers (three JSON
            # documents a section, decoded for every section of every PEP on the page).
            Prefetch(
                "sections",
                queryset=PepSection.objects.only("pk", "pep_id", "key", "status").order_by("pk"),
            ),
            _arranged_meetings(),
        )
    )


@dataclass(frozen=True)
class _Allowed:
    arrange: set[int]
    record: set[int]
    submit: set[int]
    review: set[int]


def _allowed(user: User, peps: list[Pep], today: dt.date) -> _Allowed:
    """Who arranges, records, submits and signs off is the engine's rule, asked once for the
    whole list (no query at all when no PEP is at that stage)."""
    unarranged = [
        p for p in peps if p.status in BEFORE_MEETING and not _arranged_of(p) and not p.meeting_on
    ]
    arranged = [_arranged_of(p)[0] for p in peps if p.status in BEFORE_MEETING and _arranged_of(p)]
    happened = [meeting for meeting in arranged if _day(meeting.starts_at) <= today]
    return _Allowed(
        arrange=allowed_ids(
            user, Action.ARRANGE_MEETING, [p for p in unarranged if p.child.social_worker_id]
        ),
        record=allowed_ids(user, Action.RECORD_PEP_MEETING, happened),
        submit=allowed_ids(
            user,
            Action.SUBMIT_PEP,
            [p for p in peps if p.status in (PepStatus.MEETING_HELD, PepStatus.RETURNED)],
        ),
        review=allowed_ids(
            user, Action.REVIEW_PEP, [p for p in peps if p.status == PepStatus.SUBMITTED]
        ),
    )


def _pep_tasks(user: User, pep: Pep, allowed: _Allowed, qa_within: dict[int, int]) -> list[Task]:
    """Arrange, record, submit or resubmit, review: the PEP's own tasks for this person."""
    url = reverse("pep_detail", args=[pep.pk])
    tasks = []
    # The social worker arranges the meeting: a task for every new PEP.
    if pep.pk in allowed.arrange and pep.child.social_worker_id == user.pk:
        what = (
            "Arrange the initial PEP meeting"
            if pep.term == Term.INITIAL
            else "Arrange the PEP meeting"
        )
        tasks.append(Task(what, url, pep.due_on, "the PEP meeting is due by then"))
    if _arranged_of(pep) and _arranged_of(pep)[0].pk in allowed.record:
        day = _day(_arranged_of(pep)[0].starts_at)
        tasks.append(
            Task(
                f"Record the meeting of {day:%-d %B}",
                reverse("meeting_record", args=[_arranged_of(pep)[0].pk]),
                deadlines.meeting_record_due(day),
                "the day after the meeting",
            )
        )
    if pep.pk in allowed.submit:
        returned = pep.status == PepStatus.RETURNED
        tasks.append(
            Task(
                "Resubmit the returned PEP" if returned else "Submit the PEP for quality assurance",
                url,
                pep.submission_due_on,
                "the returned PEP is due back then"
                if returned
                else "the submission rule, after the meeting",
            )
        )
    if pep.pk in allowed.review and pep.submitted_at:
        due = deadlines.qa_review_due(
            submitted_on=_day(pep.submitted_at),
            within_days=qa_within.get(pep.child.authority_id, _default_qa_within()),
        )
        tasks.append(
            Task(
                "Quality-assure and sign off", reverse("qa_review", args=[pep.pk]), due, "QA target"
            )
        )
    return tasks


def _default_qa_within() -> int:
    default: int = QaFramework._meta.get_field("review_within_days").get_default()
    return default


def work_by_pep(*, user: User, today: dt.date | None = None) -> list[PepWork]:
    """This person's tasks, grouped by child and PEP, the PEP with the soonest task first.
    A fixed number of queries however many PEPs."""
    today = today or timezone.localdate()
    peps = _peps_for(user)
    if not peps:
        return []
    rules_of = {a.pk: r for a, r in rules_of_every_authority().items()}
    allowed = _allowed(user, peps, today)
    qa_within = (
        dict(QaFramework.objects.values_list("authority_id", "review_within_days"))
        if allowed.review
        else {}
    )
    groups = []
    for pep in peps:
        work = PepWork(pep)
        if pep.status in EDITABLE_STATUSES:
            _section_tasks(user, pep, work, rules_of.get(pep.child.authority_id))
        work.tasks += _pep_tasks(user, pep, allowed, qa_within)
        if work.tasks:
            work.tasks.sort(key=_soonest)
            groups.append(work)
    return sorted(groups, key=lambda w: (_soonest(w.next_task), w.child.display_name))


# --- the virtual school: counts by kind of work, the most urgent, filtered lists --------------


class WorkKind:
    """The kinds of work waiting on a PEP, in the order a PEP meets them."""

    NO_MEETING = "no_meeting"
    CONTRIBUTIONS = "contributions"
    NOT_RECORDED = "not_recorded"
    TO_SUBMIT = "to_submit"
    RETURNED = "returned"
    QA = "qa"


WORK_KINDS: dict[str, str] = {
    WorkKind.NO_MEETING: "PEP meeting not arranged",
    WorkKind.CONTRIBUTIONS: "Contributions due before the meeting",
    WorkKind.NOT_RECORDED: "Meeting held but not recorded",
    WorkKind.TO_SUBMIT: "Waiting to be submitted",
    WorkKind.RETURNED: "Returned, not yet resubmitted",
    WorkKind.QA: "Waiting for quality assurance",
}


def classified_peps(
    *,
    user: User,
    today: dt.date | None = None,
    with_due: bool = True,
    only: str | None = None,
) -> QuerySet[Pep]:
    """The PEPs `user` may see, each annotated in SQL with `work` (a WorkKind, or NULL when
    nothing is waiting) and, unless `with_due` is False, `work_due` (when that work is due).
    Without it no PEP is joined to its child (the QA target is the child's authority's), which
    the counts by kind never need. `only`: just the PEPs waiting on that kind of work."""
    today = today or timezone.localdate()
    start_of_today = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    within = QaFramework.objects.filter(authority_id=OuterRef("child__authority_id")).values(
        "review_within_days"
    )[:1]
    before = Q(status__in=BEFORE_MEETING)
    # Whether a meeting is arranged (at all; from today on) is asked of the arranged PEPs'
    # ids, which PostgreSQL hashes once, not of the latest meeting's start, a subquery it
    # runs again for every open PEP in each CASE (18,600 buffers for the counts at 10,000
    # children, 2,600 this way). The same answer: the first kind is the PEPs with none; of
    # the rest, the latest arranged meeting started before today exactly when none is
    # arranged from today on.
    arranged = Q(pk__in=peps_with_an_arranged_meeting())
    arranged_from_today = Q(pk__in=peps_with_an_arranged_meeting(starting_from=start_of_today))
    # Each kind of work: when a PEP has it (the first that matches counts) and when it is due.
    # Both CASEs are built from this one list rather than `work_due` asking `work`: SQL
    # repeats an annotation wherever it is used, so that read the arranged meeting a dozen
    # times a row (0.3 s for the home page's counts at 10,000 children).
    kinds: list[tuple[Q, str, Any]] = [
        (before & ~arranged, WorkKind.NO_MEETING, F("due_on")),
        (
            before & ~arranged_from_today,
            WorkKind.NOT_RECORDED,
            ExpressionWrapper(TruncDate("meeting_starts") + Value(1), output_field=DateField()),
        ),
        (
            Q(status__in=(PepStatus.DRAFT, PepStatus.IN_PROGRESS)),
            WorkKind.CONTRIBUTIONS,
            F("teacher_sections_due_on"),
        ),
        (Q(status=PepStatus.MEETING_HELD), WorkKind.TO_SUBMIT, F("submission_due_on")),
        (Q(status=PepStatus.RETURNED), WorkKind.RETURNED, F("submission_due_on")),
        (
            Q(status=PepStatus.SUBMITTED),
            WorkKind.QA,
            ExpressionWrapper(
                TruncDate("submitted_at")
                + Coalesce(
                    Subquery(within, output_field=IntegerField()),
                    Value(_default_qa_within()),
                ),
                output_field=DateField(),
            ),
        ),
    ]
    classified = open_peps_with_arranged_meeting(
        scope_queryset(user, Action.VIEW_PEP, Pep.objects.all())
    ).annotate(work=Case(*(When(has, then=Value(kind)) for has, kind, _ in kinds), default=None))
    if only is not None:
        # The kind's own condition and none of an earlier kind's (the CASE's first match),
        # not `work = only`: PostgreSQL cannot estimate a CASE, guessed 46 of the 5,000 PEPs
        # with no meeting and probed their children one by one (25,000 buffers, not 3,000).
        position = [kind for _, kind, _ in kinds].index(only)
        classified = classified.filter(
            kinds[position][0], *(~has for has, _, _ in kinds[:position])
        )
    if not with_due:
        return classified
    return classified.annotate(
        work_due=Case(
            *(When(has, then=due) for has, _, due in kinds),
            default=None,
            output_field=DateField(),
        ),
    )


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int

    @property
    def url(self) -> str:
        return reverse("work_list", args=[self.kind])


def work_counts(*, user: User, today: dt.date | None = None) -> list[KindCount]:
    """How many PEPs wait on each kind of work: one query, grouped by the kind (each PEP
    classified once, not once for each kind's count)."""
    grouped = classified_peps(user=user, today=today, with_due=False).order_by().values("work")  # type: ignore[misc]  # an annotation
    rows = {row["work"]: row["n"] for row in grouped.annotate(n=Count("pk"))}
    return [KindCount(kind, label, rows.get(kind, 0)) for kind, label in WORK_KINDS.items()]


def _listed(peps: QuerySet[Pep]) -> QuerySet[Pep]:
    return peps.select_related("child").order_by(
        F("work_due").asc(nulls_last=True), "child__legal_last_name", "pk"
    )


@dataclass(frozen=True)
class Urgent:
    pep: Pep
    work: str
    label: str
    due_on: dt.date | None


def most_urgent(*, user: User, today: dt.date | None = None, limit: int = 10) -> list[Urgent]:
    """The `limit` PEPs whose waiting work is due soonest (or longest overdue): one query."""
    peps = _listed(classified_peps(user=user, today=today).filter(Q(work__isnull=False)))
    rows = []
    for pep in peps[:limit]:
        work: str = pep.work  # type: ignore[attr-defined]
        due: dt.date | None = pep.work_due  # type: ignore[attr-defined]
        rows.append(Urgent(pep, work, label_of(work), due))
    return rows


PER_PAGE = 25


def work_page(
    *,
    user: User,
    kind: str,
    page: str | int | None,
    mine: bool = False,
    today: dt.date | None = None,
) -> "Page[Pep]":
    """One page of the PEPs waiting on `kind` of work, soonest due first, filtered in SQL;
    `mine`: only the children `user` advises."""
    peps = classified_peps(user=user, today=today, only=kind)
    if mine:
        peps = peps.filter(child__virtual_school_adviser_id=user.pk)
    return Paginator(_listed(peps), PER_PAGE).get_page(page)


def is_a_work_kind(kind: str) -> bool:
    return kind in WORK_KINDS


def label_of(kind: str | None) -> str:
    return WORK_KINDS.get(kind or "", "")


__all__ = [
    "WORK_KINDS",
    "KindCount",
    "PepWork",
    "Task",
    "Urgent",
    "classified_peps",
    "is_a_work_kind",
    "label_of",
    "most_urgent",
    "work_by_pep",
    "work_counts",
    "work_page",
]
