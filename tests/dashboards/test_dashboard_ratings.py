"""The dashboard's two ratings tables, read in one grouped query (issue 20): the year's
signed-off and returned reviews by term, and the signed-off ones by the child's current school,
each in the database's order, against hand-written expectations."""

import datetime as dt

import pytest

from children.models import School
from dashboards.selectors import dashboard_for
from peps.models import Term
from peps.services import pep_set_up
from quality_assurance.models import QaDecision, QaReview, Scale
from tests.children.fixtures import register


def _review(personas, pep, overall, decision=QaDecision.SIGNED_OFF, moderates=None):  # type: ignore[no-untyped-def]
    return QaReview.objects.create(
        pep=pep,
        reviewer=personas.virtual_school_staff,
        overall=overall,
        scale=Scale.GOOD_RI_INADEQUATE,
        decision=decision,
        moderates=moderates,
    )


@pytest.fixture
def reviewed(personas):  # type: ignore[no-untyped-def]
    birch = School.objects.create(name="Birch Academy", urn=990001)
    alder = School.objects.create(name="Alder School", urn=990002)
    staff = personas.virtual_school_staff

    def pep(child, term, year=2026):  # type: ignore[no-untyped-def]
        return pep_set_up(actor=staff, child=child, academic_year=year, term=term)

    ann = register(personas, school=birch, name="Ann", initial_pep=False)
    ben = register(personas, school=alder, name="Ben", initial_pep=False)
    cal = register(personas, school=None, name="Cal", initial_pep=False)
    first = _review(personas, pep(ann, Term.AUTUMN), "good")
    _review(personas, pep(ann, Term.SPRING), "requires_improvement")
    bens = pep(ben, Term.AUTUMN)
    _review(personas, bens, "inadequate", decision=QaDecision.RETURNED)
    _review(personas, bens, "good")
    _review(personas, pep(cal, Term.AUTUMN), "custom_bronze")
    # Neither counts: a moderation review, and a review of last year's PEP.
    _review(personas, first.pep, "inadequate", decision=QaDecision.MODERATION, moderates=first)
    _review(personas, pep(ben, Term.SUMMER, year=2025), "good")


def test_ratings_by_term_count_signed_off_and_returned_reviews(personas, reviewed):
    board = dashboard_for(
        user=personas.virtual_school_staff,
        authority=personas.virtual_school_staff.authority,
        academic_year=2026,
        today=dt.date(2026, 12, 8),
    )
    assert [(r["term_label"], r["overall"], r["rating_label"], r["n"]) for r in board.ratings] == [
        ("Autumn", "custom_bronze", "custom_bronze", 1),
        ("Autumn", "good", "Good", 2),
        ("Autumn", "inadequate", "Inadequate", 1),
        ("Spring", "requires_improvement", "Requires improvement", 1),
    ]


def test_ratings_by_school_count_signed_off_reviews_only_no_school_last(personas, reviewed):
    board = dashboard_for(
        user=personas.virtual_school_staff,
        authority=personas.virtual_school_staff.authority,
        academic_year=2026,
        today=dt.date(2026, 12, 8),
    )
    assert [(r["school"], r["rating_label"], r["n"]) for r in board.ratings_by_school] == [
        ("Alder School", "Good", 1),
        ("Birch Academy", "Good", 1),
        ("Birch Academy", "Requires improvement", 1),
        (None, "custom_bronze", 1),
    ]


def test_another_year_has_its_own_ratings(personas, reviewed):
    board = dashboard_for(
        user=personas.virtual_school_staff,
        authority=personas.virtual_school_staff.authority,
        academic_year=2025,
        today=dt.date(2026, 12, 8),
    )
    assert [(r["pep__term"], r["overall"], r["n"]) for r in board.ratings] == [
        ("summer", "good", 1)
    ]
    assert [(r["school"], r["overall"], r["n"]) for r in board.ratings_by_school] == [
        ("Alder School", "good", 1)
    ]
