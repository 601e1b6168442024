"""The sweep chases a PEP in every state it can stall in, to the right person on the right
day. The table below names EVERY PepStatus: a new status fails
test_every_status_is_in_the_table until someone says how a PEP stalled in it is chased.

Zara's Autumn 2026 PEP under Medway's rules (tests/peps/fixtures.py): due Thu 31 December
2026; reminders 3 days before a date, escalation to the adviser (Vic School) 5 days after it;
designated teacher's sections 5 school days before the meeting; submission 3 working days
after it. Every date below was worked out by hand from the demo calendar (October half-term
26-30 October, autumn term ends Friday 18 December 2026).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from children.services import care_leave
from meetings.services import meeting_arrange
from pep_portal.calendars.services import rule_set_load_preset
from pep_portal.notifications.models import Kind, Stage
from pep_portal.notifications.services import sweep_deadlines
from peps.models import Pep, PepStatus
from peps.services import (
    pep_mark_ready,
    pep_record_meeting_held,
    pep_return,
    pep_sign_off,
    pep_submit,
)
from tests.meetings.test_meetings import at
from tests.peps.fixtures import complete, everything_done, teacher_sections_done

SW, DT, ADVISER = "Alice Social", "Dee Teacher", "Vic School"
D = dt.date


def _arrange_for_tuesday_8_december(personas, setting) -> None:  # type: ignore[no-untyped-def]
    # The teacher's sections (and Medway's care information) are then due Tue 1 December:
    # 5 school days before (Mon 7, Fri 4, Thu 3, Wed 2, Tue 1).
    meeting_arrange(actor=personas.social_worker, pep=setting.pep, starts_at=at(D(2026, 12, 8)))


def nothing_done(personas, setting) -> None:  # type: ignore[no-untyped-def]
    pass


def arranged_nothing_done(personas, setting) -> None:  # type: ignore[no-untyped-def]
    _arrange_for_tuesday_8_december(personas, setting)


def arranged_care_information_missing(personas, setting) -> None:  # type: ignore[no-untyped-def]
    teacher_sections_done(personas, setting)
    _arrange_for_tuesday_8_december(personas, setting)


def walsall_views_missing(personas, setting) -> None:  # type: ignore[no-untyped-def]
    # Walsall wants the child's views before the meeting too, and lets teachers record it.
    rule_set_load_preset(preset="walsall", slug=personas.authority.slug)
    teacher_sections_done(personas, setting)
    complete(personas.social_worker, setting.section("care_information"))
    _arrange_for_tuesday_8_december(personas, setting)


def ready_meeting_not_recorded(personas, setting) -> None:  # type: ignore[no-untyped-def]
    teacher_sections_done(personas, setting)
    complete(personas.social_worker, setting.section("care_information"))
    pep_mark_ready(actor=personas.designated_teacher, pep=setting.pep)
    _arrange_for_tuesday_8_december(personas, setting)


def held_not_submitted(personas, setting) -> None:  # type: ignore[no-untyped-def]
    everything_done(personas, setting)
    # Held Tue 10 November: submission due Fri 13 November (3 working days).
    pep_record_meeting_held(actor=personas.social_worker, pep=setting.pep, held_on=D(2026, 11, 10))


def waiting_for_qa(personas, setting) -> None:  # type: ignore[no-untyped-def]
    held_not_submitted(personas, setting)
    pep_submit(actor=personas.social_worker, pep=setting.pep)
    # Submitted Mon 16 November; QA within 10 calendar days: due Thu 26 November.
    Pep.objects.filter(pk=setting.pep.pk).update(submitted_at=at(D(2026, 11, 16), hour=10))


def returned_not_resubmitted(personas, setting) -> None:  # type: ignore[no-untyped-def]
    held_not_submitted(personas, setting)
    pep_submit(actor=personas.social_worker, pep=setting.pep)
    # Returned Mon 23 November: due back Thu 26 November (3 working days).
    pep_return(
        actor=personas.virtual_school_staff,
        pep=setting.pep,
        reason="Add the attendance figures",
        on=D(2026, 11, 23),
    )


def left_care(personas, setting) -> None:  # type: ignore[no-untyped-def]
    # Adopted today: the open PEPs are closed with the reason (issue 15's leaving care).
    care_leave(
        actor=personas.virtual_school_staff,
        child=setting.child,
        left_on=timezone.localdate(),
        reason_code="E11",
    )


def signed_off(personas, setting) -> None:  # type: ignore[no-untyped-def]
    held_not_submitted(personas, setting)
    pep_submit(actor=personas.social_worker, pep=setting.pep)
    pep_sign_off(actor=personas.virtual_school_staff, pep=setting.pep)


@dataclass(frozen=True)
class Stall:
    """A PEP stalled in `status` (made by `setup`), and what each day's sweep newly sends:
    {day: {(kind, stage, recipient)}}."""

    setup: Callable[..., None]
    status: str
    sends: dict[dt.date, set[tuple[str, str, str]]]


STALLS: dict[str, list[Stall]] = {
    PepStatus.DRAFT: [
        # No meeting arranged: the social worker, from 3 days before the PEP is due.
        Stall(
            nothing_done,
            PepStatus.DRAFT,
            {
                D(2026, 12, 27): set(),
                D(2026, 12, 28): {(Kind.NO_MEETING_ARRANGED, Stage.REMINDER, SW)},
                D(2026, 12, 31): {(Kind.NO_MEETING_ARRANGED, Stage.DUE, SW)},
                D(2027, 1, 5): {
                    (Kind.NO_MEETING_ARRANGED, Stage.ESCALATED, SW),
                    (Kind.NO_MEETING_ARRANGED, Stage.ESCALATED, ADVISER),
                },
            },
        ),
        # Arranged: each contribution is due by the meeting's cut-off, not the end of term.
        Stall(
            arranged_nothing_done,
            PepStatus.DRAFT,
            {
                D(2026, 11, 27): set(),
                D(2026, 11, 28): {
                    (Kind.TEACHER_SECTIONS_DUE, Stage.REMINDER, DT),
                    (Kind.CARE_INFORMATION_DUE, Stage.REMINDER, SW),
                },
                D(2026, 12, 1): {
                    (Kind.TEACHER_SECTIONS_DUE, Stage.DUE, DT),
                    (Kind.CARE_INFORMATION_DUE, Stage.DUE, SW),
                },
            },
        ),
    ],
    PepStatus.IN_PROGRESS: [
        Stall(
            arranged_care_information_missing,
            PepStatus.IN_PROGRESS,
            {
                D(2026, 12, 1): {(Kind.CARE_INFORMATION_DUE, Stage.DUE, SW)},
                # Arranged for 8 December and not recorded by the day after; the care
                # information escalated (1 December + 5 days).
                D(2026, 12, 9): {
                    (Kind.CARE_INFORMATION_DUE, Stage.ESCALATED, SW),
                    (Kind.CARE_INFORMATION_DUE, Stage.ESCALATED, ADVISER),
                    (Kind.MEETING_NOT_RECORDED, Stage.DUE, SW),
                },
            },
        ),
        Stall(
            walsall_views_missing,
            PepStatus.IN_PROGRESS,
            {
                D(2026, 12, 1): {(Kind.CHILD_VIEWS_DUE, Stage.DUE, DT)},
                D(2026, 12, 9): {
                    (Kind.CHILD_VIEWS_DUE, Stage.ESCALATED, DT),
                    (Kind.CHILD_VIEWS_DUE, Stage.ESCALATED, ADVISER),
                    (Kind.MEETING_NOT_RECORDED, Stage.DUE, SW),
                    (Kind.MEETING_NOT_RECORDED, Stage.DUE, DT),
                },
            },
        ),
    ],
    PepStatus.READY_FOR_MEETING: [
        # Arranged but not recorded: never before the meeting, from the day after it.
        Stall(
            ready_meeting_not_recorded,
            PepStatus.READY_FOR_MEETING,
            {
                D(2026, 12, 1): set(),
                D(2026, 12, 8): set(),
                D(2026, 12, 9): {(Kind.MEETING_NOT_RECORDED, Stage.DUE, SW)},
                D(2026, 12, 14): {
                    (Kind.MEETING_NOT_RECORDED, Stage.ESCALATED, SW),
                    (Kind.MEETING_NOT_RECORDED, Stage.ESCALATED, ADVISER),
                },
            },
        ),
    ],
    PepStatus.MEETING_HELD: [
        Stall(
            held_not_submitted,
            PepStatus.MEETING_HELD,
            {
                D(2026, 11, 9): set(),
                D(2026, 11, 10): {(Kind.SUBMISSION_DUE, Stage.REMINDER, SW)},
                D(2026, 11, 13): {(Kind.SUBMISSION_DUE, Stage.DUE, SW)},
                D(2026, 11, 18): {
                    (Kind.SUBMISSION_DUE, Stage.ESCALATED, SW),
                    (Kind.SUBMISSION_DUE, Stage.ESCALATED, ADVISER),
                },
            },
        ),
    ],
    PepStatus.SUBMITTED: [
        # Waiting for quality assurance: the authority's virtual school staff, once the QA
        # target has passed.
        Stall(
            waiting_for_qa,
            PepStatus.SUBMITTED,
            {
                D(2026, 11, 25): set(),
                D(2026, 11, 26): {(Kind.QA_WAITING, Stage.DUE, ADVISER)},
            },
        ),
    ],
    PepStatus.RETURNED: [
        Stall(
            returned_not_resubmitted,
            PepStatus.RETURNED,
            {
                D(2026, 11, 22): set(),
                D(2026, 11, 23): {(Kind.RESUBMISSION_DUE, Stage.REMINDER, SW)},
                D(2026, 11, 26): {(Kind.RESUBMISSION_DUE, Stage.DUE, SW)},
                D(2026, 12, 1): {
                    (Kind.RESUBMISSION_DUE, Stage.ESCALATED, SW),
                    (Kind.RESUBMISSION_DUE, Stage.ESCALATED, ADVISER),
                },
            },
        ),
    ],
    # Signed off is the end of the cycle: nothing left to chase, ever.
    PepStatus.SIGNED_OFF: [
        Stall(
            signed_off,
            PepStatus.SIGNED_OFF,
            {D(2026, 11, 13): set(), D(2026, 12, 31): set(), D(2027, 1, 9): set()},
        ),
    ],
    # Closed because the child left care: nobody is chased for it again.
    PepStatus.CLOSED: [
        Stall(
            left_care,
            PepStatus.CLOSED,
            {D(2026, 12, 28): set(), D(2026, 12, 31): set(), D(2027, 1, 5): set()},
        ),
    ],
}


def test_every_status_is_in_the_table():
    assert set(STALLS) == set(PepStatus.values)
    for status, stalls in STALLS.items():
        assert stalls and all(stall.status == status for stall in stalls)


CASES = [
    pytest.param(stall, id=f"{status}-{stall.setup.__name__}")
    for status, stalls in STALLS.items()
    for stall in stalls
]


@pytest.mark.parametrize("stall", CASES)
def test_each_stall_is_chased(personas, pep_setting, stall):
    stall.setup(personas, pep_setting)
    pep_setting.pep.refresh_from_db()
    assert pep_setting.pep.status == stall.status
    names = {
        personas.social_worker.pk: SW,
        personas.designated_teacher.pk: DT,
        personas.virtual_school_staff.pk: ADVISER,
    }
    for day, expected in stall.sends.items():
        sent = sweep_deadlines(today=day)
        assert {(due.kind, due.stage, names.get(due.recipient_id, "?")) for due in sent} == (
            expected
        ), day
