"""Two school years of daily sweeps for one authority — terms, half-terms, bank holidays,
children entering care, moving school and leaving care, meetings arranged and held — against a
table of what should be sent on which day, worked out by hand from a published calendar.

Nothing here is read back from what the portal stored (`pep.due_on` and the like): every date
below was counted on a paper calendar from the term dates and the bank holidays written out
here, so a wrong count in the deadline engine, the sweep or the set-up fails this test.

The term dates are those Halfway Houses Primary School (Isle of Sheppey, Kent) publishes for
2025/26 and 2026/27 (halfwayhouses.kent.sch.uk/term-dates): six terms a year, pupils' days
only. England's bank holidays in those terms: Good Friday 3 April and Easter Monday 6 April
2026 and the Spring bank holiday 25 May 2026 (all in holidays); the early May bank holidays,
Monday 4 May 2026 and Monday 3 May 2027, fall in term and do not count.
"""

import datetime as dt

import pytest

from children.models import Child, LegalStatus, PlacementType
from children.services import care_episode_end, child_register, school_move
from meetings.services import meeting_arrange
from pep_portal.calendars.choices import PeriodKind
from pep_portal.calendars.services import rule_set_load_preset, term_dates_load
from pep_portal.calendars.term_dates import Row
from pep_portal.notifications.models import Kind, Notification, Stage
from pep_portal.notifications.services import sweep_deadlines, termly_set_up
from peps.models import Pep, Term
from peps.services import pep_record_meeting_held
from tests.conftest import Personas
from tests.factories import SchoolFactory
from tests.meetings.test_meetings import at

pytestmark = pytest.mark.smoke
D = dt.date
START, END = D(2025, 8, 1), D(2027, 7, 31)


def published_term_dates() -> list[Row]:
    def row(kind: PeriodKind, start: dt.date, end: dt.date, name: str) -> Row:
        return Row(kind, start, end, name, "Halfway Houses Primary School, published dates")

    term, closed = PeriodKind.TERM, PeriodKind.CLOSED
    return [
        # 2025/26: Term 1 Wed 3 Sep - Fri 17 Oct (INSET Mon 1 and Tue 2 Sep), Term 2 Mon 3 Nov -
        # Fri 19 Dec, Term 3 Mon 5 Jan - Fri 13 Feb, Term 4 Mon 23 Feb - Thu 2 Apr, Term 5
        # Mon 20 Apr - Fri 22 May, Term 6 Mon 1 Jun - Wed 22 Jul.
        row(term, D(2025, 9, 1), D(2025, 12, 19), "Autumn term"),
        row(closed, D(2025, 9, 1), D(2025, 9, 2), "INSET days"),
        row(closed, D(2025, 10, 20), D(2025, 10, 31), "October half-term"),
        row(term, D(2026, 1, 5), D(2026, 4, 2), "Spring term"),
        row(closed, D(2026, 2, 16), D(2026, 2, 20), "February half-term"),
        row(term, D(2026, 4, 20), D(2026, 7, 22), "Summer term"),
        row(closed, D(2026, 5, 25), D(2026, 5, 29), "May half-term"),
        # 2026/27: Term 1 Tue 1 Sep (INSET) - Fri 16 Oct, Term 2 Mon 2 Nov - Fri 18 Dec, Term 3
        # Mon 4 Jan - Fri 12 Feb, Term 4 Mon 22 Feb - Thu 25 Mar, Term 5 Mon 12 Apr - Fri 28 May,
        # Term 6 Mon 7 Jun - Thu 22 Jul.
        row(term, D(2026, 9, 1), D(2026, 12, 18), "Autumn term"),
        row(closed, D(2026, 9, 1), D(2026, 9, 1), "INSET day"),
        row(closed, D(2026, 10, 19), D(2026, 10, 30), "October half-term"),
        row(term, D(2027, 1, 4), D(2027, 3, 25), "Spring term"),
        row(closed, D(2027, 2, 15), D(2027, 2, 19), "February half-term"),
        row(term, D(2027, 4, 12), D(2027, 7, 22), "Summer term"),
        row(closed, D(2027, 5, 31), D(2027, 6, 4), "May half-term"),
    ]


# What happens, and when. Care changes and held meetings are recorded on the day they happen,
# so they all fall before the real today (December 2026).
LATE_ENTERS = D(2025, 10, 15)  # a Wednesday, two school days before the fortnight's half-term
MOVES = D(2025, 11, 3)
LEAVES = D(2025, 11, 14)
# Stay's Spring 2026 meeting, Thu 26 Feb 2026, is arranged on 5 January.
# Stay's Summer 2026 meeting, Thu 30 Apr 2026, and Move's, Wed 22 Apr 2026, on 20 March.

ALICE, VIC, DEE = "Alice Social", "Vic School", "Dee Teacher"
NO_MEETING, INITIAL = Kind.NO_MEETING_ARRANGED, Kind.INITIAL_PEP_DUE
SECTIONS, SUBMIT, PP = Kind.TEACHER_SECTIONS_DUE, Kind.SUBMISSION_DUE, Kind.PP_CUTOFF
REMIND, DUE, ESCALATE = Stage.REMINDER, Stage.DUE, Stage.ESCALATED


def chase(child: str, pep: str, kind: str, due: dt.date, owner: str = ALICE) -> set[tuple]:
    """Medway's timings, by hand: a reminder 3 days before, due on the day, escalated to the
    adviser (Vic) as well 5 days after. Each tuple: (child, PEP, kind, stage, person, sent on)."""
    remind, escalate = due - dt.timedelta(days=3), due + dt.timedelta(days=5)
    rows = {
        (child, pep, kind, REMIND, owner, remind),
        (child, pep, kind, DUE, owner, due),
        (child, pep, kind, ESCALATE, owner, escalate),
        (child, pep, kind, ESCALATE, VIC, escalate),
    }
    return {r for r in rows if r[-1] <= END}


EXPECTED = (
    # Late enters care in an emergency on Wed 15 Oct 2025: 10 school days are Thu 16, Fri 17
    # Oct, (half-term 20-31 Oct), Mon 3 - Fri 7 Nov, Mon 10, Tue 11, Wed 12 Nov.
    chase("Late", "initial", INITIAL, D(2025, 11, 12))
    # No meeting arranged: the review windows end 31 December, 31 March and 31 July.
    | chase("Stay", "autumn 2025", NO_MEETING, D(2025, 12, 31))
    | chase("Move", "autumn 2025", NO_MEETING, D(2025, 12, 31))
    # Late's initial PEP (due 12 November) is her Autumn 2025 PEP: no other to chase.
    | chase("Move", "spring 2025", NO_MEETING, D(2026, 3, 31))
    | chase("Late", "spring 2025", NO_MEETING, D(2026, 3, 31))
    | chase("Late", "summer 2025", NO_MEETING, D(2026, 7, 31))
    | {
        row
        for child in ("Stay", "Move", "Late")
        for row in chase(child, "autumn 2026", NO_MEETING, D(2026, 12, 31))
        | chase(child, "spring 2026", NO_MEETING, D(2027, 3, 31))
        | chase(child, "summer 2026", NO_MEETING, D(2027, 7, 31))  # escalation after END
    }
    # The school's sections, 5 school days before the meeting. Thu 26 Feb 2026: Wed 25, Tue 24,
    # Mon 23, (half-term 16-20 Feb), Fri 13, Thu 12 Feb.
    | chase("Stay", "spring 2025", SECTIONS, D(2026, 2, 12), owner=DEE)
    # Thu 30 Apr 2026: Wed 29, Tue 28, Mon 27, Fri 24, Thu 23 Apr.
    | chase("Stay", "summer 2025", SECTIONS, D(2026, 4, 23), owner=DEE)
    # Wed 22 Apr 2026: Tue 21, Mon 20, (Easter holiday 3-17 Apr), Thu 2 Apr, Wed 1, Tue 31 Mar.
    # Move's new school has no designated teacher in the portal: the social worker is told.
    | chase("Move", "summer 2025", SECTIONS, D(2026, 3, 31))
    # Submission 3 working days after the meeting. Held Wed 22 Apr 2026: Thu 23, Fri 24,
    # Mon 27 Apr. Held Thu 30 Apr 2026: Fri 1, (bank holiday Mon 4), Tue 5, Wed 6 May.
    | chase("Move", "summer 2025", SUBMIT, D(2026, 4, 27))
    | chase("Stay", "summer 2025", SUBMIT, D(2026, 5, 6))
    # Medway's PP+ cut-off is 23 March; Dee (whose school has children in care) is told
    # 14 days before.
    | {
        ("-", "-", PP, REMIND, DEE, D(2026, 3, 9)),
        ("-", "-", PP, REMIND, DEE, D(2027, 3, 9)),
    }
)
# Leave's Autumn 2025 PEP would have been chased from 28 December; Leave left care on
# 14 November, so nothing. Stay's Spring and Summer 2026 PEPs had meetings arranged before any
# "no meeting" reminder, so none; Move's Summer 2026 too.
CHASED_KINDS = {NO_MEETING, INITIAL, SECTIONS, SUBMIT, PP}


def enter_care(personas: Personas, name: str, on: dt.date, *, school, emergency=False) -> Child:  # type: ignore[no-untyped-def]
    return child_register(
        actor=personas.virtual_school_staff,
        details={
            "legal_first_name": name,
            "legal_last_name": "Quill",
            "date_of_birth": D(2015, 5, 5),
            "gender": "female",
        },
        entered_care_on=on,
        emergency_placement=emergency,
        legal_status=LegalStatus.INTERIM_CARE_ORDER,
        placement_type=PlacementType.FOSTER,
        carers=[personas.carer],
        school=school,
        social_worker=personas.social_worker,
        virtual_school_adviser=personas.virtual_school_staff,
    )


def pep_of(child: Child, term: str, year: int) -> Pep:
    return Pep.objects.get(child=child, term=term, academic_year=year)


def test_two_years_of_daily_sweeps_send_what_the_paper_calendar_says_on_the_right_day(
    personas,
):
    rule_set_load_preset(preset="medway", slug=personas.authority.slug)
    term_dates_load(
        actor=None,
        rows=published_term_dates(),
        source="published term dates",
        authority=personas.authority,
    )
    school = personas.designated_teacher.school
    sw = personas.social_worker
    stay = enter_care(personas, "Stay", D(2025, 6, 2), school=school)
    leave = enter_care(personas, "Leave", D(2025, 6, 2), school=school)
    move = enter_care(personas, "Move", D(2025, 6, 2), school=school)
    children = {stay.pk: "Stay", leave.pk: "Leave", move.pk: "Move"}

    sent: dict[tuple, dt.date] = {}
    day = START
    while day <= END:
        if day == LATE_ENTERS:
            # Registering her sets up her initial PEP.
            late = enter_care(personas, "Late", day, school=school, emergency=True)
            children[late.pk] = "Late"
        if day == MOVES:
            school_move(
                actor=personas.virtual_school_staff,
                child=move,
                school=SchoolFactory(name="New School"),
                started_on=day,
            )
        if day == LEAVES:
            care_episode_end(
                actor=personas.virtual_school_staff,
                child=leave,
                ended_on=day,
                reason="Returned home",
            )
        if day == D(2026, 1, 5):
            meeting_arrange(
                actor=sw, pep=pep_of(stay, Term.SPRING, 2025), starts_at=at(D(2026, 2, 26))
            )
        if day == D(2026, 3, 20):
            meeting_arrange(
                actor=sw, pep=pep_of(stay, Term.SUMMER, 2025), starts_at=at(D(2026, 4, 30))
            )
            meeting_arrange(
                actor=sw, pep=pep_of(move, Term.SUMMER, 2025), starts_at=at(D(2026, 4, 22))
            )
        if day == D(2026, 4, 22):
            pep_record_meeting_held(actor=sw, pep=pep_of(move, Term.SUMMER, 2025), held_on=day)
        if day == D(2026, 4, 30):
            pep_record_meeting_held(actor=sw, pep=pep_of(stay, Term.SUMMER, 2025), held_on=day)
        termly_set_up(today=day)
        for due in sweep_deadlines(today=day):
            key = (due.kind, due.stage, due.item, due.due_on, due.recipient_id)
            assert key not in sent, f"{key} sent again on {day}, first on {sent[key]}"
            sent[key] = day
        assert sweep_deadlines(today=day) == []  # a second run the same day sends nothing
        day += dt.timedelta(days=1)

    names = dict(Notification.objects.values_list("recipient_id", "recipient__full_name"))
    peps = {
        f"pep{pk}": (children[child], "initial" if term == Term.INITIAL else f"{term} {year}")
        for pk, child, term, year in Pep.objects.values_list(
            "pk", "child_id", "term", "academic_year"
        )
    }
    got = {
        (*peps.get(item, ("-", "-")), kind, stage, names[person], on)
        for (kind, stage, item, _, person), on in sent.items()
        if kind in CHASED_KINDS
    }
    assert got == EXPECTED, (sorted(got - EXPECTED), sorted(EXPECTED - got))
    assert Notification.objects.filter(kind__in=CHASED_KINDS).count() == len(EXPECTED)
    # Three review terms a year for those in care all year; everyone has an initial PEP (the
    # three who entered on 2 June 2025 have no date on it, as 2024/25's term dates are not
    # loaded, so it is Summer 2024/25's PEP only); Late's is her Autumn 2025 PEP.
    assert sorted(peps.values()) == sorted(
        [("Leave", "autumn 2025"), *((child, "initial") for child in ("Stay", "Leave", "Move"))]
        + [
            (child, f"{term} {year}")
            for child in ("Stay", "Move", "Late")
            for year in (2025, 2026)
            for term in ("autumn", "spring", "summer")
            if (child, term, year) != ("Late", "autumn", 2025)
        ]
        + [("Late", "initial")]
    )
