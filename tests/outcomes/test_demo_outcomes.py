"""The demo's fictional education outcomes (outcomes/demo.py): valid by the services' own
checks, across this year's terms so far and last year's, the same whether written through the
services or in bulk (with their history), and added once however often the seed runs."""

import datetime as dt
import random
from typing import Any

from outcomes.demo import PATTERNS, invent, seed_outcomes, terms_up_to
from outcomes.models import AttainmentRecord, ExclusionEvent, PartTimeTimetable, TermAttendance
from outcomes.services import check_values
from tests.children.fixtures import register

TODAY = dt.date(2026, 12, 7)  # Autumn 2026/27


def test_the_terms_are_this_years_so_far_and_the_five_before() -> None:
    assert terms_up_to(TODAY) == [
        (2024, "spring"),
        (2024, "summer"),
        (2025, "autumn"),
        (2025, "spring"),
        (2025, "summer"),
        (2026, "autumn"),
    ]
    assert terms_up_to(dt.date(2027, 4, 13), 2) == [(2026, "spring"), (2026, "summer")]


def test_invented_values_pass_the_checks(personas: Any) -> None:
    # Born 5 May 2015: Year 5 in 2024/25, Year 6 in 2025/26, Year 7 (key stage 3) in 2026/27.
    child = register(personas, school=None)
    stages = {2024: "ks2", 2025: "ks2", 2026: "ks3"}
    for n in range(30):
        made = invent(child, TODAY, random.Random(n), PATTERNS[n % 3])  # noqa: S311
        for row in made.attendance:
            assert row["present"] + row["authorised"] + row["unauthorised"] == row["possible"]
        for row in made.attainment:
            assert row["key_stage"] == stages[row["academic_year"]]
            _, problems = check_values(row["key_stage"], row["subject"], row["values"])
            assert problems == {}
        assert all(e["started_on"] <= TODAY for e in made.exclusions)


def test_bulk_and_services_write_the_same_and_only_once(personas: Any) -> None:
    """The same generator in bulk and through the services gives the same records, except that
    the bulk seed keeps attainment only for each school year's last term (the one the
    dashboard counts): Summer 2024/25, Summer 2025/26 and this term, Autumn 2026/27."""
    school = personas.designated_teacher.school
    first = [register(personas, school=school, name=f"Bulk{n}") for n in range(3)]
    second = [register(personas, school=school, name=f"Kept{n}") for n in range(3)]
    patterns = ("good", "persistent", "severe")
    same = random.Random(7), random.Random(7)  # noqa: S311 (invented figures)
    written = seed_outcomes(first, today=TODAY, rng=same[0], patterns=patterns)
    through = seed_outcomes(
        second, today=TODAY, rng=same[1], through_services=True, patterns=patterns
    )
    assert 0 < written < through

    def rows(children: list[Any]) -> dict[str, list[tuple[Any, ...]]]:
        order = {c.pk: n for n, c in enumerate(children)}
        ids = list(order)
        return {
            "attendance": sorted(
                (
                    order[a.child_id],
                    a.academic_year,
                    a.term,
                    a.sessions_possible,
                    a.sessions_present,
                )
                for a in TermAttendance.objects.filter(child__in=ids)
            ),
            "exclusions": sorted(
                (order[e.child_id], e.kind, e.started_on, e.sessions_lost, e.reason)
                for e in ExclusionEvent.objects.filter(child__in=ids)
            ),
            "attainment": sorted(
                (order[r.child_id], r.academic_year, r.term, r.subject, str(r.values))
                for r in AttainmentRecord.objects.filter(child__in=ids)
            ),
            "part_time": sorted(
                (order[t.child_id], t.started_on, t.reason)
                for t in PartTimeTimetable.objects.filter(child__in=ids)
            ),
        }

    bulk, services = rows(first), rows(second)
    last_terms = {(2024, "summer"), (2025, "summer"), (2026, "autumn")}
    assert bulk["attainment"] == [r for r in services["attainment"] if r[1:3] in last_terms]
    assert bulk["attainment"]
    for kind in ("attendance", "exclusions", "part_time"):
        assert bulk[kind] == services[kind], kind
    # Six terms each (Spring 2024/25 to Autumn 2026/27), all of school age.
    assert len(bulk["attendance"]) == 3 * 6
    # The bulk rows have their history, as the services' have.
    for record in TermAttendance.objects.filter(child__in=[c.pk for c in first]):
        assert record.history.count() == 1
    # Again: nothing more.
    assert seed_outcomes(first + second, today=TODAY) == 0
