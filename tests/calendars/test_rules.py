"""Review terms, financial years and the rules other authorities publish, expressed as data."""

import dataclasses
import datetime as dt

import pytest

from pep_portal.calendars.choices import DayUnit
from pep_portal.calendars.deadlines import (
    DayCount,
    InternalReviewRefused,
    ReminderStage,
    birthday,
    early_years_first_pep_due,
    financial_year_of,
    following_review_term,
    initial_pep_due,
    internal_review_allowed,
    internal_review_refusal,
    no_school_place_meeting_due,
    pep_review_window,
    pp_plus_reminder_due,
    pp_plus_request_accepted,
    pp_plus_request_deadline,
    qa_review_due,
    reminder_stage,
    review_pep_due,
    review_terms_to_set_up,
    school_change_pep_due,
    term_of,
)

D = dt.date


def test_31_march_and_1_april_are_in_different_financial_years():
    assert financial_year_of(D(2026, 3, 31)).start_year == 2025
    assert financial_year_of(D(2026, 4, 1)).start_year == 2026
    assert financial_year_of(D(2026, 3, 31)).label == "2025-26"
    assert financial_year_of(D(2026, 4, 1)).end == D(2027, 3, 31)


def test_pp_plus_last_date_accepted_is_22_march_in_medway_and_31_march_by_statute(medway, walsall):
    # Medway: "before the 23rd March", so the last date accepted is 22 March.
    assert pp_plus_request_deadline(medway, D(2026, 3, 31)) == D(2026, 3, 22)
    assert pp_plus_request_deadline(medway, D(2026, 4, 1)) == D(2027, 3, 22)
    assert pp_plus_request_deadline(medway, D(2025, 9, 10)) == D(2026, 3, 22)
    assert pp_plus_request_deadline(walsall, D(2026, 3, 31)) == D(2026, 3, 31)


def test_medway_accepts_a_request_on_22_march_and_refuses_it_on_23_march(medway, walsall):
    assert pp_plus_request_accepted(medway, D(2027, 3, 22)) is True
    assert pp_plus_request_accepted(medway, D(2027, 3, 23)) is False
    assert pp_plus_request_accepted(medway, D(2027, 3, 31)) is False
    assert pp_plus_request_accepted(medway, D(2027, 4, 1)) is True  # the next year's
    assert pp_plus_request_accepted(walsall, D(2027, 3, 31)) is True


def test_review_terms_are_autumn_spring_and_summer_with_august_in_none(medway):
    assert term_of(medway, D(2026, 3, 31)).label == "Spring 2025/26"
    assert term_of(medway, D(2026, 4, 1)).label == "Summer 2025/26"
    assert term_of(medway, D(2026, 8, 31)) is None
    assert term_of(medway, D(2026, 9, 1)).label == "Autumn 2026/27"
    assert term_of(medway, D(2025, 12, 31)).label == "Autumn 2025/26"
    assert term_of(medway, D(2026, 1, 1)).label == "Spring 2025/26"


def test_review_windows_have_their_dates_in_the_right_calendar_year(medway):
    autumn = pep_review_window(medway, 2025, "autumn")
    assert (autumn.start, autumn.end) == (D(2025, 9, 1), D(2025, 12, 31))
    summer = pep_review_window(medway, 2025, "summer")
    assert (summer.start, summer.end) == (D(2026, 4, 1), D(2026, 7, 31))
    # Terms are found by their code, never by the name shown.
    with pytest.raises(KeyError):
        pep_review_window(medway, 2025, "Summer")
    with pytest.raises(KeyError):
        pep_review_window(medway, 2025, "winter")


def test_walsall_third_review_may_be_internal_only_with_expected_progress(walsall, medway):
    def allowed(rules, term, formal, progress=True):  # type: ignore[no-untyped-def]
        return internal_review_allowed(
            rules, term_code=term, formal_meetings_this_year=formal, expected_progress=progress
        )

    # Summer, the last term: only after the two formal meetings of the year.
    assert not allowed(walsall, "summer", 1)
    assert allowed(walsall, "summer", 2)
    assert not allowed(walsall, "summer", 2, progress=False)
    assert not allowed(walsall, "summer", 2, progress=None)
    # Autumn: spring and summer can still hold the two formal meetings.
    assert allowed(walsall, "autumn", 0)
    # Spring after an internal autumn review: summer alone cannot hold two formal meetings.
    assert not allowed(walsall, "spring", 0)
    assert allowed(walsall, "spring", 1)
    # Medway holds a formal meeting every term.
    assert not allowed(medway, "summer", 2)
    assert internal_review_refusal(
        medway, term_code="summer", formal_meetings_this_year=2, expected_progress=True
    ) == (InternalReviewRefused.EVERY_TERM_FORMAL)
    assert internal_review_refusal(
        walsall, term_code="spring", formal_meetings_this_year=0, expected_progress=True
    ) == (InternalReviewRefused.MUST_BE_FORMAL)
    assert internal_review_refusal(
        walsall, term_code="autumn", formal_meetings_this_year=0, expected_progress=False
    ) == (InternalReviewRefused.NEEDS_EXPECTED_PROGRESS)


def test_medway_wants_a_meeting_within_24_hours_when_there_is_no_school_place(medway, walsall):
    since = dt.datetime(2026, 3, 6, 16, 30, tzinfo=dt.UTC)
    assert no_school_place_meeting_due(medway, since=since) == since + dt.timedelta(hours=24)
    assert no_school_place_meeting_due(walsall, since=since) is None


def test_an_authority_counting_twenty_working_days_needs_only_data(medway, northam):
    # Another authority's rule: initial PEP within 20 working days of entering care, and a
    # new PEP within 10 working days of a change of school.
    other = dataclasses.replace(
        medway,
        authority="Gateshead",
        initial_pep=DayCount(20, DayUnit.WORKING),
        initial_pep_emergency=DayCount(20, DayUnit.WORKING),
        school_change_pep=DayCount(10, DayUnit.WORKING),
    )
    # Working days from Mon 15 Dec 2025: 16-19 (4), 22-24 (7), 29-31 (10), 2 Jan (11),
    # 5-9 (16), 12-15 Jan (20). The school holiday does not stop the count.
    assert initial_pep_due(other, northam, entered_care=D(2025, 12, 15), emergency=False).due == (
        D(2026, 1, 15)
    )
    # Changed school Fri 22 May 2026: 26-29 May (4), 1-5 Jun (9), Mon 8 Jun (10).
    assert school_change_pep_due(other, northam, changed_on=D(2026, 5, 22)).due == D(2026, 6, 8)
    assert school_change_pep_due(medway, northam, changed_on=D(2026, 5, 22)) is None


def test_first_early_years_pep_counts_from_the_term_after_the_third_birthday(medway, northam):
    rules = dataclasses.replace(medway, early_years_first_pep=DayCount(20, DayUnit.SCHOOL))
    # Third birthday 15 Oct 2025 → spring term; its first school day is Tue 6 Jan (Mon 5 is
    # INSET), day 0; 20 school days on is Tue 3 Feb 2026.
    deadline = early_years_first_pep_due(rules, northam, date_of_birth=D(2022, 10, 15))
    assert deadline.counted_from == D(2026, 1, 6)
    assert deadline.due == D(2026, 2, 3)
    assert "Spring term" in deadline.rule
    assert early_years_first_pep_due(medway, northam, date_of_birth=D(2022, 10, 15)) is None


def test_a_birthday_on_the_first_day_of_a_term_waits_for_the_following_term(medway, northam):
    rules = dataclasses.replace(medway, early_years_first_pep=DayCount(20, DayUnit.SCHOOL))
    # Turns 3 on 1 January 2026 → summer term, from Mon 13 Apr (day 0). 14-17 Apr (4), 20-24
    # (9), 27 Apr-1 May (14), Mon 4 May bank holiday, 5-8 May (18), 11 (19), Tue 12 May (20).
    deadline = early_years_first_pep_due(rules, northam, date_of_birth=D(2023, 1, 1))
    assert deadline.counted_from == D(2026, 4, 13)
    assert deadline.due == D(2026, 5, 12)


def test_a_29_february_birthday_falls_on_1_march_in_other_years():
    assert birthday(D(2020, 2, 29), 3) == D(2023, 3, 1)
    assert birthday(D(2020, 2, 29), 4) == D(2024, 2, 29)


def test_a_termly_pep_is_due_on_the_last_day_of_its_review_term(medway):
    deadline = review_pep_due(medway, 2025, "spring")
    assert (deadline.counted_from, deadline.due) == (D(2026, 1, 1), D(2026, 3, 31))
    assert deadline.rule == "Medway Council: Spring review between 1 January and 31 March 2026"
    with pytest.raises(KeyError):
        review_pep_due(medway, 2025, "Spring")


def test_the_next_meeting_belongs_to_the_following_term_and_summer_leads_to_autumn(medway):
    spring = following_review_term(medway, D(2025, 11, 12))
    assert (spring.code, spring.start, spring.end) == ("spring", D(2026, 1, 1), D(2026, 3, 31))
    autumn = following_review_term(medway, D(2026, 6, 30))
    assert (autumn.code, autumn.academic_year) == ("autumn", 2026)
    assert (autumn.start, autumn.end) == (D(2026, 9, 1), D(2026, 12, 31))
    assert following_review_term(medway, D(2026, 8, 12)) is None  # August: no term


def test_termly_peps_are_set_up_from_fourteen_days_before_a_term_until_it_ends(medway):
    # Spring opens Fri 1 January 2027: set up from Fri 18 December 2026.
    assert [t.label for t in review_terms_to_set_up(medway, D(2026, 12, 17))] == ["Autumn 2026/27"]
    assert [t.label for t in review_terms_to_set_up(medway, D(2026, 12, 18))] == [
        "Autumn 2026/27",
        "Spring 2026/27",
    ]
    later = dataclasses.replace(medway, set_up_days_before_term=7)
    assert [t.code for t in review_terms_to_set_up(later, D(2026, 12, 24))] == ["autumn"]
    assert [t.code for t in review_terms_to_set_up(later, D(2026, 12, 25))] == [
        "autumn",
        "spring",
    ]
    # August: no term is open and autumn's set-up starts on 18 August.
    assert review_terms_to_set_up(medway, D(2026, 8, 17)) == []
    assert [t.label for t in review_terms_to_set_up(medway, D(2026, 8, 18))] == ["Autumn 2026/27"]


def test_reminders_come_three_days_before_and_escalation_five_days_after(medway):
    due = D(2026, 12, 31)
    stages = {day: reminder_stage(medway, today=D(2026, 12, day), due=due) for day in (27, 28)}
    assert stages == {27: None, 28: ReminderStage.REMINDER}
    assert reminder_stage(medway, today=due, due=due) == ReminderStage.DUE
    assert reminder_stage(medway, today=D(2027, 1, 4), due=due) == ReminderStage.DUE
    assert reminder_stage(medway, today=D(2027, 1, 5), due=due) == ReminderStage.ESCALATED
    slower = dataclasses.replace(medway, reminder_lead_days=10, escalate_after_days=1)
    assert reminder_stage(slower, today=D(2026, 12, 21), due=due) == ReminderStage.REMINDER
    assert reminder_stage(slower, today=D(2027, 1, 1), due=due) == ReminderStage.ESCALATED


def test_designated_teachers_hear_of_the_pp_plus_cut_off_in_the_reminder_period(medway, walsall):
    # Medway: last accepted 22 March 2027, reminded from 8 March; Walsall: 31 March, from 17.
    assert pp_plus_reminder_due(medway, D(2027, 3, 7)) is None
    assert pp_plus_reminder_due(medway, D(2027, 3, 8)) == D(2027, 3, 22)
    assert pp_plus_reminder_due(medway, D(2027, 3, 22)) == D(2027, 3, 22)
    assert pp_plus_reminder_due(medway, D(2027, 3, 23)) is None
    assert pp_plus_reminder_due(walsall, D(2027, 3, 16)) is None
    assert pp_plus_reminder_due(walsall, D(2027, 3, 17)) == D(2027, 3, 31)
    week = dataclasses.replace(medway, pp_plus_reminder_days=7)
    assert pp_plus_reminder_due(week, D(2027, 3, 14)) is None
    assert pp_plus_reminder_due(week, D(2027, 3, 15)) == D(2027, 3, 22)


def test_quality_assurance_is_due_in_calendar_days_after_submission():
    assert qa_review_due(submitted_on=D(2026, 11, 2), within_days=10) == D(2026, 11, 12)
    assert qa_review_due(submitted_on=D(2026, 12, 24), within_days=10) == D(2027, 1, 3)
