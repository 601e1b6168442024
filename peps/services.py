"""Every write to a PEP: setting it up, saving and completing sections, and each move through
the workflow. Each transition checks who may make it and refuses, with a reason, when its
conditions are not met; each is recorded as a PepEvent."""

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, JSONField, Model, Q
from django.utils import timezone

from children.access import previous_school_access_grant
from children.models import CareEpisode, Child, Enrolment
from children.school_year import (
    ADULT_AGE,
    YOUNGEST_AGE,
    PepTemplate,
    academic_year_start,
    age_on,
    pep_template_for,
)
from children.selectors import school_sections_at_setting_of
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.audit.services import history_copy_from_rows
from pep_portal.calendars import deadlines
from pep_portal.calendars.deadlines import PepRules
from pep_portal.calendars.selectors import (
    RulesMissing,
    calendar_for_school,
    deadlines_for_child,
    rules_for_authority,
)
from pep_portal.text import contains_nul, without_nul

from .models import (
    EDITABLE_STATUSES,
    FINISHED_STATUSES,
    Attachment,
    Pep,
    PepEvent,
    PepSection,
    PepSnapshot,
    PepStatus,
    SectionDraft,
    SectionStatus,
    Term,
)
from .records import records_state_for
from .rules import can_edit_section
from .sections import (
    DEFAULT_BEFORE_MEETING,
    SECTIONS_BY_KEY,
    Kind,
    SectionOwner,
    SectionSpec,
    check_answers,
    needed_before_meeting,
    sections_for,
    with_records,
)
from .selectors import completeness, initial_pep_terms
from .signals import (
    pep_returned,
    pep_section_saved,
    pep_signed_off,
    pep_was_set_up,
    peps_were_set_up,
)

# A draft whose starting version is not known (a page that sent none, or a tampered one):
# versions start at 1, so such a draft always needs its author to choose between the versions.
UNKNOWN_VERSION = 0
# The largest version PostgreSQL's positive integer column holds.
MAX_VERSION = 2_147_483_647


class EditConflict(Exception):
    """Someone saved the section after this user opened it (or the version they started from
    is not known). Nothing was overwritten; `section` is the version now saved."""

    def __init__(self, section: PepSection) -> None:
        self.section = section
        super().__init__("Someone else saved this section while you were editing it")


def known_version(version: int | None) -> int:
    """`version` if it can be a section's version, otherwise UNKNOWN_VERSION."""
    if isinstance(version, int) and 1 <= version <= MAX_VERSION:
        return version
    return UNKNOWN_VERSION


def _log(pep: Pep, actor: User | None, to_status: str, reason: str = "") -> None:
    PepEvent.objects.create(
        pep=pep, from_status=pep.status, to_status=to_status, actor=actor, reason=reason
    )


def _current(pep: Pep) -> Pep:
    """The PEP as it is now, locked until the transaction ends: two people moving the same PEP
    at once are taken one after the other, each seeing the other's move."""
    fresh = Pep.objects.select_for_update().get(pk=pep.pk)
    pep.status = fresh.status
    return pep


def _move(pep: Pep, actor: User | None, to_status: str, reason: str = "", **fields: Any) -> Pep:
    _log(pep, actor, to_status, reason)
    pep.status = to_status
    for name, value in fields.items():
        setattr(pep, name, value)
    pep._history_user = actor
    pep.save()
    return pep


@dataclass(frozen=True)
class PepDates:
    """When a new PEP starts (its template follows the child's school year on that day), when
    its meeting is due and why, or no due date and the reason there is none (no rules or no
    term dates loaded) rather than a guess. `early_years_from`: where the authority has an
    early-years rule, the start of the term of the child's first early-years PEP (from then
    they have PEPs on the EYFS template, whatever their school year)."""

    starts_on: dt.date
    due_on: dt.date | None
    due_basis: str
    early_years_from: dt.date | None = None
    # The authority's youngest age on the roll (its rule set's), for the template.
    youngest_age: int = YOUNGEST_AGE


def pep_close(*, actor: User | None, pep: Pep, reason: str) -> Pep:
    """Close an unfinished PEP because the child left care (peps/leaving_care.py), or because
    the initial PEP of their coming back into care is that term's PEP: kept and read-only; the
    reason is in its log. Called inside the leaving (or re-entry) service's transaction."""
    pep = _current(pep)
    if pep.status in (PepStatus.SIGNED_OFF, PepStatus.CLOSED):
        return pep
    return _move(pep, actor, PepStatus.CLOSED, reason[:300])


def pep_dates(
    child: Child, academic_year: int, term: str, *, rules: PepRules | None = None
) -> PepDates:
    """Asked of the deadline engine, with the rule set and the calendar fetched once (or
    given: the termly set-up fetches each authority's once for all its children)."""
    try:
        rules = rules or rules_for_authority(child.authority)
    except RulesMissing:
        return _pep_dates(child, academic_year, term, rules=None)
    dates = _pep_dates(child, academic_year, term, rules=rules)
    return replace(dates, youngest_age=rules.youngest_age)


def _pep_dates(
    child: Child, academic_year: int, term: str, *, rules: PepRules | None = None
) -> PepDates:
    try:
        rules = rules or rules_for_authority(child.authority)
    except RulesMissing as missing:
        if term == Term.INITIAL:
            return _initial_pep_dates(child, None)
        # Without rules, the statutory terms: the template follows the child's school year.
        window = next(w for w in deadlines.STATUTORY_REVIEW_WINDOWS if w.code == term)
        return PepDates(window.bounds(academic_year)[0], None, str(missing))
    first = deadlines.early_years_first_term(rules, date_of_birth=child.date_of_birth)
    early_years_from = first.start if first is not None else None
    if term == Term.INITIAL:
        return _initial_pep_dates(child, rules, early_years_from)
    try:
        deadline = deadlines.review_pep_due(rules, academic_year, term)
    except KeyError:
        window = next(w for w in deadlines.STATUTORY_REVIEW_WINDOWS if w.code == term)
        return PepDates(
            window.bounds(academic_year)[0],
            None,
            f"{child.authority.name}'s rules have no {Term(term).label} review term",
        )
    if first is not None and (first.code, first.academic_year) == (term, academic_year):
        # The child's first early-years PEP: due by the early-years rule, not the term's end.
        try:
            child_deadlines = deadlines_for_child(child, on=first.start, rules=rules)
            early = child_deadlines.early_years_first_pep(date_of_birth=child.date_of_birth)
        except deadlines.CalendarMissing as missing:
            return PepDates(first.start, None, str(missing), early_years_from)
        deadline = early or deadline
        return PepDates(first.start, deadline.due, deadline.rule, early_years_from)
    return PepDates(deadline.counted_from, deadline.due, deadline.rule, early_years_from)


def _initial_pep_dates(
    child: Child, rules: PepRules | None, early_years_from: dt.date | None = None
) -> PepDates:
    episode = child.episodes.filter(ended_on__isnull=True).first()
    if episode is None:
        return PepDates(timezone.localdate(), None, "The child is not in care")
    if rules is None:
        return PepDates(episode.started_on, None, str(RulesMissing(child.authority)))
    try:
        deadline = deadlines_for_child(child, on=episode.started_on, rules=rules).initial_pep(
            entered_care=episode.started_on, emergency=episode.emergency_placement
        )
    except deadlines.CalendarMissing as missing:
        return PepDates(episode.started_on, None, str(missing), early_years_from)
    return PepDates(episode.started_on, deadline.due, deadline.rule, early_years_from)


def _template_on(child: Child, day: dt.date, dates: PepDates) -> str:
    """The template for the child's age on `day` (children.school_year.pep_template_for)."""
    if age_on(child.date_of_birth, day) >= ADULT_AGE:
        raise ValidationError(
            "PEPs end at 18: this young person's pathway plan, with the leaving care service, "
            "follows their last PEP"
        )
    template = pep_template_for(
        child.date_of_birth,
        day,
        youngest_age=dates.youngest_age,
        early_years_by_age=dates.early_years_from is None,
    )
    if template is None and dates.early_years_from is not None and day >= dates.early_years_from:
        return PepTemplate.EYFS  # the authority's early-years rule starts PEPs sooner
    if template is None:
        raise ValidationError(
            f"PEPs start at age {dates.youngest_age} here: this child is too young for one"
        )
    return template


def _carry_forward(section: PepSection, previous: PepSection | None, spec: SectionSpec) -> None:
    """Start from last term's answers where the question carries forward, marked as carried
    until its owner confirms or changes them."""
    if previous is None:
        return
    carried = {
        f.name: previous.answers[f.name]
        for f in spec.fields_for(section.pep.template)
        if f.carries_forward and previous.answers.get(f.name) not in (None, "")
    }
    if carried:
        section.answers = carried
        section.carried_forward = sorted(carried)
        section.status = SectionStatus.IN_PROGRESS


def _review_windows(child: Child) -> tuple[deadlines.ReviewWindow, ...]:
    """The review terms of the child's authority (its rule set's), or the statutory ones
    without rules."""
    try:
        return tuple(rules_for_authority(child.authority).review_windows)
    except RulesMissing:
        return deadlines.STATUTORY_REVIEW_WINDOWS


def _initial_pep_is_the_terms(child: Child, academic_year: int, term: str) -> bool:
    """Whether one of the child's initial PEPs stands for this review term, by the one rule
    (deadlines.initial_pep_review_terms, asked through selectors.initial_pep_terms)."""
    standing = initial_pep_terms(_review_windows(child), [child.pk])
    return (academic_year, term) in standing.get(child.pk, set())


@transaction.atomic
def pep_set_up(
    *, actor: User | None, child: Child, academic_year: int, term: str, on: dt.date | None = None
) -> Pep:
    """Create a child's PEP for a term (or their initial PEP), with every section of the
    template for their age, carried forward from their last PEP. `actor` None means the
    portal itself (the termly set-up job)."""
    if actor is not None and not user_can(actor, Action.CHANGE_CHILD, child):
        raise PermissionDenied
    if (
        term != Term.INITIAL
        and Pep.objects.filter(child=child, academic_year=academic_year, term=term).exists()
    ):
        raise ValidationError({"term": "This child already has a PEP for that term"})
    if term != Term.INITIAL and _initial_pep_is_the_terms(child, academic_year, term):
        title = Pep(academic_year=academic_year, term=term).title
        raise ValidationError(
            {
                "term": f"This child's initial PEP is their {title}, so they need no other PEP "
                "for that term: work on the initial PEP instead, or choose another term"
            }
        )
    if child.episodes.filter(ended_on__isnull=True).count() == 0:
        raise ValidationError("This child is not in care, so they do not need a PEP")
    dates = pep_dates(child, academic_year, term)
    starts_on = on or dates.starts_on
    previous = Pep.objects.filter(child=child).order_by("-created_at", "-pk").first()
    pep = Pep(
        child=child,
        academic_year=academic_year,
        term=term,
        template=_template_on(child, starts_on, dates),
        previous=previous,
        due_on=dates.due_on,
        due_basis=dates.due_basis,
        starts_on=starts_on,
        created_by=actor,
    )
    pep._history_user = actor
    pep.save()
    previous_sections = {s.key: s for s in previous.sections.all()} if previous is not None else {}
    for spec in sections_for(pep.template):
        section = PepSection(pep=pep, key=spec.key)
        _carry_forward(section, previous_sections.get(spec.key), spec)
        section._history_user = actor
        section.save()
    _log(pep, actor, PepStatus.DRAFT)
    # meetings arranges the next meeting agreed at the last one (meetings/receivers.py).
    pep_was_set_up.send(sender=Pep, pep=pep)
    return pep


def _latest_peps(child_ids: list[int]) -> dict[int, Pep]:
    """Each child's latest PEP (as pep_set_up picks `previous`), in one query."""
    latest = (
        Pep.objects.filter(child_id__in=child_ids)
        .order_by("child_id", "-created_at", "-pk")
        .distinct("child_id")
    )
    return {pep.child_id: pep for pep in latest}


def _insert_sections(sections: list[PepSection]) -> None:
    """New PEPs' sections in one COPY (the fastest way PostgreSQL takes many rows): every
    column the model has, with the values PepSection(...).save() would write. The columns
    come from the model, so a field added later is written too."""
    if not sections:
        return
    quote = connection.ops.quote_name
    fields = [f for f in PepSection._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {quote(PepSection._meta.db_table)} ({columns}) FROM STDIN"
        ) as copy,
    ):
        # Each field's conversion chosen once, not once a row (300,000 sections a term at
        # 30,000 children): JSON as its text; the others as Django prepares them, except
        # plain values psycopg takes as they are.
        plain = (str, int, bool, type(None))
        convert = [
            (lambda v: json.dumps(v))
            if isinstance(f, JSONField)
            else (lambda v, f=f: v if isinstance(v, plain) else f.get_db_prep_save(v, connection))
            for f in fields
        ]
        attnames = [f.attname for f in fields]
        for section in sections:
            values = section.__dict__
            copy.write_row([c(values[a]) for c, a in zip(convert, attnames, strict=True)])


def pep_set_up_many(
    *, children: list[Child], academic_year: int, term: str, rules: PepRules
) -> list[Pep]:
    """The termly set-up's batch: for each child, the PEP, sections, status event and history
    rows that pep_set_up(actor=None, ...) writes, with the same values, in a few statements
    (tests/notifications/test_set_up_batched.py compares the two paths). Children who already
    have the term's PEP are skipped, so running it again creates nothing, and so are children
    whose initial PEP is the term's PEP (pep_set_up refuses them: the one rule,
    deadlines.initial_pep_review_terms). Call inside a transaction. pep_set_up writes no access
    rows (access follows the child's care team, not the PEP), so neither does this."""
    have = set(
        Pep.objects.filter(child__in=children, academic_year=academic_year, term=term).values_list(
            "child_id", flat=True
        )
    )
    standing = initial_pep_terms(rules.review_windows, [c.pk for c in children if c.pk not in have])
    have |= {child_id for child_id, terms in standing.items() if (academic_year, term) in terms}
    children = [c for c in children if c.pk not in have]
    if not children:
        return []
    previous_of = _latest_peps([c.pk for c in children])
    sections_of: dict[int, dict[str, PepSection]] = {}
    for section in PepSection.objects.filter(pep__in=list(previous_of.values())):
        sections_of.setdefault(section.pep_id, {})[section.key] = section
    now = timezone.now()
    peps = []
    for child in children:
        dates = pep_dates(child, academic_year, term, rules=rules)
        peps.append(
            Pep(
                child=child,
                academic_year=academic_year,
                term=term,
                template=_template_on(child, dates.starts_on, dates),
                previous=previous_of.get(child.pk),
                due_on=dates.due_on,
                due_basis=dates.due_basis,
                starts_on=dates.starts_on,
                created_by=None,
                created_at=now,
            )
        )
    peps = Pep.objects.bulk_create(peps, batch_size=1000)
    history_copy_from_rows(Pep, [p.pk for p in peps], now)
    sections = []
    for pep in peps:
        previous_sections = sections_of.get(pep.previous_id, {}) if pep.previous_id else {}
        for spec in sections_for(PepTemplate(pep.template)):
            section = PepSection(pep=pep, key=spec.key)
            _carry_forward(section, previous_sections.get(spec.key), spec)
            sections.append(section)
    _insert_sections(sections)
    pep_ids = [p.pk for p in peps]
    section_ids = list(PepSection.objects.filter(pep_id__in=pep_ids).values_list("pk", flat=True))
    history_copy_from_rows(PepSection, section_ids, now)
    PepEvent.objects.bulk_create(
        [
            PepEvent(pep=pep, from_status=pep.status, to_status=PepStatus.DRAFT, at=now)
            for pep in peps
        ],
        batch_size=2000,
    )
    peps_were_set_up.send(sender=Pep, peps=peps)
    return peps


@transaction.atomic
def pep_set_up_initial(*, actor: User | None, child: Child, episode: CareEpisode) -> Pep:
    """The PEP of a child who has just entered (or come back into) care, due by the
    authority's rules for an emergency or a planned placement, counted from the day they
    became looked after. It is the PEP of every review term it overlaps
    (deadlines.initial_pep_review_terms). `actor` None means the portal itself."""
    pep = pep_set_up(
        actor=actor,
        child=child,
        academic_year=academic_year_start(episode.started_on),
        term=Term.INITIAL,
        on=episode.started_on,
    )
    _replace_termly_peps(actor, pep, episode)
    return pep


def _replace_termly_peps(actor: User | None, initial: Pep, episode: CareEpisode) -> None:
    """Coming back into care during a term that already has its termly PEP: by the one rule
    (deadlines.initial_pep_review_terms) the new initial PEP is the PEP of that term, so a
    termly PEP of such a term still open (the child's leaving did not close it) is closed,
    its answers carried forward into the initial PEP (pep_set_up carries the latest PEP's).
    One signed off or closed already stays on the record as it is."""
    terms = deadlines.initial_pep_review_terms(
        _review_windows(initial.child),
        starts_on=episode.started_on,
        due_on=initial.due_on,
    )
    if not terms:
        return
    reason = (
        f"The child came back into care on {episode.started_on:%d %B %Y}: the initial PEP is "
        "this term's PEP"
    )
    termly = (
        Pep.objects.select_for_update()
        .filter(child_id=initial.child_id, created_at__lte=initial.created_at)
        .exclude(pk=initial.pk)
        .exclude(term=Term.INITIAL)
        .exclude(status__in=FINISHED_STATUSES)
    )
    for pep in termly:
        if any((t.academic_year, t.code) == (pep.academic_year, pep.term) for t in terms):
            pep_close(actor=actor, pep=pep, reason=reason)


def peps_review_pp_plus(*, pep_ids: list[int]) -> int:
    """These PEPs review the Pupil Premium Plus approved at the PEP before each (pupil_premium
    says which): their PP+ section then needs its spend and impact answered to be complete.
    PEPs signed off or closed are left as they are. Returns how many were marked."""
    return (
        Pep.objects.filter(pk__in=pep_ids, reviews_pp_plus=False)
        .exclude(status__in=FINISHED_STATUSES)
        .update(reviews_pp_plus=True)
    )


def _has_school_place(child: Child) -> bool:
    return school_sections_at_setting_of(child)


def may_edit(user: User, section: PepSection) -> bool:
    spec = SECTIONS_BY_KEY[section.key]
    return can_edit_section(
        user, section.pep, spec.owner, has_school_place=_has_school_place(section.pep.child)
    )


def _require_edit(actor: User, section: PepSection) -> None:
    _current(section.pep)  # a sign-off or submission a moment ago counts
    if section.pep.is_locked:
        raise ValidationError("This PEP has been signed off and can no longer be changed")
    if section.pep.status == PepStatus.SUBMITTED:
        raise ValidationError(
            "This PEP is with the virtual school for quality assurance: it can be changed "
            "again if they return it"
        )
    if not may_edit(actor, section):
        raise PermissionDenied


@transaction.atomic
def section_save(
    *,
    actor: User,
    section: PepSection,
    answers: dict[str, Any],
    base_version: int | None,
    confirm_carried: bool = False,
) -> PepSection:
    """Save a section's answers, unless someone else saved it since `base_version` was read:
    then raise EditConflict and change nothing (the user's answers stay in their draft).

    After a conflict, the user who has seen the other version and chooses to keep their own
    saves again with `base_version` set to the version they were shown: if nobody saved
    since, theirs goes on top of it; if someone did, that is a new conflict."""
    _require_edit(actor, section)
    spec = SECTIONS_BY_KEY[section.key]
    initial = section.pep.term == Term.INITIAL  # asks nothing about a last PEP
    names = {f.name for f in spec.fields_for(section.pep.template, initial=initial)}
    answers = {name: value for name, value in answers.items() if name in names}
    if any(contains_nul(value) for value in answers.values()):
        # The form refuses these with a message; PostgreSQL cannot store them at all.
        raise ValidationError("Remove the hidden characters (null characters) from the answers")
    # Types, ranges and choices, from the section's definition: the form shows the same words.
    answers, errors = check_answers(spec, section.pep.template, answers, initial=initial)
    if errors:
        raise ValidationError(errors)
    if known_version(base_version) == UNKNOWN_VERSION:
        raise EditConflict(PepSection.objects.select_related("updated_by").get(pk=section.pk))
    previous = section.answers
    # A carried-forward answer stops being "carried" once changed, or confirmed as it is.
    carried = (
        []
        if confirm_carried
        else [name for name in section.carried_forward if answers.get(name) == previous.get(name)]
    )
    now = completeness(spec, section.pep, answers, records_state_for(section.pep, [spec]))
    complete = (
        section.status == SectionStatus.COMPLETE
        and not carried
        and not now.missing
        and not now.unconfirmed
        and not now.contradicted
    )
    updated = PepSection.objects.filter(pk=section.pk, version=base_version).update(
        answers=answers,
        carried_forward=carried,
        status=SectionStatus.COMPLETE if complete else SectionStatus.IN_PROGRESS,
        version=F("version") + 1,
        updated_at=timezone.now(),
        updated_by=actor,
    )
    if not updated:
        raise EditConflict(PepSection.objects.select_related("updated_by").get(pk=section.pk))
    section.refresh_from_db()
    # update() skips django-simple-history; record the saved version explicitly.
    section._history_user = actor
    section.save(update_fields=["answers"])
    pep_section_saved.send(sender=PepSection, section=section, actor=actor)
    SectionDraft.objects.filter(section=section, author=actor).delete()
    if _current(section.pep).status == PepStatus.DRAFT:
        _move(section.pep, actor, PepStatus.IN_PROGRESS)
    return section


def sections_reopen_for_records(
    *,
    child_ids: list[int],
    academic_year: int,
    term: str,
    starts_between: tuple[dt.date, dt.date],
    records: str,
) -> int:
    """A term's records of a kind (sections.ATTENDANCE, ATTAINMENT…) were filled in for the
    designated teacher to confirm (a school's data file imported): the sections they answer,
    in the children's open PEPs of that term (its termly PEP, or an initial PEP starting in
    it), are no longer complete, so they are confirmed before the PEP goes on. Kept in each
    section's history. Returns how many sections were reopened."""
    keys = [
        spec.key
        for spec in SECTIONS_BY_KEY.values()
        if any(f.kind == Kind.RECORDS and f.records == records for f in spec.fields)
    ]
    first, last = starts_between
    sections = list(
        PepSection.objects.select_for_update()
        .filter(
            pep__child_id__in=child_ids,
            pep__status__in=EDITABLE_STATUSES,
            key__in=keys,
            status=SectionStatus.COMPLETE,
        )
        .filter(
            Q(pep__academic_year=academic_year, pep__term=term)
            | Q(pep__term=Term.INITIAL, pep__starts_on__range=(first, last))
        )
    )
    for section in sections:
        section.status = SectionStatus.IN_PROGRESS
        section._history_user = None
        section.save(update_fields=["status"])
    return len(sections)


@transaction.atomic
def section_save_draft(
    *, actor: User, section: PepSection, answers: dict[str, Any], base_version: int | None
) -> SectionDraft:
    """Keep what someone has typed, unvalidated, so nothing is lost to a timeout. The draft
    remembers the version it started from (UNKNOWN_VERSION if that is not a real version), so
    that reopening a draft someone else has since overtaken shows both versions."""
    _require_edit(actor, section)
    draft, _ = SectionDraft.objects.update_or_create(
        section=section,
        author=actor,
        defaults={
            # Anything typed is kept, except what PostgreSQL cannot store.
            "answers": without_nul(answers),
            "base_version": known_version(base_version),
            "saved_at": timezone.now(),
        },
    )
    return draft


@transaction.atomic
def section_discard_draft(*, actor: User, section: PepSection) -> None:
    """The user takes the saved version instead of their draft (after an edit conflict)."""
    if not may_edit(actor, section):
        raise PermissionDenied
    SectionDraft.objects.filter(section=section, author=actor).delete()


def section_complete_refusal(section: PepSection) -> ValidationError | None:
    """What stops the section being marked complete, or None: each problem against its own
    question (its field's name), so the section's page can link each to its box."""
    spec = SECTIONS_BY_KEY[section.key]
    # An answer stored before it was checked (or by another route) is refused here too.
    initial = section.pep.term == Term.INITIAL
    _, errors = check_answers(spec, section.pep.template, section.answers, initial=initial)
    problems: dict[str, list[str]] = {name: [message] for name, message in errors.items()}
    now = completeness(spec, section.pep, section.answers, records_state_for(section.pep, [spec]))
    for field in now.missing:
        problems.setdefault(field.name, []).append(
            f"Record “{field.label}”" if field.kind == Kind.RECORDS else f"Answer “{field.label}”"
        )
    for field in now.unconfirmed:
        problems.setdefault(field.name, []).append(
            f"Confirm or change “{field.label}”, carried forward from last term or imported "
            "from the school's data file"
        )
    for field, message in now.contradicted:
        problems.setdefault(field.name, []).append(message)
    labels = {f.name: f.label for f in spec.fields}
    for name in section.carried_forward:
        problems.setdefault(name, []).append(
            f"Confirm or change “{labels[name]}”, carried forward from the last PEP"
        )
    return ValidationError(problems) if problems else None


@transaction.atomic
def section_mark_complete(*, actor: User, section: PepSection) -> PepSection:
    """The owner says the section is done: refused, listing what is missing, if it is not."""
    _require_edit(actor, section)
    refusal = section_complete_refusal(section)
    if refusal is not None:
        raise refusal
    section.status = SectionStatus.COMPLETE
    section.completed_at = timezone.now()
    section.completed_by = actor
    section._history_user = actor
    section.save(update_fields=["status", "completed_at", "completed_by"])
    if _current(section.pep).status == PepStatus.DRAFT:
        _move(section.pep, actor, PepStatus.IN_PROGRESS)
    return section


def before_meeting_for(pep: Pep) -> frozenset[str]:
    """The contributions the child's authority wants complete before the meeting (its rule
    set), else the designated teacher's sections."""
    try:
        return rules_for_authority(pep.child.authority).before_meeting
    except RulesMissing:
        return DEFAULT_BEFORE_MEETING


def _incomplete(
    pep: Pep, *, before_meeting: bool, sections: Iterable[PepSection] | None = None
) -> list[tuple[str, str]]:
    """(key, title) of each section needed now and not yet complete, in the PEP's order (of
    `sections` when the caller has them already)."""
    wanted = before_meeting_for(pep) if before_meeting else frozenset()
    found = []
    for section in pep.sections.all() if sections is None else sections:
        spec = SECTIONS_BY_KEY[section.key]
        needed = (
            needed_before_meeting(spec, wanted) if before_meeting else spec.needed_for_submission
        )
        if needed and section.status != SectionStatus.COMPLETE:
            found.append((spec.key, spec.title))
    return found


def _require(actor: User, action: Action, pep: Model) -> None:
    if not user_can(actor, action, pep):
        raise PermissionDenied


@transaction.atomic
def pep_mark_ready(*, actor: User, pep: Pep) -> Pep:
    """The contributions the authority's rule set wants before the meeting are complete (the
    school's sections, and where it says so the care information and the child's views): the
    meeting can go ahead."""
    _require(actor, Action.MARK_PEP_READY, pep)
    pep = _current(pep)
    refusal = ready_refusal(pep)
    if refusal is not None:
        raise refusal
    return _move(pep, actor, PepStatus.READY_FOR_MEETING)


def ready_refusal(pep: Pep, sections: Iterable[PepSection] | None = None) -> ValidationError | None:
    """What stops the PEP being marked ready for the meeting now, or None: each section still
    to complete against its own key (`section_<key>`), so the PEP page can show them on its
    task list before anyone tries and link each reason to its section; otherwise the PEP."""
    if pep.status not in (PepStatus.DRAFT, PepStatus.IN_PROGRESS):
        return ValidationError(f"A PEP that is “{pep.get_status_display()}” cannot be marked ready")
    incomplete = _incomplete(pep, before_meeting=True, sections=sections)
    if incomplete:
        return ValidationError(
            {
                f"section_{key}": f"Complete “{title}” before the meeting"
                for key, title in incomplete
            }
        )
    return None


@transaction.atomic
def pep_record_meeting_held(
    *, actor: User, pep: Pep, held_on: dt.date, meeting: Model | None = None
) -> Pep:
    """The meeting took place: the clock for the social worker's submission starts. Asked of
    the meeting when there is one (a designated teacher records the internal review they held),
    else of the PEP."""
    if meeting is not None and meeting.pep_id != pep.pk:
        raise PermissionDenied
    _require(actor, Action.RECORD_PEP_MEETING, meeting if meeting is not None else pep)
    pep = _current(pep)
    # A meeting can go ahead before anything is typed (a new child, a late school): the
    # record is made then; what is missing still blocks submission.
    if pep.status not in (PepStatus.DRAFT, PepStatus.IN_PROGRESS, PepStatus.READY_FOR_MEETING):
        raise ValidationError(
            f"A meeting cannot be recorded for a PEP that is “{pep.get_status_display()}”"
        )
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "Enter a date that is today or in the past"})
    try:
        submission_due_on = (
            deadlines_for_child(pep.child, on=held_on).submission(held_on=held_on).due
        )
    except (RulesMissing, deadlines.CalendarMissing):
        submission_due_on = None  # shown as "no date" with the reason on the PEP page
    return _move(
        pep,
        actor,
        PepStatus.MEETING_HELD,
        meeting_on=held_on,
        submission_due_on=submission_due_on,
    )


def submit_refusal(
    pep: Pep, sections: Iterable[PepSection] | None = None
) -> ValidationError | None:
    """What stops the PEP being submitted now, or None: each reason against what it is about,
    so a page can show them all before the person tries (and link each to its place): the
    meeting (`meeting`), each section still to complete (`section_<key>`), otherwise the PEP
    as a whole."""
    if pep.status not in (PepStatus.MEETING_HELD, PepStatus.RETURNED):
        if pep.status in (PepStatus.DRAFT, PepStatus.IN_PROGRESS, PepStatus.READY_FOR_MEETING):
            return ValidationError({"meeting": "Record the PEP meeting before submitting the PEP"})
        return ValidationError(f"A PEP that is “{pep.get_status_display()}” cannot be submitted")
    incomplete = _incomplete(pep, before_meeting=False, sections=sections)
    if incomplete:
        return ValidationError(
            {f"section_{key}": f"Complete “{title}” before submitting" for key, title in incomplete}
        )
    return None


@transaction.atomic
def pep_submit(*, actor: User, pep: Pep) -> Pep:
    """The social worker sends the PEP to the virtual school for quality assurance."""
    _require(actor, Action.SUBMIT_PEP, pep)
    pep = _current(pep)
    refusal = submit_refusal(pep)
    if refusal is not None:
        raise refusal
    return _move(pep, actor, PepStatus.SUBMITTED, submitted_at=timezone.now())


@transaction.atomic
def pep_return(*, actor: User, pep: Pep, reason: str, on: dt.date | None = None) -> Pep:
    """The virtual school sends the PEP back, always saying what must change; it is due back
    by the submission rule counted from `on` (today)."""
    _require(actor, Action.REVIEW_PEP, pep)
    pep = _current(pep)
    if pep.status != PepStatus.SUBMITTED:
        raise ValidationError("Only a PEP submitted for quality assurance can be returned")
    if not reason.strip():
        raise ValidationError({"reason": "Enter what needs to change"})
    returned_on = on or timezone.localdate()
    try:
        # Due back as a submission is after a meeting, counted from the return.
        resubmit_by = deadlines_for_child(pep.child, on=returned_on).resubmission(
            returned_on=returned_on
        )
        due: dt.date | None = resubmit_by.due
    except (RulesMissing, deadlines.CalendarMissing):
        due = None
    returned = _move(pep, actor, PepStatus.RETURNED, reason=reason.strip(), submission_due_on=due)
    event = PepEvent.objects.filter(pep=pep, to_status=PepStatus.RETURNED).latest("pk")
    pep_returned.send(sender=Pep, pep=returned, actor=actor, event=event)
    return returned


def pep_snapshot(pep: Pep) -> dict[str, Any]:
    """Everything the PEP says, frozen: shown (and printed) as it was signed off."""
    child = pep.child
    sections = list(pep.sections.select_related("updated_by"))
    states = records_state_for(pep, [SECTIONS_BY_KEY[s.key] for s in sections])
    return {
        "title": pep.title,
        "template": pep.template,
        "child": {
            "display_name": child.display_name,
            "legal_name": f"{child.legal_first_name} {child.legal_last_name}",
            "date_of_birth": child.date_of_birth.isoformat(),
            "upn": child.upn,
        },
        "sections": [
            {
                "key": s.key,
                # The RECORDS questions as they stood at sign-off (sections.with_records).
                "answers": with_records(SECTIONS_BY_KEY[s.key], s.answers, states),
                "previously_recorded": s.previously_recorded,
                "status": s.status,
                "updated_by": s.updated_by.full_name if s.updated_by else "",
                "version": s.version,
            }
            for s in sections
        ],
        "meeting_on": pep.meeting_on.isoformat() if pep.meeting_on else None,
        "due_on": pep.due_on.isoformat() if pep.due_on else None,
    }


@transaction.atomic
def pep_sign_off(*, actor: User, pep: Pep) -> Pep:
    """The virtual school signs the PEP off: it becomes read-only, kept exactly as it is."""
    _require(actor, Action.REVIEW_PEP, pep)
    pep = _current(pep)
    if pep.status != PepStatus.SUBMITTED:
        raise ValidationError("Only a PEP submitted for quality assurance can be signed off")
    snapshot = pep_snapshot(pep)
    signed = _move(
        pep, actor, PepStatus.SIGNED_OFF, signed_off_at=timezone.now(), signed_off_by=actor
    )
    # Kept beside the PEP, not in its row (PepSnapshot); the move above is its audit.
    PepSnapshot.objects.create(pep=signed, content=snapshot)
    # The signed-off PDF is made from the day's data and kept (documents/receivers.py).
    pep_signed_off.send(sender=Pep, pep=signed, actor=actor)
    return signed


@transaction.atomic
def attachment_add(*, actor: User, pep: Pep, upload: Any, description: str = "") -> Attachment:
    """Attach a document to a PEP, checked by its content (peps/attachments.py), stored
    outside the web root under a meaningless name."""
    from .attachments import check_attachment

    if not user_can(actor, Action.ADD_ATTACHMENT, pep):
        raise PermissionDenied
    if pep.is_locked:
        raise ValidationError("This PEP has been signed off: nothing more can be attached")
    checked = check_attachment(upload.name, upload, getattr(upload, "size", None))
    attachment = Attachment(
        pep=pep,
        name=checked.safe_name,
        description=description.strip(),
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    upload.seek(0)
    attachment.file.save(checked.safe_name, upload, save=False)
    attachment._history_user = actor
    attachment.save()
    return attachment


# --- a change of school -----------------------------------------------------------------------


@transaction.atomic
def pep_school_move_follow(
    *,
    actor: User | None,
    child: Child,
    previous: Enrolment | None,
    enrolment: Enrolment | None,
    moved_on: dt.date,
) -> Pep | None:
    """What a change of school means for the child's PEPs (children.services.school_move
    announces it): the rule set's school-change rule (a review within its days: the open PEP
    is brought forward, or a new PEP set up, due by the deadline engine's date); the previous
    school's designated teacher keeps read-only access to the PEPs it contributed to for the
    rule set's number of days; its unfinished sections are handed over with a note. Returns
    the PEP the school-change rule made due, if any."""
    try:
        rules: PepRules | None = rules_for_authority(child.authority)
    except RulesMissing:
        rules = None
    if previous is not None:
        until = _previous_school_access_ends(child, previous, rules, moved_on)
        previous_school_access_grant(
            child=child, school_id=previous.school_id, moved_on=moved_on, until=until, actor=actor
        )
        _hand_over_sections(child, previous, enrolment, moved_on)
    if rules is None or previous is None or enrolment is None:
        return None
    return _apply_school_change_rule(actor, child, rules, moved_on)


def _previous_school_access_ends(
    child: Child, previous: Enrolment, rules: PepRules | None, moved_on: dt.date
) -> dt.date:
    """The last day of the previous school's read-only window, counted by the deadline engine
    in the rule set's unit on the previous school's calendar. Its term dates not loaded: the
    same count in working days (the calendar warning tells the administrators), so the
    window is never left open without an end."""
    calendar = calendar_for_school(previous.school, responsible=child.authority)
    try:
        return deadlines.previous_school_access_ends(rules, calendar, moved_on=moved_on).due
    except deadlines.CalendarMissing:
        count = rules.previous_school_access if rules else PepRules.previous_school_access
        return deadlines.add_working_days(moved_on, count.days)


def _hand_over_sections(
    child: Child, previous: Enrolment, enrolment: Enrolment | None, moved_on: dt.date
) -> None:
    """The previous school's unfinished sections in the open PEPs pass to whoever now writes
    them (the new school, or the social worker without a school place), with a note."""
    to = enrolment.school.name if enrolment is not None else "the social worker (no school place)"
    note = (
        f"Started by {previous.school.name}; handed over to {to} on {deadlines.long_date(moved_on)}"
        " when the child changed school. Check the answers and finish the section."
    )
    school_keys = [
        s.key for s in SECTIONS_BY_KEY.values() if s.owner is SectionOwner.DESIGNATED_TEACHER
    ]
    sections = PepSection.objects.filter(
        pep__child=child, pep__status__in=EDITABLE_STATUSES, key__in=school_keys
    ).exclude(status=SectionStatus.COMPLETE)
    sections.update(handover_note=note)


BEFORE_THE_MEETING = (PepStatus.DRAFT, PepStatus.IN_PROGRESS, PepStatus.READY_FOR_MEETING)


def _apply_school_change_rule(
    actor: User | None, child: Child, rules: PepRules, moved_on: dt.date
) -> Pep | None:
    try:
        deadline = deadlines_for_child(child, on=moved_on, rules=rules).school_change_pep(
            changed_on=moved_on
        )
    except deadlines.CalendarMissing:
        return None  # the calendar warning tells the administrators; the sweep retries
    if deadline is None:
        return None  # this authority asks for no new PEP after a change of school
    # A PEP whose meeting is still to come can be the review; one already held cannot.
    open_pep = (
        Pep.objects.select_for_update()
        .filter(child=child, status__in=BEFORE_THE_MEETING)
        .order_by("-created_at", "-pk")
        .first()
    )
    if open_pep is None:
        open_pep = _set_up_for_school_change(actor, child, rules, moved_on)
        if open_pep is None:
            return None
    elif open_pep.due_on is not None and open_pep.due_on <= deadline.due:
        return open_pep  # already due by then
    open_pep.due_on = deadline.due
    open_pep.due_basis = deadline.rule
    open_pep._history_user = actor
    open_pep.save(update_fields=["due_on", "due_basis"])
    return open_pep


def _set_up_for_school_change(
    actor: User | None, child: Child, rules: PepRules, moved_on: dt.date
) -> Pep | None:
    """No PEP is open: the review after the move is the PEP of the first term (this one or the
    next) the child has none for."""
    taken = set(
        Pep.objects.filter(child=child)
        .exclude(term=Term.INITIAL)
        .values_list("academic_year", "term")
    ) | initial_pep_terms(rules.review_windows, [child.pk]).get(child.pk, set())
    for term in (
        deadlines.term_of(rules, moved_on),
        deadlines.following_review_term(rules, moved_on),
    ):
        if term is not None and (term.academic_year, term.code) not in taken:
            return pep_set_up(
                actor=None, child=child, academic_year=term.academic_year, term=term.code
            )
    return None
