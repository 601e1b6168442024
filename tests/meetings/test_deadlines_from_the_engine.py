"""The dates the meeting and PEP services store come from the deadline engine, counted on a
published calendar (Northam's term dates, tests/fixtures/calendars): each expected date below
is counted by hand from that file."""

import datetime as dt

import pytest

from meetings.services import meeting_arrange
from pep_portal.calendars.services import rule_set_load_preset
from peps.models import Pep, Term
from peps.services import pep_record_meeting_held, pep_set_up
from tests.calendars.conftest import load_file
from tests.meetings.test_meetings import at

D = dt.date


@pytest.fixture
def northam_pep(personas, setting):  # type: ignore[no-untyped-def]
    """The shared child's Summer 2025/26 PEP under Medway's rules, on Northam's term dates."""
    rule_set_load_preset(preset="medway", slug=personas.authority.slug)
    load_file("northam-term-dates.csv", authority=personas.authority)
    return pep_set_up(
        actor=personas.virtual_school_staff,
        child=setting.child,
        academic_year=2025,
        term=Term.SUMMER,
    )


def test_the_teachers_deadline_skips_half_term(personas, northam_pep):
    # Meeting Wed 5 Nov 2025: Tue 4 (1), Mon 3 (2), half-term 27-31 Oct, Fri 24 (3),
    # Thu 23 (4), Wed 22 Oct (5).
    meeting_arrange(actor=personas.social_worker, pep=northam_pep, starts_at=at(D(2025, 11, 5)))
    assert Pep.objects.get(pk=northam_pep.pk).teacher_sections_due_on == D(2025, 10, 22)


def test_the_teachers_deadline_skips_the_may_bank_holiday(personas, northam_pep):
    # Meeting Fri 8 May 2026: Thu 7 (1), Wed 6 (2), Tue 5 (3), Mon 4 May bank holiday,
    # Fri 1 May (4), Thu 30 Apr (5).
    meeting_arrange(actor=personas.social_worker, pep=northam_pep, starts_at=at(D(2026, 5, 8)))
    assert Pep.objects.get(pk=northam_pep.pk).teacher_sections_due_on == D(2026, 4, 30)


def test_the_submission_is_due_three_working_days_after_the_meeting(personas, northam_pep):
    # Held Fri 22 May 2026; Mon 25 May is a bank holiday: Tue 26 (1), Wed 27 (2), Thu 28 (3).
    pep_record_meeting_held(actor=personas.social_worker, pep=northam_pep, held_on=D(2026, 5, 22))
    assert Pep.objects.get(pk=northam_pep.pk).submission_due_on == D(2026, 5, 28)


def test_a_summer_pep_is_due_on_the_last_day_of_the_summer_review_term(northam_pep):
    assert northam_pep.due_on == D(2026, 7, 31)
    assert northam_pep.due_basis == (
        "Northam Council: Summer review between 1 April and 31 July 2026"
    )
