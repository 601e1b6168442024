"""Reads about PEPs, always scoped to the user asking; access follows the child."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from children.models import Child
from children.school_year import eighteenth_birthday
from children.selectors import school_sections_at_setting
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, scope_queryset, user_can
from pep_portal.calendars import deadlines
from pep_portal.calendars.selectors import RulesMissing, rules_for_authority

from .models import (
    Pep,
    PepSection,
    SectionDraft,
    Term,
)
from .records import records_state_for
from .rules import section_owner_allows
from .sections import (
    RECORDS_STATES,
    SECTIONS_BY_KEY,
    SectionSpec,
    contradictions,
    missing_answers,
    progress,
    to_confirm,
    with_records,
)


def _with_school_place(peps: QuerySet[Pep]) -> QuerySet[Pep]:
    # "A school place" as the section owners mean it: someone at the setting does the school's
    # sections (children.selectors.school_sections_at_setting).
    return peps.annotate(has_school_place=school_sections_at_setting())


def pep_get_for_user(*, user: User, pk: int, action: Action = Action.VIEW_PEP) -> Pep:
    """404 when the user may not see the PEP, 403 when they may see it but not do `action`."""
    pep = (
        _with_school_place(scope_queryset(user, Action.VIEW_PEP, Pep.objects.all()))
        .select_related("child", "child__authority", "child__social_worker", "signed_off_by")
        .filter(pk=pk)
        .first()
    )
    if pep is None:
        raise Http404("No such PEP.")
    if action != Action.VIEW_PEP and not user_can(user, action, pep):
        raise PermissionDenied
    user.reuse_authority(pep.child.authority)  # read with the PEP
    return pep


@dataclass
class SectionRow:
    spec: SectionSpec
    section: PepSection
    answered: int
    asked: int
    missing: list[str]
    can_edit: bool
    # The typed answers with each RECORDS question's state (sections.with_records).
    answers_now: dict[str, Any]

    @property
    def answers(self) -> list[tuple[str, Any]]:
        """(question, answer) in the order asked, for reading."""
        pep = self.section.pep
        return readable_answers(
            self.spec, pep.template, self.answers_now, initial=pep.term == Term.INITIAL
        )

    @property
    def previously_recorded(self) -> list[tuple[str, Any]]:
        return previously_recorded(self.spec, self.section.previously_recorded)


def display_answer(spec: Any, value: Any) -> Any:
    if value in (None, ""):
        return ""
    if spec.kind == "records":
        return RECORDS_STATES.get(value, value)
    if spec.kind == "yes_no":
        return {"yes": "Yes", "no": "No"}.get(value, value)
    if spec.kind == "choice":
        return dict(spec.choices).get(value, value)
    if spec.kind == "date":
        try:
            return dt.date.fromisoformat(value).strftime("%-d %B %Y")
        except ValueError:
            return value
    return value


def readable_answers(
    spec: SectionSpec, template: str, answers: dict[str, Any], *, initial: bool = False
) -> list[tuple[str, Any]]:
    """(question, answer as people read it) for every question the template asks."""
    asked = spec.fields_for(template, initial=initial)  # type: ignore[arg-type]
    return [(f.label, display_answer(f, answers.get(f.name))) for f in asked]


def previously_recorded(spec: SectionSpec, kept: dict[str, Any]) -> list[tuple[str, Any]]:
    """(question, answer) for each answer to a question no longer asked (SectionSpec.retired),
    in the order it was asked: read-only, "previously recorded". `kept` is the section's
    previously_recorded, or a signed-off snapshot's answers (which keep the old names)."""
    return [
        (f.label, display_answer(f, kept[f.name]))
        for f in spec.retired
        if kept.get(f.name) not in (None, "")
    ]


@dataclass(frozen=True)
class Completeness:
    """A section's answers with its records, and what stops it being complete (sections.py)."""

    answers: dict[str, Any]
    missing: list[Any]
    unconfirmed: list[Any]
    contradicted: list[tuple[Any, str]]


def completeness(
    spec: SectionSpec, pep: Pep, answers: dict[str, Any], states: dict[str, str]
) -> Completeness:
    """Asked of the section definitions (the one home) with the RECORDS questions answered by
    `states` (peps/records.py)."""
    initial = pep.term == Term.INITIAL
    merged = with_records(spec, answers, states)
    template = pep.template
    return Completeness(
        answers=merged,
        missing=missing_answers(
            spec, template, merged, initial=initial, pp_review=pep.reviews_pp_plus
        ),
        unconfirmed=to_confirm(spec, template, merged, initial=initial),
        contradicted=contradictions(spec, template, merged, initial=initial),
    )


def section_rows(*, user: User, pep: Pep) -> list[SectionRow]:
    """Every section of the PEP with its owner, status, progress and whether `user` may edit
    it, without a query per section (the PEP was scoped to the user already)."""
    sections = pep.sections.select_related("updated_by", "completed_by")
    has_place = getattr(pep, "has_school_place", None)
    if has_place is None:
        has_place = pep.child.enrolments.filter(ended_on__isnull=True).exists()
    # Only the care team writes (peps.rules.can_edit_section): a previous school reading the
    # PEP during its window sees every section read-only. Asked once, and only when the role
    # could own a section at all.
    in_team: bool | None = None
    sections = list(sections)
    # The RECORDS questions' answers, read once for the PEP (and only if a section asks one).
    states = records_state_for(pep, [SECTIONS_BY_KEY[s.key] for s in sections])
    rows = []
    for section in sections:
        spec = SECTIONS_BY_KEY[section.key]
        owns = section_owner_allows(user, pep, spec.owner, has_school_place=has_place)
        if owns and in_team is None:
            in_team = user_can(user, Action.VIEW_CHILD, pep.child)
        section.pep = pep
        initial = pep.term == Term.INITIAL
        now = completeness(spec, pep, section.answers, states)
        answered, asked = progress(spec, pep.template, now.answers, initial=initial)
        rows.append(
            SectionRow(
                spec=spec,
                section=section,
                answered=answered,
                asked=asked,
                missing=[f.label for f in now.missing]
                + [f"{f.label} (to confirm or change)" for f in now.unconfirmed],
                can_edit=owns and bool(in_team),
                answers_now=now.answers,
            )
        )
    return rows


def section_get_for_user(*, user: User, pep_pk: int, key: str) -> PepSection:
    pep = pep_get_for_user(user=user, pk=pep_pk)
    if key not in SECTIONS_BY_KEY:
        raise Http404("No such section.")
    section = pep.sections.filter(key=key).select_related("updated_by").first()
    if section is None:
        raise Http404("No such section.")
    section.pep = pep
    return section


def draft_for(*, user: User, section: PepSection) -> SectionDraft | None:
    return SectionDraft.objects.filter(section=section, author=user).first()


def peps_for_child(*, user: User, child: Child) -> QuerySet[Pep]:
    return scope_queryset(user, Action.VIEW_PEP, Pep.objects.filter(child=child)).order_by(
        "-academic_year", "-created_at"
    )


def previous_answers(*, user: User, pep: Pep, key: str) -> list[tuple[str, Any]]:
    """A section's answers in the PEP before this one, for "you said, we did": the child's
    views last time, beside what is being recorded now."""
    if pep.previous_id is None:
        return []
    previous = (
        PepSection.objects.filter(pep_id=pep.previous_id, key=key)
        .filter(pep__in=scope_queryset(user, Action.VIEW_PEP, Pep.objects.all()))
        .select_related("pep")
        .first()
    )
    if previous is None:
        return []
    spec = SECTIONS_BY_KEY[key]
    fields = spec.fields_for(previous.pep.template)
    return [
        (f.label, display_answer(f, previous.answers.get(f.name)))
        for f in fields
        if previous.answers.get(f.name) not in (None, "")
    ]


# --- an initial PEP and the review terms it stands for ----------------------------------------


def initial_pep_terms(
    windows: Iterable[deadlines.ReviewWindow], child_ids: Iterable[int]
) -> dict[int, set[tuple[int, str]]]:
    """{child: {(academic year, term code)}}: the review terms each child's initial PEPs stand
    for, by the one rule (deadlines.initial_pep_review_terms). The termly set-up and the
    school-change rule ask this so that no child gets a second PEP for such a term."""
    windows = tuple(windows)
    found: dict[int, set[tuple[int, str]]] = defaultdict(set)
    initial = Pep.objects.filter(child_id__in=list(child_ids), term=Term.INITIAL).values_list(
        "child_id", "starts_on", "created_at", "due_on"
    )
    for child_id, starts_on, created_at, due_on in initial:
        start = starts_on or timezone.localtime(created_at).date()
        for term in deadlines.initial_pep_review_terms(windows, starts_on=start, due_on=due_on):
            found[child_id].add((term.academic_year, term.code))
    return found


def last_pep_notice(pep: Pep, child: Child | None = None) -> str:
    """On a young person's last PEP (they turn 18 before the next review term opens, so no
    PEP follows: the termly set-up stops at 18) a pointer to the pathway plan that takes over.
    Empty otherwise. `child`: the PEP's child where the caller holds it (the child's page)."""
    if pep.starts_on is None:
        return ""
    child = child if child is not None and child.pk == pep.child_id else pep.child
    eighteenth = eighteenth_birthday(child.date_of_birth)
    if eighteenth > pep.starts_on + dt.timedelta(days=366):
        return ""  # a year or more away: no need to ask the rules
    try:
        windows = rules_for_authority(child.authority).review_windows
    except RulesMissing:
        windows = None
    turns_18 = deadlines.last_pep_turns_18_on(
        windows, eighteenth=eighteenth, starts_on=pep.starts_on
    )
    if turns_18 is None:
        return ""
    return (
        f"This is {child.display_name}'s last PEP: they turn 18 on "
        f"{deadlines.long_date(turns_18)} and leave the PEP process. Their pathway plan, "
        "written with the leaving care service, takes over: carry this PEP's education, "
        "employment and training goals into it."
    )


def initial_pep_warning(pep: Pep) -> str:
    """On an initial PEP (and its child's page): a warning where the PEP is due after the
    first statutory review of the child's care plan, 20 working days after entry to care, so
    it would not be ready for it. Empty otherwise."""
    if pep.term != Term.INITIAL or pep.starts_on is None:
        return ""
    review = deadlines.initial_pep_after_first_review(
        entered_care=pep.starts_on, initial_pep_due_on=pep.due_on
    )
    if review is None or pep.due_on is None:
        return ""
    return (
        f"This initial PEP is due on {deadlines.long_date(pep.due_on)}, after the first review "
        f"of the care plan ({deadlines.long_date(review)}, "
        f"{deadlines.FIRST_CARE_REVIEW_WORKING_DAYS} working days after entering care): hold "
        "the PEP meeting before the review so the plan is ready for it."
    )
