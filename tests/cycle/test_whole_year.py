"""One child's whole year, as the portal drives it: entry to care in an emergency, the initial
PEP, the three termly PEPs, a change of school and a Pupil Premium Plus request.

Every date below was counted by hand on a printed calendar (`python -c "import calendar;
print(calendar.month(2025, 9))"`) from the term dates written out in `TERM_DATES` and
England's bank holidays; none is read back from what the portal stored. The year is 2025/26 so
that every event is in the past (the services refuse a care change dated in the future).

Northam runs Medway's rules (initial PEP 10 school days after an emergency placement;
designated teacher's sections 5 school days before the meeting; submission 3 working days
after it; PP+ requests accepted until 22 March, teachers reminded 14 days before), with a
school-change rule of 10 working days and the default read-only window for the previous school
(20 school days, on its calendar).

14b's event notifications are asserted at each checkpoint; 14c adds its kinds (PP+) there.
"""

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.utils import timezone

from children.models import LegalStatus, PlacementType, PreviousSchoolAccess
from children.services import child_register, school_move
from meetings.models import Meeting, MeetingStatus
from meetings.selectors import upcoming_meetings_for
from meetings.services import meeting_arrange, meeting_record
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.roles import Role
from pep_portal.calendars.choices import DayUnit, PeriodKind
from pep_portal.calendars.models import PepRuleSet
from pep_portal.calendars.services import rule_set_load_preset, term_dates_load
from pep_portal.calendars.term_dates import Row
from pep_portal.notifications.models import Kind, Notification
from pep_portal.notifications.services import sweep_deadlines, termly_set_up
from peps.models import Pep, PepStatus, Term
from peps.selectors import initial_pep_warning
from peps.services import section_save
from pupil_premium.models import PpStatus
from pupil_premium.services import pp_allocation_set, pp_request_decide, pp_request_raise
from tests.factories import SchoolFactory, TeacherApprovalFactory, UserFactory
from tests.meetings.test_meetings import at

D = dt.date
ALICE, DEE, NIA, VIC, CAROL = (
    "Alice Social",
    "Dee Teacher",
    "Nia Newteacher",
    "Vic School",
    "Carol Carer",
)
VAL = "Val Admin"  # the virtual school's administrator, who sets the PP+ allocation


def term_dates() -> list[Row]:
    """A fictional school year, written out: Autumn Wed 3 Sep - Fri 19 Dec 2025 (half-term
    27-31 Oct), Spring Mon 5 Jan - Thu 2 Apr 2026 (half-term 16-20 Feb), Summer Mon 20 Apr -
    Wed 22 Jul 2026 (half-term 25-29 May); Autumn Thu 3 Sep - Fri 18 Dec 2026."""

    def row(kind: PeriodKind, start: dt.date, end: dt.date, name: str) -> Row:
        return Row(kind, start, end, name, "Northam's term dates, written out for this test")

    term, closed = PeriodKind.TERM, PeriodKind.CLOSED
    return [
        row(term, D(2025, 9, 3), D(2025, 12, 19), "Autumn term"),
        row(closed, D(2025, 10, 27), D(2025, 10, 31), "October half-term"),
        row(term, D(2026, 1, 5), D(2026, 4, 2), "Spring term"),
        row(closed, D(2026, 2, 16), D(2026, 2, 20), "February half-term"),
        row(term, D(2026, 4, 20), D(2026, 7, 22), "Summer term"),
        row(closed, D(2026, 5, 25), D(2026, 5, 29), "May half-term"),
        row(term, D(2026, 9, 3), D(2026, 12, 18), "Autumn term"),
        row(closed, D(2026, 10, 26), D(2026, 10, 30), "October half-term"),
    ]


def notifications() -> Counter:
    """(recipient, kind) of every notification that exists now: deadline reminders and the
    events (new to care, meeting invitations, school move…) alike. Each event kind's recipients
    are also tested on their own in tests/notifications/test_events.py."""
    return Counter(Notification.objects.values_list("recipient__full_name", "kind"))


def peps_of(child) -> list[tuple[str, int, dt.date | None]]:  # type: ignore[no-untyped-def]
    return [
        (p.term, p.academic_year, p.due_on)
        for p in Pep.objects.filter(child=child).order_by("created_at", "pk")
    ]


def invited(*names: str) -> Counter:
    return Counter({(name, Kind.MEETING_ARRANGED): 1 for name in names})


def local(moment: dt.datetime) -> dt.datetime:
    """The wall-clock time in England (the meeting page's), without the zone."""
    return timezone.localtime(moment).replace(tzinfo=None)


def arranged(pep: Pep) -> Meeting:
    return pep.meetings.get(status=MeetingStatus.ARRANGED)


def everyone_came(meeting: Meeting) -> dict[int, tuple[bool, str]]:
    return {a.pk: (True, "") for a in meeting.attendees.all()}


def hold(personas, meeting: Meeting, held_on: dt.date, next_on: dt.date) -> None:  # type: ignore[no-untyped-def]
    meeting_record(
        actor=personas.social_worker,
        meeting=meeting,
        held_on=held_on,
        attendance=everyone_came(meeting),
        discussion="Settling in; reading and attendance discussed.",
        next_meeting_on=next_on,
    )


def test_a_whole_year_for_one_child(personas):  # type: ignore[no-untyped-def]
    rule_set_load_preset(preset="medway", slug=personas.authority.slug)
    PepRuleSet.objects.filter(authority=personas.authority).update(
        school_change_pep_days=10, school_change_pep_unit=DayUnit.WORKING
    )
    term_dates_load(
        actor=None, rows=term_dates(), source="written out", authority=personas.authority
    )
    pp_allocation_set(
        actor=personas.virtual_school_administrator,
        authority=personas.authority,
        financial_year=2025,
        amount_per_child="2570",
    )
    alice, dee, vic = (
        personas.social_worker,
        personas.designated_teacher,
        personas.virtual_school_staff,
    )
    first_school = dee.school
    new_school = SchoolFactory(name="Eastham Academy")
    nia = UserFactory.for_role(Role.DESIGNATED_TEACHER, school=new_school, full_name=NIA)
    TeacherApprovalFactory(authority=personas.authority, teacher=nia)

    # --- Mon 15 Sep 2025: Lily enters care in an emergency --------------------------------
    lily = child_register(
        actor=vic,
        details={
            "legal_first_name": "Lily",
            "legal_last_name": "Ashdown",
            "date_of_birth": D(2012, 3, 10),  # Year 9 in 2025/26
            "gender": "female",
        },
        entered_care_on=D(2025, 9, 15),
        emergency_placement=True,
        legal_status=LegalStatus.INTERIM_CARE_ORDER,
        placement_type=PlacementType.FOSTER,
        carers=[personas.carer],
        school=first_school,
        social_worker=alice,
        virtual_school_adviser=vic,
    )
    # The initial PEP, set up by the registration itself: 10 school days after Mon 15 Sep are
    # Tue 16 - Fri 19 (4), Mon 22 - Fri 26 (9), Mon 29 September (10).
    assert peps_of(lily) == [(Term.INITIAL, 2025, D(2025, 9, 29))]
    initial = Pep.objects.get(child=lily, term=Term.INITIAL)
    # The first care review is 20 working days after entry, Mon 13 October: the PEP is due
    # before it, so no warning.
    assert initial_pep_warning(initial) == ""
    # The initial PEP is Lily's Autumn 2025 PEP: the termly set-up (which runs every day
    # until the term ends) makes no second one.
    assert termly_set_up(today=D(2025, 9, 16)) == {}
    assert user_can(dee, Action.VIEW_CHILD, lily)
    assert not user_can(nia, Action.VIEW_CHILD, lily)

    # --- Fri 26 Sep 2025: reminded of the initial PEP; the meeting is arranged ------------
    # The sweep of Fri 26 September: the initial PEP is due Mon 29, 3 days on (a reminder).
    sweep_deadlines(today=D(2025, 9, 26))
    expected_notifications = Counter(
        {
            # Registered by Vic (the adviser, who is not told of her own act): the social
            # worker and the school's designated teacher are told Lily is new to care (14b).
            (ALICE, Kind.NEW_TO_CARE): 1,
            (DEE, Kind.NEW_TO_CARE): 1,
            (ALICE, Kind.INITIAL_PEP_DUE): 1,
        }
    )
    assert notifications() == expected_notifications
    meeting = meeting_arrange(actor=alice, pep=initial, starts_at=at(D(2025, 9, 29))).meeting
    # Every invitee with an account but Alice, who arranged it, is sent the meeting (14b).
    expected_notifications += Counter(
        {
            (DEE, Kind.MEETING_ARRANGED): 1,
            (VIC, Kind.MEETING_ARRANGED): 1,
            (CAROL, Kind.MEETING_ARRANGED): 1,
        }
    )
    assert notifications() == expected_notifications
    initial.refresh_from_db()
    # Teacher's sections 5 school days before Mon 29 Sep: Fri 26, Thu 25, Wed 24, Tue 23,
    # Mon 22 September.
    assert initial.teacher_sections_due_on == D(2025, 9, 22)
    attendance = initial.sections.get(key="attendance")
    section_save(
        actor=dee, section=attendance, answers={"attendance_notes": "Check-ins"}, base_version=1
    )
    # Mon 29 Sep 2025: the initial meeting agrees Thu 22 January 2026 for the next.
    hold(personas, meeting, D(2025, 9, 29), next_on=D(2026, 1, 22))
    initial.refresh_from_db()
    # Submission 3 working days after Mon 29 Sep: Tue 30 Sep, Wed 1, Thu 2 October.
    assert (initial.status, initial.submission_due_on) == (PepStatus.MEETING_HELD, D(2025, 10, 2))

    # --- Thu 18 Dec 2025: the Spring PEP is set up with the meeting agreed in September -----
    assert termly_set_up(today=D(2025, 12, 18)) == {"northam spring 2025": 1}
    spring = Pep.objects.get(child=lily, term=Term.SPRING, academic_year=2025)
    assert spring.due_on == D(2026, 3, 31)  # the Spring review term ends 31 March
    carried = arranged(spring)
    assert local(carried.starts_at) == dt.datetime(2026, 1, 22, 10, 0)
    assert carried.arranged_by == alice
    # It is under Meetings: the care team's calendar of meetings to come.
    assert list(upcoming_meetings_for(user=dee, today=D(2025, 12, 18))) == [carried]
    assert sorted(carried.attendees.values_list("name", flat=True)) == sorted(
        [ALICE, DEE, VIC, CAROL]
    )
    # Teacher's sections 5 school days before Thu 22 Jan: Wed 21, Tue 20, Mon 19, Fri 16,
    # Thu 15 January.
    assert spring.teacher_sections_due_on == D(2026, 1, 15)
    # "1 Spring PEPs have been set up", to all the virtual school's staff: Vic and Val; the
    # carried meeting, arranged in Alice's name, is sent to the other invitees.
    expected_notifications += Counter(
        {(VIC, Kind.PEPS_SET_UP): 1, (VAL, Kind.PEPS_SET_UP): 1}
    ) + invited(DEE, VIC, CAROL)
    assert notifications() == expected_notifications
    section_save(
        actor=dee,
        section=spring.sections.get(key="attendance"),
        answers={"attendance_notes": "Walking bus from the placement"},
        base_version=1,
    )

    # --- Mon 12 Jan 2026: Lily changes school ----------------------------------------------
    school_move(actor=vic, child=lily, school=new_school, started_on=D(2026, 1, 12))
    # Moved by Vic: the social worker and the new school's designated teacher are told (14b).
    expected_notifications += Counter({(ALICE, Kind.SCHOOL_MOVE): 1, (NIA, Kind.SCHOOL_MOVE): 1})
    assert notifications() == expected_notifications
    spring.refresh_from_db()
    # The school-change rule, 10 working days: Tue 13 - Fri 16 (4), Mon 19 - Fri 23 (9),
    # Mon 26 January (10): the open Spring PEP's review is brought forward from 31 March.
    assert spring.due_on == D(2026, 1, 26)
    assert "change of school" in spring.due_basis
    # Access: Nia gains the child; Dee leaves the care team and keeps read-only access to the
    # PEPs her school wrote in for 20 school days on her school's calendar: 13-16 Jan (4),
    # 19-23 (9), 26-30 (14), 2-6 Feb (19), until Mon 9 February.
    assert user_can(nia, Action.VIEW_CHILD, lily)
    assert not user_can(dee, Action.VIEW_CHILD, lily)
    assert list(
        PreviousSchoolAccess.objects.values_list(
            "teacher__full_name", "school", "moved_on", "until"
        )
    ) == [(DEE, first_school.pk, D(2026, 1, 12), D(2026, 2, 9))]
    # Her unfinished sections pass to Eastham Academy with a note.
    assert spring.sections.get(key="attendance").handover_note == (
        "Started by Northam High School; handed over to Eastham Academy on 12 January 2026 "
        "when the child changed school. Check the answers and finish the section."
    )
    # The initial PEP's too: held, but not yet submitted, so still to be finished.
    assert initial.sections.get(key="attendance").handover_note.startswith("Started by Northam")

    # --- Thu 22 Jan 2026: the Spring meeting, within the school-change days ----------------
    hold(personas, carried, D(2026, 1, 22), next_on=D(2026, 4, 30))
    spring.refresh_from_db()
    # Submission 3 working days after Thu 22 Jan: Fri 23, Mon 26, Tue 27 January.
    assert spring.submission_due_on == D(2026, 1, 27)

    # --- Mon 2 Mar 2026: the new school asks for Pupil Premium Plus --------------------------
    request = pp_request_raise(
        actor=nia, pep=spring, amount="500", purpose="A maths tutor", on=D(2026, 3, 2)
    )
    assert (request.status, request.amount, request.school) == (
        PpStatus.REQUESTED,
        Decimal("500"),
        new_school,
    )

    # --- Mon 9 Mar 2026: the sweep ----------------------------------------------------------
    sweep_deadlines(today=D(2026, 3, 9))
    # Both PEPs wait to be submitted, each over 5 days late (due 2 October and 27 January):
    # escalated, so Alice and Vic are told of each; Medway's last date accepted for PP+ is 22
    # March, and the teacher of Lily's school is told from 14 days before (Sun 8 March), so
    # at today's sweep.
    expected_notifications += Counter(
        {(ALICE, Kind.SUBMISSION_DUE): 2, (VIC, Kind.SUBMISSION_DUE): 2, (NIA, Kind.PP_CUTOFF): 1}
    )
    assert notifications() == expected_notifications
    # The nightly sweep ended Dee's read-only window (its last day was 9 February).
    assert PreviousSchoolAccess.objects.get().ended_at is not None
    assert not user_can(dee, Action.VIEW_PEP, spring)

    # --- Tue 10 Mar 2026: the virtual school approves the PP+ -------------------------------
    pp_request_decide(actor=vic, request=request, decision=PpStatus.APPROVED)
    # Decided by Vic: Nia (who asked, and Lily's designated teacher) and Alice are told.
    expected_notifications += Counter({(NIA, Kind.PP_DECIDED): 1, (ALICE, Kind.PP_DECIDED): 1})
    assert notifications() == expected_notifications

    # --- Wed 18 Mar 2026: the Summer PEP, with the meeting agreed in January ----------------
    assert termly_set_up(today=D(2026, 3, 18)) == {"northam summer 2025": 1}
    summer = Pep.objects.get(child=lily, term=Term.SUMMER, academic_year=2025)
    assert summer.due_on == D(2026, 7, 31)
    # It reviews the £500 approved at the Spring PEP: its spend and impact are required.
    assert (summer.previous, summer.reviews_pp_plus) == (spring, True)
    carried = arranged(summer)
    assert local(carried.starts_at) == dt.datetime(2026, 4, 30, 10, 0)
    assert sorted(carried.attendees.values_list("name", flat=True)) == sorted(
        [ALICE, NIA, VIC, CAROL]
    )
    # Thu 30 Apr: Wed 29, Tue 28, Mon 27, Fri 24, Thu 23 April.
    assert summer.teacher_sections_due_on == D(2026, 4, 23)
    expected_notifications += Counter(
        {(VIC, Kind.PEPS_SET_UP): 1, (VAL, Kind.PEPS_SET_UP): 1}
    ) + invited(NIA, VIC, CAROL)
    assert notifications() == expected_notifications
    hold(personas, carried, D(2026, 4, 30), next_on=D(2026, 9, 24))

    # --- Tue 18 Aug 2026: the Autumn 2026 PEP, its meeting agreed in April ------------------
    assert termly_set_up(today=D(2026, 8, 18)) == {"northam autumn 2026": 1}
    autumn = Pep.objects.get(child=lily, term=Term.AUTUMN, academic_year=2026)
    carried = arranged(autumn)
    assert local(carried.starts_at) == dt.datetime(2026, 9, 24, 10, 0)
    # Thu 24 Sep 2026: Wed 23, Tue 22, Mon 21, Fri 18, Thu 17 September.
    assert autumn.teacher_sections_due_on == D(2026, 9, 17)
    expected_notifications += Counter(
        {(VIC, Kind.PEPS_SET_UP): 1, (VAL, Kind.PEPS_SET_UP): 1}
    ) + invited(NIA, VIC, CAROL)
    assert notifications() == expected_notifications

    # The year's PEPs: the initial (which was Autumn 2025's) and three termly ones.
    assert peps_of(lily) == [
        (Term.INITIAL, 2025, D(2025, 9, 29)),
        (Term.SPRING, 2025, D(2026, 1, 26)),
        (Term.SUMMER, 2025, D(2026, 7, 31)),
        (Term.AUTUMN, 2026, D(2026, 12, 31)),
    ]
