"""Each task carries its owner's real due date, grouped by child and PEP; optional sections
are no one's task; the virtual school's home counts the work by kind and lists the most
urgent, with filtered, paginated lists; query counts do not grow with the number of PEPs.

Zara's Autumn 2026 PEP under Medway's rules (tests/peps/fixtures.py) is due Thu 31 December
2026. A meeting arranged for Tue 8 December puts the designated teacher's (and Medway's
care information) cut-off at Tue 1 December: 5 school days before (7, 4, 3, 2, 1 December).
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboards.work import most_urgent, work_by_pep, work_counts, work_page
from meetings.models import Meeting, MeetingStatus
from meetings.services import meeting_arrange
from pep_portal.calendars.services import rule_set_load_preset
from peps.models import Pep, Term
from peps.services import pep_record_meeting_held, pep_set_up
from tests.children.fixtures import register
from tests.meetings.test_meetings import at
from tests.peps.fixtures import complete, everything_done

D = dt.date
TEACHER_SECTIONS = [
    "Complete “Learning historical record”",
    "Complete “Current levels and attainment”",
    "Complete “Attendance and exclusions”",
    "Complete “Additional educational needs”",
    "Complete “Teacher comments”",
    "Complete “Pupil Premium Plus request”",
]


@pytest.fixture(autouse=True)
def only_termly_peps(pep_setting):  # type: ignore[no-untyped-def]
    """Registering a child sets up their initial PEP (issue 14a); these tests follow the
    Autumn PEPs alone, so the initial ones are taken away."""
    drop_initial_peps()
    pep_setting.pep.refresh_from_db()  # no longer carried forward from the initial PEP


def drop_initial_peps() -> None:
    Pep.objects.filter(term=Term.INITIAL).delete()


def tasks(user, today):  # type: ignore[no-untyped-def]
    """{what: (due, basis)} of the person's only PEP."""
    groups = work_by_pep(user=user, today=today)
    assert len(groups) <= 1
    return {t.what: (t.due_on, t.basis) for g in groups for t in g.tasks}


def arrange_8_december(personas, pep_setting):  # type: ignore[no-untyped-def]
    meeting_arrange(actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(D(2026, 12, 8)))


def test_teacher_tasks_move_to_the_meetings_cut_off_once_it_is_arranged(personas, pep_setting):
    teacher = personas.designated_teacher
    before = tasks(teacher, D(2026, 11, 24))
    no_meeting = (D(2026, 12, 31), "no meeting arranged yet: the PEP meeting is due by then")
    assert {before[what] for what in TEACHER_SECTIONS} == {no_meeting}
    arrange_8_december(personas, pep_setting)
    after = tasks(teacher, D(2026, 11, 24))
    cut_off = (D(2026, 12, 1), "5 school days before the meeting on 8 December")
    assert {after[what] for what in TEACHER_SECTIONS} == {cut_off}
    # Medway takes the child's views at the meeting: due then, not by the cut-off.
    assert after["Complete “The child or young person's views”"] == (
        D(2026, 12, 8),
        "at the meeting",
    )
    assert len(after) == 7


def test_under_walsall_the_childs_views_are_due_by_the_cut_off_too(personas, pep_setting):
    rule_set_load_preset(preset="walsall", slug=personas.authority.slug)
    arrange_8_december(personas, pep_setting)
    cut_off = (D(2026, 12, 1), "5 school days before the meeting on 8 December")
    assert (
        tasks(personas.designated_teacher, D(2026, 11, 24))[
            "Complete “The child or young person's views”"
        ]
        == cut_off
    )


def test_social_worker_arranges_then_gives_care_information_then_records_and_submits(
    personas, pep_setting
):
    sw = personas.social_worker
    no_meeting = (D(2026, 12, 31), "no meeting arranged yet: the PEP meeting is due by then")
    # A new PEP: the social worker's first task is to arrange the meeting. (The child's views
    # are recorded with a trusted adult: the social worker may be the one.)
    assert tasks(sw, D(2026, 11, 24)) == {
        "Arrange the PEP meeting": (D(2026, 12, 31), "the PEP meeting is due by then"),
        "Complete “Care information”": no_meeting,
        "Complete “The child or young person's views”": no_meeting,
    }
    arrange_8_december(personas, pep_setting)
    # Care information before the meeting (Medway's rule set), by the cut-off.
    assert tasks(sw, D(2026, 12, 7)) == {
        "Complete “Care information”": (
            D(2026, 12, 1),
            "5 school days before the meeting on 8 December",
        ),
        "Complete “The child or young person's views”": (D(2026, 12, 8), "at the meeting"),
    }
    # "Record the meeting" from the meeting day, due the day after.
    meeting = pep_setting.pep.meetings.get()
    assert tasks(sw, D(2026, 12, 8))["Record the meeting of 8 December"] == (
        D(2026, 12, 9),
        "the day after the meeting",
    )
    everything_done(personas, pep_setting)
    pep_record_meeting_held(actor=sw, pep=pep_setting.pep, held_on=D(2026, 11, 10), meeting=meeting)
    # Held Tue 10 November: submit by Fri 13 November, 3 working days after.
    assert tasks(sw, D(2026, 11, 10)) == {
        "Submit the PEP for quality assurance": (
            D(2026, 11, 13),
            "the submission rule, after the meeting",
        )
    }


def test_a_persons_work_reads_which_sections_are_done_not_their_answers(personas, pep_setting):
    """The answers (three JSON documents a section) are no part of anyone's tasks: the home
    page reads each section's key and status alone."""
    with CaptureQueriesContext(connection) as captured:
        groups = work_by_pep(user=personas.designated_teacher, today=D(2026, 11, 24))
    assert groups and groups[0].sections_total
    read = [q["sql"] for q in captured.captured_queries if 'FROM "peps_pepsection"' in q["sql"]]
    assert len(read) == 1
    assert '"peps_pepsection"."status"' in read[0]
    for column in ("answers", "carried_forward", "previously_recorded"):
        assert f'"peps_pepsection"."{column}"' not in read[0]


def test_optional_sections_are_no_ones_task(personas, pep_setting):
    # The carer's contribution and the historical data are optional: never a task.
    carer = tasks(personas.carer, D(2026, 11, 24))
    assert "Complete “Carer's contribution”" not in carer
    for group in work_by_pep(user=personas.virtual_school_staff, today=D(2026, 11, 24)):
        assert "Complete “Historical data”" not in [t.what for t in group.tasks]


def test_teacher_home_groups_by_child_and_pep(client, personas, pep_setting, monkeypatch):
    arrange_8_december(personas, pep_setting)
    client.force_login(personas.designated_teacher)
    line = home_line(client, pep_setting.pep, monkeypatch, D(2026, 11, 24))
    assert line == (
        "Zara Quill — Autumn PEP 2026/27: 0 of 7 sections done — due 1 December, "
        "5 school days before the meeting on 8 December"
    )
    # The day after the cut-off: the same line, said to be overdue.
    line = home_line(client, pep_setting.pep, monkeypatch, D(2026, 12, 2))
    assert line.endswith("5 school days before the meeting on 8 December Overdue")


def home_line(client, pep, monkeypatch, today: dt.date) -> str:  # type: ignore[no-untyped-def]
    """The home's heading and line for one PEP, as words read out (tags stripped), on `today`."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today)
    html = client.get(reverse("home")).content.decode()
    start = html.index(f'id="work-pep-{pep.pk}"')
    end = html.index("</p>", html.index(f'id="work-line-{pep.pk}"'))
    text = re.sub(r"<[^>]+>", " ", html[html.index(">", start) + 1 : end])
    return re.sub(r"\s+", " ", text).replace(" :", ":").replace("&#x27;", "'").strip()


def test_social_worker_home_groups_by_child_and_pep_with_their_own_deadline(
    client, personas, pep_setting, monkeypatch
):
    """The social worker's two sections (care information, the child's views) under Medway's
    rules, the meeting on Tue 8 December: the care information by the cut-off, Tue 1
    December (5 school days: 7, 4, 3, 2, 1 December); the child's views at the meeting."""
    client.force_login(personas.social_worker)
    line = home_line(client, pep_setting.pep, monkeypatch, D(2026, 11, 24))
    # No meeting yet: arranging it is the first thing, by the PEP's due date.
    assert line == (
        "Zara Quill — Autumn PEP 2026/27: 0 of 2 sections done — due 31 December, "
        "the PEP meeting is due by then"
    )
    arrange_8_december(personas, pep_setting)
    line = home_line(client, pep_setting.pep, monkeypatch, D(2026, 11, 24))
    assert line == (
        "Zara Quill — Autumn PEP 2026/27: 0 of 2 sections done — due 1 December, "
        "5 school days before the meeting on 8 December"
    )
    complete(personas.social_worker, pep_setting.section("care_information"))
    line = home_line(client, pep_setting.pep, monkeypatch, D(2026, 11, 24))
    assert line == (
        "Zara Quill — Autumn PEP 2026/27: 1 of 2 sections done — due 8 December, at the meeting"
    )


def a_caseload(personas, pep_setting, how_many: int) -> None:  # type: ignore[no-untyped-def]
    school = pep_setting.child.enrolments.get().school
    for n in range(how_many):
        child = register(personas, school=school, name=f"Kid{n}", initial_pep=False)
        pep_set_up(
            actor=personas.virtual_school_staff, child=child, academic_year=2026, term=Term.AUTUMN
        )
    drop_initial_peps()


def test_virtual_school_counts_by_kind_and_lists_the_most_urgent(personas, pep_setting):
    a_caseload(personas, pep_setting, 12)
    vs = personas.virtual_school_staff
    # 13 PEPs, none with a meeting: all wait on one.
    counts = {row.kind: row.count for row in work_counts(user=vs, today=D(2026, 11, 24))}
    assert counts == {
        "no_meeting": 13,
        "contributions": 0,
        "not_recorded": 0,
        "to_submit": 0,
        "returned": 0,
        "qa": 0,
    }
    arrange_8_december(personas, pep_setting)
    counts = {row.kind: row.count for row in work_counts(user=vs, today=D(2026, 12, 9))}
    assert (counts["no_meeting"], counts["not_recorded"]) == (12, 1)
    urgent = most_urgent(user=vs, today=D(2026, 12, 9))
    assert len(urgent) == 10
    # Zara's meeting of 8 December, not recorded, was due the 9th: before the others' 31st.
    assert (urgent[0].pep.pk, urgent[0].work, urgent[0].due_on) == (
        pep_setting.pep.pk,
        "not_recorded",
        D(2026, 12, 9),
    )
    assert {row.due_on for row in urgent[1:]} == {D(2026, 12, 31)}
    assert urgent[0].label == "Meeting held but not recorded"


def test_the_latest_arranged_meeting_decides_the_kind_of_work(personas, pep_setting):
    """Arranging again cancels the meeting arranged before, but should two be left arranged
    (data from before that rule), the latest counts, in the counts and the lists alike: an
    earlier one already past does not make the PEP's meeting "held but not recorded"."""
    a_caseload(personas, pep_setting, 2)
    arrange_8_december(personas, pep_setting)
    meeting = pep_setting.pep.meetings.get()
    Meeting.objects.create(
        pep=pep_setting.pep,
        status=MeetingStatus.ARRANGED,
        starts_at=at(D(2026, 11, 20)),
        arranged_by=meeting.arranged_by,
    )
    vs = personas.virtual_school_staff

    def kinds(today):  # type: ignore[no-untyped-def]
        counts = {row.kind: row.count for row in work_counts(user=vs, today=today)}
        listed = {
            kind: [pep.pk for pep in work_page(user=vs, kind=kind, page=1, today=today)]
            for kind in counts
        }
        # Each list holds exactly the PEPs its count counted.
        assert {kind: len(peps) for kind, peps in listed.items()} == counts
        return listed

    before = kinds(D(2026, 12, 4))
    assert before["contributions"] == [pep_setting.pep.pk]
    assert before["not_recorded"] == [] and len(before["no_meeting"]) == 2
    after = kinds(D(2026, 12, 9))
    assert after["not_recorded"] == [pep_setting.pep.pk] and after["contributions"] == []
    urgent = most_urgent(user=vs, today=D(2026, 12, 9))[0]
    # Due the day after the latest meeting (8 December), not after the one of 20 November.
    assert (urgent.pep.pk, urgent.work, urgent.due_on) == (
        pep_setting.pep.pk,
        "not_recorded",
        D(2026, 12, 9),
    )


def test_work_list_is_paginated_and_filtered(client, personas, pep_setting):
    a_caseload(personas, pep_setting, 30)
    vs = personas.virtual_school_staff
    page = work_page(user=vs, kind="no_meeting", page=2)
    assert (page.paginator.count, page.paginator.num_pages, len(page.object_list)) == (31, 2, 6)
    assert work_page(user=vs, kind="qa", page=1).paginator.count == 0
    client.force_login(vs)
    html = client.get(reverse("work_list", args=["no_meeting"]) + "?page=2").content.decode()
    assert "31 PEPs, soonest due first." in html and "Page 2 of 2" in html
    # Another authority's staff see none of Northam's PEPs.
    other = personas.other_authority_virtual_school_staff
    assert work_page(user=other, kind="no_meeting", page=1).paginator.count == 0


def test_only_the_virtual_school_has_the_work_lists(client, personas, pep_setting):
    client.force_login(personas.social_worker)
    assert client.get(reverse("work_list", args=["no_meeting"])).status_code == 403
    client.force_login(personas.virtual_school_staff)
    assert client.get(reverse("work_list", args=["no_such_work"])).status_code == 404


@pytest.mark.parametrize("how_many", [5, 50])
def test_home_and_list_query_counts_do_not_grow(
    client, personas, pep_setting, django_assert_num_queries, how_many
):
    a_caseload(personas, pep_setting, how_many)
    assert Pep.objects.count() == how_many + 1
    client.force_login(personas.virtual_school_staff)
    with django_assert_num_queries(QUERIES["vs_home"]):
        client.get(reverse("home"))
    with django_assert_num_queries(QUERIES["work_list"]):
        client.get(reverse("work_list", args=["no_meeting"]))
    client.force_login(personas.social_worker)
    with django_assert_num_queries(QUERIES["sw_home"]):
        response = client.get(reverse("home"))
    assert len(response.context["work"]) == how_many + 1


# The session is no longer written on every request (three queries fewer each).
QUERIES = {"vs_home": 8, "work_list": 5, "sw_home": 10}


def test_teacher_home_is_one_line_per_pep_with_its_tasks_collapsed(client, personas, pep_setting):
    """Two children: two lines (child, PEP, progress, the next due date), each PEP's seven
    section tasks folded away under "Your 7 tasks", not fourteen lines."""
    arrange_8_december(personas, pep_setting)
    a_caseload(personas, pep_setting, 1)
    client.force_login(personas.designated_teacher)
    html = client.get(reverse("home")).content.decode()
    work = html[html.index('<div id="work">') : html.index('id="who-you-are"')]
    assert work.count('<h3 class="govuk-heading-s') == 2
    assert work.count("of 7 sections done") == 2
    assert work.count("<summary") == 2 and work.count("Your 7 tasks") == 2
    # Every task is still there, inside its PEP's collapsed list.
    assert work.count('<li class="govuk-task-list__item') == 14
    for details in work.split("<details")[1:]:
        assert details.count('<li class="govuk-task-list__item') == 7
