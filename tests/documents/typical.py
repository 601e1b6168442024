"""Typical PEP answers and meeting records for the PDF benchmarks (bench_render.py,
bench/bench_jobs.py): made-up text of typical length. Kept apart from bench_render.py, and
importing nothing but the portal's own modules, so that a process measured for its memory
(bench_jobs.py `--render-one`) does not also carry pytest, factory_boy and pypdf."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from children.school_year import PepTemplate
from peps.models import Pep, PepSection, SectionStatus
from peps.sections import SECTIONS_BY_KEY, Kind

TODAY = dt.date(2026, 11, 24)
HELD = dt.date(2026, 11, 10)
BORN = {
    PepTemplate.EYFS: dt.date(2022, 3, 1),
    PepTemplate.YG: dt.date(2015, 5, 5),
    PepTemplate.POST_16: dt.date(2010, 1, 15),
}
WORDS = [
    *("reading", "writing", "maths", "confidence", "friendships", "lunchtime", "support"),
    *("assistant", "phonics", "homework", "attendance", "carer", "teacher", "progress"),
    *("target", "tutoring", "routine", "settled", "anxious", "proud", "football", "art"),
    *("science", "library", "group", "sessions", "weekly", "review", "plan", "goals"),
]


def sentences(rng: random.Random, count: int) -> str:
    return " ".join(
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 22))).capitalize() + "."
        for _ in range(count)
    )


def typical_answers(key: str, template: str, rng: random.Random, *, full: bool) -> dict:  # type: ignore[type-arg]
    answers: dict[str, Any] = {}
    for spec in SECTIONS_BY_KEY[key].fields_for(template):
        if spec.kind == Kind.YES_NO:
            answers[spec.name] = "yes" if spec.name == "pp_requested" else rng.choice(["yes", "no"])
        elif spec.kind == Kind.CHOICE:
            answers[spec.name] = rng.choice(spec.choices)[0]
        elif spec.kind == Kind.NUMBER:
            answers[spec.name] = int(spec.minimum or 0) + rng.randint(1, 5)
        elif spec.kind == Kind.DATE:
            answers[spec.name] = "2027-01-15"
        elif spec.kind == Kind.TEXT:
            answers[spec.name] = sentences(rng, 1)[:200]
        else:
            answers[spec.name] = ("x" * 4990) if full else sentences(rng, rng.randint(2, 4))
    return answers


def typical_extra(rng: random.Random, *, targets: int = 4) -> dict[str, Any]:
    return {
        "meeting": {
            "kind": "PEP meeting",
            "held_on": HELD,
            "venue": "At school",
            "discussion": sentences(rng, 6),
            "expected_progress": True,
            "next_meeting_on": dt.date(2027, 2, 10),
            "actions": [
                {"what": sentences(rng, 1), "owner": "Dee Teacher", "due_on": HELD}
                for _ in range(3)
            ],
        },
        "attendees": [
            {
                "name": f"Person {n}",
                "role": "Social worker",
                "organisation": "Council",
                "attended": n != 3,
            }
            for n in range(6)
        ],
        "targets": [
            {
                "what": sentences(rng, 1),
                "measure": sentences(rng, 1),
                "support": sentences(rng, 1),
                "responsible": "Dee Teacher",
                "due_on": dt.date(2027, 3, 31),
                "cost": Decimal("150.00"),
                "funded_by_pp_plus": True,
                "reviews": [{"outcome": "Partly achieved", "evidence": sentences(rng, 1)}],
            }
            for _ in range(targets)
        ],
        "qa": {"rating": "Good", "comments": sentences(rng, 2), "pp_decision": "Approved"},
    }


def fill(pep: Pep, rng: random.Random, *, full: bool = False) -> None:
    # Straight to the rows: this is set-up for a benchmark, not the behaviour under test.
    for section in pep.sections.all():
        PepSection.objects.filter(pk=section.pk).update(
            answers=typical_answers(section.key, pep.template, rng, full=full),
            status=SectionStatus.COMPLETE,
        )
