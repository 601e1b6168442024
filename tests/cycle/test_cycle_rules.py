"""Each rule of the cycle the portal drives, both ways: the initial PEP on entry to care (and
the terms it stands for), the warning before the first care review, a change of school (the
school-change rule, the previous school's read-only window, the handover), the next meeting
carried forward, the questions an initial PEP does not ask, and a setting that does not fit
the child's year group. Dates are counted by hand on the calendar in test_whole_year."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from children.access import previous_school_access_expire
from children.models import Child, LegalStatus, PlacementType, PreviousSchoolAccess
from children.school_year import setting_age_warning
from children.services import (
    care_episode_end,
    care_episode_start,
    child_register,
    delegation_grant,
    school_move,
)
from dashboards.work import work_by_pep
from meetings.models import MeetingStatus
from meetings.services import meeting_arrange, meeting_record
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.accounts.roles import Role
from pep_portal.calendars import deadlines
from pep_portal.calendars.choices import DayUnit
from pep_portal.calendars.models import PepRuleSet
from pep_portal.calendars.selectors import rules_for_authority
from pep_portal.calendars.services import rule_set_load_preset, term_dates_load
from pep_portal.demo import seed_demo
from pep_portal.notifications.services import termly_set_up
from peps.models import Pep, PepStatus, Term
from peps.sections import SECTIONS_BY_KEY, missing_answers
from peps.selectors import initial_pep_warning
from peps.services import may_edit, pep_set_up, pep_set_up_many, section_save
from tests.factories import SchoolFactory, TeacherApprovalFactory, UserFactory
from tests.meetings.test_meetings import at

from .test_whole_year import term_dates

D = dt.date
YEAR_9 = D(2012, 3, 10)  # Year 9 in 2025/26


@pytest.fixture
def northam(personas):  # type: ignore[no-untyped-def]
    rule_set_load_preset(preset="medway", slug=personas.authority.slug)
    term_dates_load(
        actor=None, rows=term_dates(), source="written out", authority=personas.authority
    )
    return personas


def enter(personas, on: dt.date, *, emergency: bool, school=None, dob=YEAR_9):  # type: ignore[no-untyped-def]
    return child_register(
        actor=personas.virtual_school_staff,
        details={
            "legal_first_name": "Rowan",
            "legal_last_name": "Ashdown",
            "date_of_birth": dob,
            "gender": "female",
        },
        entered_care_on=on,
        emergency_placement=emergency,
        legal_status=LegalStatus.INTERIM_CARE_ORDER,
        placement_type=PlacementType.FOSTER,
        carers=[personas.carer],
        school=school if school is not None else personas.designated_teacher.school,
        social_worker=personas.social_worker,
        virtual_school_adviser=personas.virtual_school_staff,
    )


def initial_of(child) -> Pep:  # type: ignore[no-untyped-def]
    return Pep.objects.get(child=child, term=Term.INITIAL)


# --- the initial PEP ------------------------------------------------------------------------


def test_a_planned_entry_gets_its_initial_pep_due_20_school_days_later(northam):
    # Mon 15 Sep 2025: Tue 16 - Fri 19 (4), 22-26 (9), 29 Sep - 3 Oct (14), 6-10 (19), Mon 13 Oct.
    child = enter(northam, D(2025, 9, 15), emergency=False)
    pep = initial_of(child)
    assert (pep.due_on, pep.starts_on, pep.status) == (D(2025, 10, 13), D(2025, 9, 15), "draft")
    assert "planned placement" in pep.due_basis


def test_an_emergency_entry_gets_its_initial_pep_due_10_school_days_later(northam):
    # Mon 15 Sep 2025: Tue 16 - Fri 19 (4), 22-26 (9), Mon 29 September (10).
    child = enter(northam, D(2025, 9, 15), emergency=True)
    assert initial_of(child).due_on == D(2025, 9, 29)
    assert "emergency placement" in initial_of(child).due_basis


def test_coming_back_into_care_gets_a_new_initial_pep(northam):
    child = enter(northam, D(2025, 9, 15), emergency=True)
    vic = northam.virtual_school_staff
    care_episode_end(actor=vic, child=child, ended_on=D(2025, 10, 1), reason="Returned home")
    with pytest.raises(Exception, match="after 01 October 2025"):
        care_episode_start(
            actor=vic,
            child=child,
            entered_care_on=D(2025, 10, 1),
            emergency_placement=True,
            legal_status=LegalStatus.INTERIM_CARE_ORDER,
        )
    care_episode_start(
        actor=vic,
        child=child,
        entered_care_on=D(2025, 11, 3),
        emergency_placement=True,
        legal_status=LegalStatus.INTERIM_CARE_ORDER,
    )
    # Mon 3 Nov 2025 (after half-term): 4-7 (4), 10-14 (9), Mon 17 November (10).
    assert sorted(
        Pep.objects.filter(child=child, term=Term.INITIAL).values_list("starts_on", "due_on")
    ) == [(D(2025, 9, 15), D(2025, 9, 29)), (D(2025, 11, 3), D(2025, 11, 17))]


def test_coming_back_into_care_in_a_term_with_its_pep_makes_the_initial_pep_that_terms(northam):
    vic = northam.virtual_school_staff
    # Emergency entry Mon 15 Sep 2025: the initial PEP (due Mon 29 Sep) is the Autumn PEP; the
    # set-up before the Spring term makes the Spring PEP.
    child = enter(northam, D(2025, 9, 15), emergency=True)
    assert termly_set_up(today=D(2025, 12, 18)) == {"northam spring 2025": 1}
    spring = Pep.objects.get(child=child, term=Term.SPRING)
    # Home on Fri 9 Jan (the Spring PEP left open), back on a plan on Mon 12 Jan 2026: 20
    # school days are 13-16 Jan (4), 19-23 (9), 26-30 (14), 2-6 Feb (19), Mon 9 February.
    care_episode_end(actor=vic, child=child, ended_on=D(2026, 1, 9), reason="Returned home")
    care_episode_start(
        actor=vic,
        child=child,
        entered_care_on=D(2026, 1, 12),
        emergency_placement=False,
        legal_status=LegalStatus.INTERIM_CARE_ORDER,
    )
    again = Pep.objects.get(child=child, term=Term.INITIAL, starts_on=D(2026, 1, 12))
    assert again.due_on == D(2026, 2, 9)
    # The initial PEP is the Spring PEP: the open Spring PEP is closed, saying why, and the
    # initial PEP carries forward from it; the first initial PEP (Autumn, never finished
    # here) belongs to a term the new one does not stand for and is left as it is.
    spring.refresh_from_db()
    assert spring.status == PepStatus.CLOSED
    assert spring.events.last().reason == (  # type: ignore[union-attr]
        "The child came back into care on 12 January 2026: the initial PEP is this term's PEP"
    )
    assert again.previous_id == spring.pk
    open_peps = Pep.objects.filter(child=child).exclude(status=PepStatus.CLOSED)
    assert sorted(open_peps.values_list("term", "starts_on")) == [
        (Term.INITIAL, D(2025, 9, 15)),
        (Term.INITIAL, D(2026, 1, 12)),
    ]
    # The Summer set-up (before Mon 20 April) makes the Summer PEP, and no second Spring one.
    assert termly_set_up(today=D(2026, 4, 6)) == {"northam summer 2025": 1}
    assert Pep.objects.filter(child=child, term=Term.SPRING).count() == 1


def test_an_initial_pep_straddling_two_terms_is_the_pep_of_both(northam):
    # Planned entry Mon 1 Dec 2025: 2-5 (4), 8-12 (9), 15-19 (14), 5-9 Jan (19), Mon 12 Jan:
    # the initial PEP is due in the Spring term, so it is the Autumn and the Spring PEP.
    straddles = enter(northam, D(2025, 12, 1), emergency=False)
    assert initial_of(straddles).due_on == D(2026, 1, 12)
    # Emergency entry the same day: 2-5 (4), 8-12 (9), Mon 15 Dec (10): the Autumn PEP only.
    autumn_only = enter(northam, D(2025, 12, 1), emergency=True)
    assert initial_of(autumn_only).due_on == D(2025, 12, 15)
    assert termly_set_up(today=D(2025, 12, 18)) == {"northam spring 2025": 1}
    assert not Pep.objects.filter(child=straddles).exclude(term=Term.INITIAL).exists()
    assert list(
        Pep.objects.filter(child=autumn_only).exclude(term=Term.INITIAL).values_list("term")
    ) == [(Term.SPRING,)]


REFUSED_SPRING = (
    "This child's initial PEP is their Spring PEP 2025/26, so they need no other PEP for that "
    "term: work on the initial PEP instead, or choose another term"
)


def test_a_termly_pep_set_up_by_hand_for_the_initial_peps_terms_is_refused(northam, client):
    # Planned entry Mon 1 Dec 2025, the initial PEP due Mon 12 Jan 2026: the Autumn and the
    # Spring PEP (as above). Setting up either by hand is refused; the Summer PEP is not.
    child = enter(northam, D(2025, 12, 1), emergency=False)
    vic = northam.virtual_school_staff
    for term, title in ((Term.AUTUMN, "Autumn PEP 2025/26"), (Term.SPRING, "Spring PEP 2025/26")):
        with pytest.raises(ValidationError) as refused:
            pep_set_up(actor=vic, child=child, academic_year=2025, term=term)
        assert refused.value.message_dict == {
            "term": [
                f"This child's initial PEP is their {title}, so they need no other PEP for "
                "that term: work on the initial PEP instead, or choose another term"
            ]
        }
    assert not Pep.objects.filter(child=child).exclude(term=Term.INITIAL).exists()
    summer = pep_set_up(actor=vic, child=child, academic_year=2025, term=Term.SUMMER)
    assert (summer.term, summer.academic_year) == (Term.SUMMER, 2025)

    # On the "Set up a PEP" form: in the error summary, linked to the term, and beside it.
    client.force_login(vic)
    url = reverse("pep_set_up", args=[child.pk])
    response = client.post(url, {"term": "spring", "academic_year": "2025"})
    assert response.status_code == 200
    html = response.content.decode()
    summary = html[html.index('class="govuk-error-summary"') :]
    summary = summary[: summary.index("</ul>")]
    # GOV.UK: the summary links to the first radio of the question.
    assert f'href="#id_term_1">{REFUSED_SPRING}</a>' in summary.replace("&#x27;", "'")
    beside = html[html.index('<span id="id_term_1_error" class="govuk-error-message">') :]
    assert REFUSED_SPRING in beside[: beside.index("<div")].replace("&#x27;", "'")
    assert list(
        Pep.objects.filter(child=child).values_list("term", flat=True).order_by("term")
    ) == [
        Term.INITIAL,
        Term.SUMMER,
    ]


def test_the_termly_batch_skips_a_child_whose_initial_pep_is_the_terms(northam):
    """pep_set_up_many (the termly set-up's and the bulk demo's batch) skips the child, as
    pep_set_up refuses one: the same rule, asked in the one place."""
    straddles = enter(northam, D(2025, 12, 1), emergency=False)  # Autumn and Spring
    autumn_only = enter(northam, D(2025, 12, 1), emergency=True)  # due Mon 15 Dec: Autumn
    rules = rules_for_authority(northam.authority)
    with transaction.atomic():
        made = pep_set_up_many(
            children=[straddles, autumn_only], academic_year=2025, term=Term.SPRING, rules=rules
        )
        assert [p.child_id for p in made] == [autumn_only.pk]
        assert (
            pep_set_up_many(
                children=[straddles, autumn_only], academic_year=2025, term=Term.AUTUMN, rules=rules
            )
            == []
        )


def test_the_initial_pep_terms_rule_by_hand():
    windows = deadlines.STATUTORY_REVIEW_WINDOWS
    codes = lambda start, due: [  # noqa: E731
        (t.code, t.academic_year)
        for t in deadlines.initial_pep_review_terms(windows, starts_on=start, due_on=due)
    ]
    assert codes(D(2025, 9, 15), D(2025, 9, 29)) == [("autumn", 2025)]
    assert codes(D(2025, 12, 1), D(2026, 1, 12)) == [("autumn", 2025), ("spring", 2025)]
    assert codes(D(2025, 12, 1), None) == [("autumn", 2025)]
    # Entering care in August (no review term): the PEP due in September is Autumn's.
    assert codes(D(2026, 8, 10), D(2026, 9, 14)) == [("autumn", 2026)]
    assert codes(D(2026, 8, 10), D(2026, 8, 24)) == []


def test_a_warning_when_the_initial_pep_is_due_after_the_first_care_review(northam, client):
    # Planned entry Mon 20 Oct 2025: 20 school days are 21-24 Oct (4), (half-term 27-31),
    # 3-7 Nov (9), 10-14 (14), 17-21 (19), Mon 24 Nov. The first care review, 20 working
    # days: 21-24 Oct (4), 27-31 (9), 3-7 Nov (14), 10-14 (19), Mon 17 November.
    late = initial_of(enter(northam, D(2025, 10, 20), emergency=False))
    assert late.due_on == D(2025, 11, 24)
    assert initial_pep_warning(late) == (
        "This initial PEP is due on 24 November 2025, after the first review of the care plan "
        "(17 November 2025, 20 working days after entering care): hold the PEP meeting before "
        "the review so the plan is ready for it."
    )
    client.force_login(northam.virtual_school_staff)
    page = client.get(reverse("pep_detail", args=[late.pk])).content.decode()
    assert "after the first review of the care plan" in page
    child_page = client.get(reverse("child_detail", args=[late.child_id])).content.decode()
    assert "after the first review of the care plan" in child_page
    # Planned entry Mon 15 Sep 2025: due Mon 13 Oct, the very day of the review: no warning.
    on_the_day = initial_of(enter(northam, D(2025, 9, 15), emergency=False))
    assert on_the_day.due_on == D(2025, 10, 13)
    assert initial_pep_warning(on_the_day) == ""
    page = client.get(reverse("pep_detail", args=[on_the_day.pk])).content.decode()
    assert "after the first review of the care plan" not in page


# --- questions an initial PEP does not ask --------------------------------------------------


def test_an_initial_pep_does_not_ask_about_the_last_pep(northam):
    care, voice = SECTIONS_BY_KEY["care_information"], SECTIONS_BY_KEY["child_voice"]
    asked = lambda spec, initial: [f.name for f in spec.fields_for("yg", initial=initial)]  # noqa: E731
    assert "changes" in asked(care, False) and "changes" not in asked(care, True)
    assert "we_did" in asked(voice, False) and "we_did" not in asked(voice, True)
    answers = {"changes": "", "care_plan": "x"}
    assert "changes" in [f.name for f in missing_answers(care, "yg", answers)]
    assert "changes" not in [f.name for f in missing_answers(care, "yg", answers, initial=True)]


def test_the_initial_pep_page_leaves_out_the_last_pep_questions(northam, client):
    pep = initial_of(enter(northam, D(2025, 9, 15), emergency=True))
    client.force_login(northam.virtual_school_staff)
    page = client.get(reverse("pep_detail", args=[pep.pk])).content.decode()
    assert "Changes since the last PEP" not in page
    assert "You said, we did" not in page
    termly = Pep.objects.create(
        child=pep.child, academic_year=2025, term=Term.SPRING, template=pep.template
    )
    section = termly.sections.create(key="care_information")
    assert section.pk
    page = client.get(reverse("pep_detail", args=[termly.pk])).content.decode()
    assert "Changes since the last PEP" in page


# --- a change of school ---------------------------------------------------------------------


@pytest.fixture
def moved_today(personas):  # type: ignore[no-untyped-def]
    """A child entered care 30 days ago at Dee's school; Dee wrote in the initial PEP; today
    the child moves to Nia's school. Northam's rule set keeps the previous school 5 calendar
    days (today's date has no term dates loaded: school days are tested below)."""
    rule_set_load_preset(preset="medway", slug=personas.authority.slug)
    PepRuleSet.objects.filter(authority=personas.authority).update(
        previous_school_access_days=5, previous_school_access_unit=DayUnit.CALENDAR
    )
    today = timezone.localdate()
    child = enter(personas, today - dt.timedelta(days=30), emergency=True)
    initial = initial_of(child)
    section_save(
        actor=personas.designated_teacher,
        section=initial.sections.get(key="attendance"),
        answers={"attendance_percent": 90},
        base_version=1,
    )
    new_school = SchoolFactory(name="Eastham Academy")
    nia = UserFactory.for_role(Role.DESIGNATED_TEACHER, school=new_school, full_name="Nia New")
    TeacherApprovalFactory(authority=personas.authority, teacher=nia)
    school_move(
        actor=personas.virtual_school_staff, child=child, school=new_school, started_on=today
    )
    return child, initial, nia, today


def test_the_previous_school_may_read_what_it_wrote_in_but_change_nothing(personas, moved_today):
    child, initial, nia, today = moved_today
    dee = personas.designated_teacher
    assert not user_can(dee, Action.VIEW_CHILD, child)
    assert user_can(dee, Action.VIEW_PEP, initial)
    attendance = initial.sections.get(key="attendance")
    assert not may_edit(dee, attendance)
    assert not user_can(dee, Action.MARK_PEP_READY, initial)
    assert not user_can(dee, Action.ADD_ATTACHMENT, initial)
    assert user_can(nia, Action.VIEW_PEP, initial) and may_edit(nia, attendance)
    # Read-only means no tasks on Dee's home page either.
    assert [work for work in work_by_pep(user=dee) if work.pep.pk == initial.pk] == []
    # A PEP Dee's school never wrote in, set up before the move, stays closed to her.
    other = Pep.objects.create(
        child=child,
        academic_year=2024,
        term=Term.SUMMER,
        template=initial.template,
        starts_on=today - dt.timedelta(days=60),
    )
    assert not user_can(dee, Action.VIEW_PEP, other)
    # Nor does anyone else at another school gain anything.
    assert not user_can(personas.other_school_teacher, Action.VIEW_PEP, initial)


def test_the_window_is_the_rule_sets_days_and_the_nightly_job_ends_it(personas, moved_today):
    _, initial, _, today = moved_today
    row = PreviousSchoolAccess.objects.get()
    assert (row.teacher, row.moved_on, row.until) == (
        personas.designated_teacher,
        today,
        today + dt.timedelta(days=5),
    )
    assert previous_school_access_expire(today=today + dt.timedelta(days=5)) == 0
    assert user_can(personas.designated_teacher, Action.VIEW_PEP, initial)
    assert previous_school_access_expire(today=today + dt.timedelta(days=6)) == 1
    assert not user_can(personas.designated_teacher, Action.VIEW_PEP, initial)


def test_the_window_counts_school_days_on_the_previous_schools_calendar_with_its_delegates(
    northam,
):
    # Medway's preset: 20 school days. Planned entry Mon 15 Sep 2025 at Dee's school, where
    # Dee delegated the child to Sen; Sen wrote in the initial PEP; the child moves to Eastham
    # on Mon 1 Dec 2025: 2-5 Dec (4), 8-12 (9), 15-19 (14), then the Christmas holiday, 5-9 Jan
    # (19), Mon 12 January 2026 (20).
    dee, sen = northam.designated_teacher, northam.delegated_school_staff
    child = enter(northam, D(2025, 9, 15), emergency=False)
    delegation_grant(actor=dee, child=child, delegate=sen)
    initial = initial_of(child)
    section_save(
        actor=sen,
        section=initial.sections.get(key="attendance"),
        answers={"attendance_percent": 88},
        base_version=1,
    )
    school_move(
        actor=northam.virtual_school_staff,
        child=child,
        school=SchoolFactory(name="Eastham Academy"),
        started_on=D(2025, 12, 1),
    )
    assert sorted(
        PreviousSchoolAccess.objects.values_list("teacher__full_name", "moved_on", "until")
    ) == [
        ("Dee Teacher", D(2025, 12, 1), D(2026, 1, 12)),
        ("Sen Co", D(2025, 12, 1), D(2026, 1, 12)),
    ]
    # Sen's delegation lapsed with the move, yet Sen may read what the school wrote, and only
    # read it, while the window is open (here it is: the window's end is moved to today's).
    PreviousSchoolAccess.objects.update(until=timezone.localdate())
    assert user_can(sen, Action.VIEW_PEP, initial)
    assert not may_edit(sen, initial.sections.get(key="attendance"))
    # Other staff at the school, never delegated the child, have no window.
    other = UserFactory.for_role(Role.DELEGATED_SCHOOL_STAFF, school=dee.school)
    assert not user_can(other, Action.VIEW_PEP, initial)
    assert previous_school_access_expire(today=timezone.localdate() + dt.timedelta(days=1)) == 2
    assert not user_can(sen, Action.VIEW_PEP, initial)


def test_without_a_school_change_rule_the_pep_keeps_its_date(northam):
    child = enter(northam, D(2025, 9, 15), emergency=True)
    school_move(
        actor=northam.virtual_school_staff,
        child=child,
        school=SchoolFactory(name="Eastham Academy"),
        started_on=D(2025, 9, 22),
    )
    assert list(Pep.objects.filter(child=child).values_list("term", "due_on")) == [
        (Term.INITIAL, D(2025, 9, 29))
    ]


def test_with_no_open_pep_the_school_change_rule_sets_up_the_next_one(northam):
    PepRuleSet.objects.filter(authority=northam.authority).update(
        school_change_pep_days=10, school_change_pep_unit=DayUnit.WORKING
    )
    child = enter(northam, D(2025, 9, 15), emergency=True)
    initial = initial_of(child)
    meeting = meeting_arrange(
        actor=northam.social_worker, pep=initial, starts_at=at(D(2025, 9, 29))
    ).meeting
    meeting_record(
        actor=northam.social_worker,
        meeting=meeting,
        held_on=D(2025, 9, 29),
        attendance={a.pk: (True, "") for a in meeting.attendees.all()},
        discussion="Settling in",
        next_meeting_on=D(2026, 1, 22),
    )
    school_move(
        actor=northam.virtual_school_staff,
        child=child,
        school=SchoolFactory(name="Eastham Academy"),
        started_on=D(2025, 11, 3),
    )
    # The Autumn PEP is the initial one (held): the review after the move is the Spring PEP,
    # set up now and due 10 working days after Mon 3 Nov: 4-7 (4), 10-14 (9), Mon 17 Nov.
    spring = Pep.objects.get(child=child, term=Term.SPRING)
    assert (spring.academic_year, spring.due_on) == (2025, D(2025, 11, 17))
    # ... with the meeting agreed in September.
    assert spring.meetings.get().status == MeetingStatus.ARRANGED


# --- the next meeting -----------------------------------------------------------------------


def test_a_meeting_recorded_after_next_terms_pep_exists_arranges_it_then(northam):
    child = enter(northam, D(2025, 9, 15), emergency=True)
    initial = initial_of(child)
    meeting = meeting_arrange(
        actor=northam.social_worker, pep=initial, starts_at=at(D(2025, 9, 29))
    ).meeting
    termly_set_up(today=D(2025, 12, 18))
    spring = Pep.objects.get(child=child, term=Term.SPRING)
    summer = Pep.objects.create(
        child=child, academic_year=2025, term=Term.SUMMER, template=initial.template
    )
    assert not spring.meetings.exists()
    meeting_record(
        actor=northam.social_worker,
        meeting=meeting,
        held_on=D(2025, 9, 29),
        attendance={a.pk: (True, "") for a in meeting.attendees.all()},
        discussion="Settling in",
        next_meeting_on=D(2026, 1, 22),
    )
    carried = spring.meetings.get()
    assert timezone.localtime(carried.starts_at).replace(tzinfo=None) == dt.datetime(
        2026, 1, 22, 10, 0
    )
    assert carried.arranged_by == northam.social_worker
    assert "time to be confirmed" in carried.venue_details
    assert not summer.meetings.exists()  # 22 January is not in the Summer term
    spring.refresh_from_db()
    assert spring.status == PepStatus.DRAFT


def test_without_an_agreed_date_no_meeting_is_arranged(northam):
    child = enter(northam, D(2025, 9, 15), emergency=True)
    termly_set_up(today=D(2025, 12, 18))
    assert not Pep.objects.get(child=child, term=Term.SPRING).meetings.exists()


# --- a setting that does not fit the child's year group -------------------------------------


def test_a_year_4_child_at_a_secondary_school_is_warned_about():
    # Born 10 March 2017: 8 on 31 August 2025, so Year 4 in 2025/26.
    warning = setting_age_warning(
        date_of_birth=D(2017, 3, 10), on=D(2025, 9, 15), phase="Secondary", school_name="Hill"
    )
    assert warning == (
        "Hill is a secondary setting, but the child is in Year 4 by age: check the school and "
        "the date of birth."
    )
    # Born 10 March 2012: Year 9 in 2025/26, at a secondary school: no warning.
    assert not setting_age_warning(
        date_of_birth=D(2012, 3, 10), on=D(2025, 9, 15), phase="Secondary", school_name="Hill"
    )
    # A phase that says nothing (GIAS "Not applicable", blank) is not checked.
    assert not setting_age_warning(
        date_of_birth=D(2017, 3, 10), on=D(2025, 9, 15), phase="", school_name="Hill"
    )


def test_the_school_move_page_warns_when_the_setting_does_not_fit(northam, client):
    child = enter(northam, D(2025, 9, 15), emergency=True, dob=D(2017, 3, 10))
    secondary = SchoolFactory(name="Hill Secondary", phase="Secondary")
    client.force_login(northam.virtual_school_staff)
    response = client.post(
        reverse("school_move", args=[child.pk]),
        {
            "school": secondary.urn,
            "started_on_0": "3",
            "started_on_1": "11",
            "started_on_2": "2025",
        },
        follow=True,
    )
    assert "Year 4 by age" in response.content.decode()


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_gives_lily_her_initial_pep_and_no_second_autumn_pep(db):
    seed_demo(today=D(2026, 11, 24))
    lily = Child.objects.get(social_care_id="DB-10001")
    pep = Pep.objects.get(child=lily)  # one PEP only: her initial PEP is her Autumn PEP
    # She entered care in an emergency 40 days before 24 November: Thu 15 October 2026.
    assert (pep.term, pep.starts_on) == (Term.INITIAL, D(2026, 10, 15))
    assert pep.due_on is not None and "emergency placement" in pep.due_basis
    # Mo, in care for years, has no initial PEP: his Autumn PEP.
    mo = Child.objects.get(social_care_id="DB-10002")
    assert list(Pep.objects.filter(child=mo).values_list("term", flat=True)) == [Term.AUTUMN]
