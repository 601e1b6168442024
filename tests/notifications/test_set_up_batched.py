"""The termly set-up in batches (bulk inserts, chunks per authority) writes exactly what the
one-child-at-a-time path (pep_set_up for each) writes, on the same children; a re-run creates
nothing. Counts written by hand from the children made here."""

import datetime as dt
from typing import Any

import pytest

from children.models import CareEpisode, Child, LegalStatus
from children.school_year import PepTemplate
from pep_portal.calendars import deadlines
from pep_portal.calendars.selectors import rules_for_authority
from pep_portal.notifications import services as notifications
from peps.models import Pep, PepEvent, PepSection, SectionStatus, Term
from peps.sections import sections_for
from tests.factories import ChildFactory

SET_UP_ON = dt.date(2026, 12, 20)  # two weeks before Spring 2026 opens


class Rollback(Exception):
    pass


@pytest.fixture
def children(personas, pep_setting):  # type: ignore[no-untyped-def]
    """Besides Zara (pep_setting: Year 6, her Autumn PEP), five children of the authority:
    Year 8 with last term's answers to carry, Reception, Year 12, one born in 2025 (1 in
    January 2027: younger than the rule set's youngest age, 2)
    and one whose time in care has ended."""
    made = {}
    for name, born, ended in [
        ("carried", dt.date(2014, 4, 1), None),
        ("reception", dt.date(2022, 3, 1), None),
        ("post16", dt.date(2010, 1, 15), None),
        ("toddler", dt.date(2025, 6, 1), None),
        ("left_care", dt.date(2013, 9, 9), dt.date(2026, 10, 1)),
    ]:
        child = ChildFactory(authority=personas.authority, date_of_birth=born)
        CareEpisode.objects.create(
            child=child,
            started_on=dt.date(2025, 1, 6),
            legal_status=LegalStatus.CARE_ORDER,
            ended_on=ended,
        )
        made[name] = child
    # Last term's PEP for "carried", with answers that carry forward and one that does not.
    autumn = Pep.objects.create(
        child=made["carried"], academic_year=2026, term=Term.AUTUMN, template="yg"
    )
    for spec in sections_for(PepTemplate.YG):
        fields = spec.fields_for(PepTemplate.YG)
        PepSection.objects.create(
            pep=autumn,
            key=spec.key,
            answers={f.name: f"Autumn answer to {f.name}" for f in fields},
            status=SectionStatus.COMPLETE,
        )
    made["zara"] = pep_setting.child
    return made


def snapshot() -> dict[int, Any]:
    """Everything set up for Spring 2026, per child, without ids and times."""
    out: dict[int, Any] = {}
    for pep in Pep.objects.filter(term=Term.SPRING, academic_year=2026):
        out[pep.child_id] = {
            "pep": (
                pep.template,
                pep.status,
                pep.previous_id,
                pep.due_on,
                pep.due_basis,
                pep.created_by_id,
            ),
            "sections": sorted(
                (s.key, s.answers, s.carried_forward, s.status, s.version)
                for s in PepSection.objects.filter(pep=pep)
            ),
            "events": list(
                PepEvent.objects.filter(pep=pep).values_list("from_status", "to_status", "actor")
            ),
            "history": sorted(
                (h.history_type, h.history_user_id) for h in Pep.history.filter(id=pep.pk)
            ),
            "section_history": PepSection.history.filter(pep_id=pep.pk).count(),
        }
    return out


def spring(authority):  # type: ignore[no-untyped-def]
    rules = rules_for_authority(authority)
    # Autumn is still open on that day too; Spring is the term being set up.
    terms = deadlines.review_terms_to_set_up(rules, SET_UP_ON)
    term = next(t for t in terms if (t.code, t.academic_year) == ("spring", 2026))
    assert (term.code, term.academic_year) == ("spring", 2026)
    return rules, term


def test_the_batch_writes_what_the_one_by_one_path_writes_and_a_rerun_creates_nothing(
    personas, children, django_assert_max_num_queries
):
    rules, term = spring(personas.authority)
    try:
        with pytest.MonkeyPatch.context():
            from django.db import transaction

            with transaction.atomic():
                assert notifications.set_up_term_one_by_one(personas.authority, rules, term) == 4
                one_by_one = snapshot()
                raise Rollback
    except Rollback:
        pass
    assert not Pep.objects.filter(term=Term.SPRING).exists()

    assert notifications._set_up_term(personas.authority, rules, term) == 4
    batched = snapshot()
    # By hand: Zara, carried, reception, post16; not the toddler, not the child out of care.
    expected = {children[n].pk for n in ("zara", "carried", "reception", "post16")}
    assert set(batched) == set(one_by_one) == expected
    assert batched == one_by_one
    carried = batched[children["carried"].pk]
    assert carried["pep"][0] == "yg" and carried["pep"][2] is not None
    # Only the questions that carry forward, each marked as carried until confirmed.
    carried_sections = [s for s in carried["sections"] if s[2]]
    assert carried_sections and all(s[3] == "in_progress" for s in carried_sections)
    assert all(set(s[1]) == set(s[2]) for s in carried_sections)
    assert not any(s[2] for s in batched[children["post16"].pk]["sections"])
    assert batched[children["reception"].pk]["pep"][0] == "eyfs"
    assert batched[children["post16"].pk]["pep"][0] == "post16"

    # A re-run creates nothing (and asks few queries to find that out).
    with django_assert_max_num_queries(5):
        assert notifications._set_up_term(personas.authority, rules, term) == 0
    assert snapshot() == batched


def test_the_set_up_works_in_chunks_and_each_chunk_is_whole(personas, children, monkeypatch):
    rules, term = spring(personas.authority)
    monkeypatch.setattr(notifications, "SET_UP_CHUNK", 2)
    assert notifications._set_up_term(personas.authority, rules, term) == 4
    assert Pep.objects.filter(term=Term.SPRING).count() == 4
    assert not Child.objects.filter(
        pk__in=[children["toddler"].pk, children["left_care"].pk], peps__term=Term.SPRING
    ).exists()
