"""Two school years of daily sweeps for one authority — terms, half-terms, bank holidays, the
clock changes in March and October, children entering care, moving school and leaving care —
against an independent count of what should have been sent: 0 duplicates, 0 missed."""

import datetime as dt

import pytest

from children.services import care_episode_end, school_move
from pep_portal.calendars.demo import seed_demo_calendars
from pep_portal.calendars.services import rule_set_load_preset
from pep_portal.notifications.models import Notification
from pep_portal.notifications.services import sweep_deadlines, termly_set_up
from peps.models import Pep
from tests.children.fixtures import register
from tests.factories import SchoolFactory

pytestmark = pytest.mark.smoke
START, END = dt.date(2026, 8, 1), dt.date(2028, 7, 31)
# Care changes are recorded on the day they happen, so they fall before the real today.
LEAVES = dt.date(2026, 10, 15)
MOVES = dt.date(2026, 11, 2)
ENTERS = dt.date(2026, 11, 20)
LEAD, ESCALATE = 3, 5  # the Medway preset's reminder and escalation days


def test_two_years_of_daily_sweeps_send_every_reminder_exactly_once(personas):
    rule_set_load_preset(preset="medway", slug=personas.authority.slug)
    seed_demo_calendars(personas.authority, today=dt.date(2026, 11, 24))
    seed_demo_calendars(personas.authority, today=dt.date(2027, 11, 24))
    school = personas.designated_teacher.school
    stays = register(personas, school=school, name="Stay")
    leaves = register(personas, school=school, name="Leave")
    moves = register(personas, school=school, name="Move")
    late = None
    day = START
    while day <= END:
        if day == LEAVES:
            care_episode_end(
                actor=personas.virtual_school_staff,
                child=leaves,
                ended_on=day,
                reason="Returned home",
            )
        if day == MOVES:
            school_move(
                actor=personas.virtual_school_staff,
                child=moves,
                school=SchoolFactory(name="New School"),
                started_on=day,
            )
        if day == ENTERS:
            late = register(personas, school=school, name="Late")
        termly_set_up(today=day)
        sweep_deadlines(today=day)
        sweep_deadlines(today=day)  # a second run the same day changes nothing
        day += dt.timedelta(days=1)

    expected: set[tuple[int, str, int]] = set()
    left_care = {leaves.pk: LEAVES}
    for pep in Pep.objects.select_related("child"):
        due = pep.due_on
        stages = {
            "reminder": due - dt.timedelta(days=LEAD),
            "due": due,
            "escalated": due + dt.timedelta(days=ESCALATE),
        }
        for stage, first_day in stages.items():
            if not START <= first_day <= END:
                continue
            if pep.child_id in left_care and first_day >= left_care[pep.child_id]:
                continue
            people = [pep.child.social_worker_id]
            if stage == "escalated":
                people.append(pep.child.virtual_school_adviser_id)
            expected |= {(pep.pk, stage, person) for person in people}

    sent = list(
        Notification.objects.filter(kind="no_meeting_arranged").values_list(
            "url", "stage", "recipient_id"
        )
    )
    got = {(int(url.strip("/").split("/")[-1]), stage, person) for url, stage, person in sent}
    assert len(sent) == len(got), "duplicates"
    assert got == expected, (sorted(expected - got)[:5], sorted(got - expected)[:5])
    # Three review terms a year for those in care all year, fewer for the others.
    terms = Pep.objects.filter(child=stays).count()
    assert terms == 6
    assert Pep.objects.filter(child=leaves).count() == 1  # Autumn 2026 only
    assert Pep.objects.filter(child=late).count() == 6
    assert Pep.objects.filter(child=moves).count() == 6
