"""Fictional education outcomes for the demo seeds (pep_portal/demo.py, pep_portal/demo_bulk.py),
so the child's page, its chart and the virtual school's dashboard have something to show:
attendance for this school year's terms so far and last year's, suspensions and the odd
permanent exclusion, a few part-time timetables, and attainment on each key stage's scale.

Invented from a seeded random generator: nothing here is about a real child. Most children
attend well; some are under the persistent absence line and a few under the severe line,
about as often as the published figures for children in care.

Two ways in: through the services (`through_services=True`: checked, with alerts told, for the
small demo) or in bulk (a few INSERTs with their history, for thousands of children)."""

import datetime as dt
import random
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from children.models import Child
from pep_portal.audit.services import history_copy_from_rows
from pep_portal.calendars.choices import TermCode

from . import services
from .models import (
    AttainmentRecord,
    ExclusionEvent,
    ExclusionKind,
    PartTimeTimetable,
    Source,
    TermAttendance,
    term_index,
    term_of,
)
from .scales import SUBJECTS, ExclusionReason, KeyStage

TERMS = (TermCode.AUTUMN, TermCode.SPRING, TermCode.SUMMER)
# A term's first day and last day, as (month, day), in the year the term falls in.
TERM_DAYS = {
    TermCode.AUTUMN: ((9, 3), (12, 19)),
    TermCode.SPRING: ((1, 5), (3, 27)),
    TermCode.SUMMER: ((4, 13), (7, 22)),
}
# Subjects recorded per key stage (the first ones of each scale: the core subjects, or the
# first early learning goals).
SUBJECTS_PER_STAGE = 4


def terms_up_to(today: dt.date, count: int = 6) -> list[tuple[int, str]]:
    """The term `today` falls in and the `count - 1` before it, oldest first."""
    year, term = term_of(today)
    position = year * 3 + TERMS.index(TermCode(term))
    return [(p // 3, TERMS[p % 3].value) for p in range(position - count + 1, position + 1)]


def term_dates(academic_year: int, term: str) -> tuple[dt.date, dt.date]:
    (m1, d1), (m2, d2) = TERM_DAYS[TermCode(term)]
    calendar_year = academic_year if term == TermCode.AUTUMN else academic_year + 1
    return dt.date(calendar_year, m1, d1), dt.date(calendar_year, m2, d2)


@dataclass
class Invented:
    attendance: list[dict[str, Any]] = field(default_factory=list)
    exclusions: list[dict[str, Any]] = field(default_factory=list)
    part_time: list[dict[str, Any]] = field(default_factory=list)
    attainment: list[dict[str, Any]] = field(default_factory=list)


def _attendance(rng: random.Random, possible: int, pattern: str) -> dict[str, int]:
    rate = {
        "good": rng.uniform(0.92, 1.0),
        "persistent": rng.uniform(0.72, 0.895),
        "severe": rng.uniform(0.3, 0.49),
    }[pattern]
    present = int(possible * rate)
    absent = possible - present
    unauthorised = int(absent * rng.uniform(0.0, 0.5))
    return {
        "possible": possible,
        "present": present,
        "authorised": absent - unauthorised,
        "unauthorised": unauthorised,
    }


def _values(rng: random.Random, spec: Any, meets: bool) -> dict[str, Any]:
    """The subject's expected-standard answer, meeting it or not as `meets` says."""
    asked = spec.field(spec.expected_field)
    choices = [value for value, _ in asked.choices]
    wanted = [c for c in choices if (c in spec.expected_values) == meets] or choices
    return {spec.expected_field: rng.choice(wanted)}


PATTERNS = ("good", "persistent", "severe")


def invent(
    child: Child,
    today: dt.date,
    rng: random.Random,
    pattern: str = "",
    every_term: bool = True,
    full_terms: Collection[tuple[int, str]] = (),
) -> Invented:
    """One child's fictional outcomes, for the terms up to today's. `pattern` (good,
    persistent or severe) is the child's usual attendance; by default drawn at random, most
    attending well and some persistently or severely absent."""
    made = Invented()
    pattern = pattern or rng.choices(PATTERNS, weights=(78, 18, 4))[0]
    # How likely each subject is to meet the expected standard (children in care: about half).
    strength = rng.uniform(0.2, 0.8)
    for year, term in terms_up_to(today):
        stage = services.key_stage_for_term(child, year)
        if stage is None:
            continue
        first, last = term_dates(year, term)
        if first > today:
            continue
        school_days = ((min(last, today) - first).days + 1) * 5 // 7
        possible = max(2, school_days * 2)
        made.attendance.append(
            {"academic_year": year, "term": term, **_attendance(rng, possible, pattern)}
        )
        # Suspensions come with poor attendance more often, and most of all this term.
        likely = 0.06 if pattern == "good" else 0.6 if (year, term) == term_of(today) else 0.3
        if stage != KeyStage.EYFS and rng.random() < likely:
            made.exclusions.append(
                {
                    "kind": ExclusionKind.PERMANENT
                    if rng.random() < 0.04
                    else ExclusionKind.SUSPENSION,
                    "started_on": first + dt.timedelta(days=rng.randrange(0, 40)),
                    "sessions_lost": rng.choice((1, 2, 2, 4, 6, 10)),
                    "reason": rng.choice(ExclusionReason.values),
                }
            )
        # In bulk, attainment only in each school year's last term (the one the dashboard
        # counts): a third of the rows for a large seed. The values are drawn either way, so
        # the same generator gives the same figures in bulk and through the services.
        # And in `full_terms`: the terms of the PEPs a seed has answered, whose attainment
        # question is answered by these records.
        latest = (
            (year, term) == term_of(today) or term == TermCode.SUMMER or (year, term) in full_terms
        )
        for spec in [s for s in SUBJECTS[stage] if s.expected_field][:SUBJECTS_PER_STAGE]:
            values = _values(rng, spec, rng.random() < strength)
            if every_term or latest:
                made.attainment.append(
                    {
                        "academic_year": year,
                        "term": term,
                        "key_stage": stage.value,
                        "subject": spec.key,
                        "values": values,
                    }
                )
    # One event a day of each kind (as the school records them), none in the future.
    made.exclusions = list(
        {
            (e["kind"], e["started_on"]): e for e in made.exclusions if e["started_on"] <= today
        }.values()
    )
    if made.attendance and pattern != "good" and rng.random() < 0.3:
        year, term = terms_up_to(today, 1)[0]
        first, _ = term_dates(year, term)
        started = min(today, first + dt.timedelta(days=rng.randrange(0, 20)))
        made.part_time.append(
            {
                "started_on": started,
                "review_on": started + dt.timedelta(weeks=6),
                "hours_per_week": Decimal(rng.choice((10, 12.5, 15, 20))),
                "reason": rng.choice(
                    (
                        "A phased return after an exclusion",
                        "Settling in after a move of home",
                        "Anxiety about school: building up the hours with a key adult",
                    )
                ),
            }
        )
    return made


def seed_outcomes(
    children: list[Child],
    *,
    today: dt.date | None = None,
    rng: random.Random | None = None,
    through_services: bool = False,
    patterns: tuple[str, ...] = (),
    full_terms: Collection[tuple[int, str]] = (),
) -> int:
    """Fictional outcomes for each child who has none yet; returns how many records were
    made. Run again, it adds nothing to a child who has some. `patterns`, when given, sets
    the children's attendance in turn (so a handful of children show every kind); in bulk,
    attainment is recorded in each school year's last term, this term and `full_terms`."""
    today = today or timezone.localdate()
    rng = rng or random.Random(19)  # noqa: S311 (invented figures)
    has_some = set(
        TermAttendance.objects.filter(child__in=[c.pk for c in children]).values_list(
            "child_id", flat=True
        )
    )
    wanted = [c for c in children if c.pk not in has_some]
    invented = [
        (
            child,
            invent(
                child,
                today,
                rng,
                patterns[n % len(patterns)] if patterns else "",
                every_term=through_services,
                full_terms=full_terms,
            ),
        )
        for n, child in enumerate(wanted)
    ]
    if through_services:
        return sum(_through_services(child, made) for child, made in invented)
    return _in_bulk(invented)


def _through_services(child: Child, made: Invented) -> int:
    for row in made.attendance:
        services.attendance_save(actor=None, child=child, **row)
    for row in made.exclusions:
        services.exclusion_record(actor=None, child=child, **row)
    for row in made.part_time:
        services.part_time_record(actor=None, child=child, **row)
    for row in made.attainment:
        services.attainment_save(actor=None, child=child, **row)
    return len(made.attendance) + len(made.exclusions) + len(made.part_time) + len(made.attainment)


def _in_bulk(invented: list[tuple[Child, Invented]]) -> int:
    now = timezone.now()
    attendance = [
        TermAttendance(
            child=child,
            academic_year=row["academic_year"],
            term=row["term"],
            term_index=term_index(row["academic_year"], row["term"]),
            sessions_possible=row["possible"],
            sessions_present=row["present"],
            authorised_absence=row["authorised"],
            unauthorised_absence=row["unauthorised"],
            source=Source.IMPORTED,
        )
        for child, made in invented
        for row in made.attendance
    ]
    exclusions = [
        ExclusionEvent(child=child, **row) for child, made in invented for row in made.exclusions
    ]
    part_time = [
        PartTimeTimetable(child=child, **row) for child, made in invented for row in made.part_time
    ]
    attainment = [
        AttainmentRecord(
            child=child,
            term_index=term_index(row["academic_year"], row["term"]),
            source=Source.IMPORTED,
            **row,
        )
        for child, made in invented
        for row in made.attainment
    ]
    total = 0
    batches: list[tuple[Any, list[Any]]] = [
        (TermAttendance, attendance),
        (ExclusionEvent, exclusions),
        (PartTimeTimetable, part_time),
        (AttainmentRecord, attainment),
    ]
    for model, rows in batches:
        # Keys come back from PostgreSQL; the history is copied from the rows in one go.
        written = model.objects.bulk_create(rows, batch_size=2000)
        history_copy_from_rows(model, [r.pk for r in written], now, "+")
        total += len(written)
    return total
