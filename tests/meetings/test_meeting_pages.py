import datetime as dt

import pytest
from django.urls import reverse

from meetings.models import Meeting
from meetings.services import meeting_arrange
from peps.models import Term
from peps.services import pep_set_up
from tests.children.fixtures import register
from tests.conftest import PEP_CARE_TEAM, PERSONA_NAMES
from tests.meetings.test_meetings import at

UPCOMING = dt.date(2026, 12, 8)

# Another authority's social worker adds nothing the VS persona does not show here.
PERSONAS = [name for name in PERSONA_NAMES if name != "other_authority_social_worker"]
CARE_TEAM = PEP_CARE_TEAM
ARRANGERS = {"social_worker", "designated_teacher", "virtual_school_staff"}
RECORDERS = {"social_worker"}  # Medway: not the designated teacher (defect 10 below)


@pytest.fixture
def meeting(personas, pep_setting):  # type: ignore[no-untyped-def]
    return meeting_arrange(
        actor=personas.social_worker,
        pep=pep_setting.pep,
        starts_at=at(UPCOMING),
        online_link="https://teams.example/join/1",
        venue="online",
    ).meeting


@pytest.mark.parametrize("name", PERSONAS)
def test_every_meeting_url_by_persona(client, personas, pep_setting, meeting, name):
    client.force_login(getattr(personas, name))
    pep, child = pep_setting.pep, pep_setting.child
    detail = client.get(reverse("meeting_detail", args=[meeting.pk]))
    arrange = client.get(reverse("meeting_arrange", args=[pep.pk]))
    record = client.get(reverse("meeting_record", args=[meeting.pk]))
    tracker = client.get(reverse("target_tracker", args=[child.pk]))
    calendar = client.get(reverse("meeting_calendar"), {"from": UPCOMING.isoformat()})
    assert calendar.status_code == 200
    if name in CARE_TEAM:
        assert detail.status_code == 200 and tracker.status_code == 200
        assert arrange.status_code == (200 if name in ARRANGERS else 403)
        assert record.status_code == (200 if name in RECORDERS else 403)
        assert "Zara" in calendar.content.decode()
    else:
        for response in (detail, arrange, record, tracker):
            assert response.status_code == 404
            assert "Zara" not in response.content.decode()
        assert "Zara" not in calendar.content.decode()


def test_the_meeting_calendar_starts_from_a_chosen_day_and_ignores_a_bad_one(
    client, personas, meeting
):
    client.force_login(personas.social_worker)
    from_day_before = client.get(reverse("meeting_calendar"), {"from": "2026-12-07"})
    assert "Zara" in from_day_before.content.decode()
    assert "From Monday 7 December 2026" in from_day_before.content.decode()
    from_day_after = client.get(reverse("meeting_calendar"), {"from": "2026-12-09"})
    assert "Zara" not in from_day_after.content.decode()
    hostile = client.get(reverse("meeting_calendar"), {"from": "2026-13-45<script>"})
    assert hostile.status_code == 200 and hostile.context["start"] is None


def test_the_online_link_is_shown_only_inside_the_portal(client, personas, meeting):
    client.force_login(personas.carer)
    html = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert "https://teams.example/join/1" in html


def test_arranging_through_the_page_shows_warnings_and_keeps_bad_input(
    client, personas, pep_setting
):
    client.force_login(personas.social_worker)
    url = reverse("meeting_arrange", args=[pep_setting.pep.pk])
    bad = client.post(
        url,
        {
            "day_0": "31",
            "day_1": "2",
            "day_2": "2027",
            "time": "25:00",
            "kind": "formal",
            "venue": "school",
            "venue_details": "Room 4",
        },
    )
    html = bad.content.decode()
    assert "Enter a real date" in html and "24-hour clock" in html
    assert 'value="Room 4"' in html
    good = client.post(
        url,
        {
            "day_0": "12",
            "day_1": "1",
            "day_2": "2027",
            "time": "14:30",
            "kind": "formal",
            "venue": "school",
            "invite_child": "on",
            "other_1_name": "Dr Lee",
            "other_rows": "1",
            "other_1_role": "other",
            "other_1_organisation": "CAMHS",
        },
        follow=True,
    )
    assert "after the PEP is due" in good.content.decode()
    meeting = Meeting.objects.get(status="arranged")
    assert meeting.attendees.filter(role="child").exists()
    assert meeting.attendees.get(name="Dr Lee").organisation == "CAMHS"


@pytest.mark.parametrize("how_many", [5, 50])
def test_meeting_calendar_query_count_does_not_grow(
    client, personas, pep_setting, django_assert_num_queries, how_many
):
    school = pep_setting.child.enrolments.get().school
    for n in range(how_many):
        child = register(personas, school=school, name=f"Kid{n}", initial_pep=False)
        pep = pep_set_up(
            actor=personas.virtual_school_staff, child=child, academic_year=2026, term=Term.AUTUMN
        )
        meeting_arrange(
            actor=personas.virtual_school_staff,
            pep=pep,
            starts_at=at(dt.date(2026, 12, 1 + n % 10)),
        )
    client.force_login(personas.designated_teacher)
    with django_assert_num_queries(3):
        response = client.get(reverse("meeting_calendar"), {"from": "2026-12-01"})
    assert sum(len(items) for _, items in response.context["days"]) == how_many


def test_the_no_school_place_task_is_on_the_social_workers_home_page(client, personas, pep_setting):
    from children.services import school_move

    school_move(
        actor=personas.virtual_school_staff,
        child=pep_setting.child,
        school=None,
        started_on=pep_setting.child.enrolments.get().started_on,
    )
    client.force_login(personas.social_worker)
    html = client.get(reverse("home")).content.decode()
    assert "Meeting with the virtual school: the child has no school place" in html
    client.force_login(personas.carer)
    assert "no school place" not in client.get(reverse("home")).content.decode()


def test_defect_10_designated_teacher_under_medway_rules_is_not_offered_record_the_meeting(
    client, personas, pep_setting
):
    """Medway: the social worker records the PEP meeting, not the designated teacher. The
    pages offer "Record the meeting" exactly when the service would accept it."""
    from pep_portal.calendars.services import rule_set_load_preset
    from tests.peps.fixtures import complete

    pep = pep_setting.pep
    # Arranged for a day already past: "Record the meeting" is offered from the meeting day.
    meeting = meeting_arrange(
        actor=personas.social_worker, pep=pep, starts_at=at(dt.date(2026, 11, 10))
    ).meeting
    complete(personas.designated_teacher, pep_setting.section("learning_history"))  # in progress
    pages = [reverse("pep_detail", args=[pep.pk]), reverse("meeting_detail", args=[meeting.pk])]
    record_url = reverse("meeting_record", args=[meeting.pk])

    def offered(user) -> list[bool]:  # type: ignore[no-untyped-def]
        client.force_login(user)
        return [record_url in client.get(page).content.decode() for page in pages]

    assert offered(personas.designated_teacher) == [False, False]
    client.force_login(personas.designated_teacher)
    assert client.get(record_url).status_code == 403
    assert offered(personas.social_worker) == [True, True]
    # Nor is it offered to anyone else in the care team who may only read the meeting.
    for reader in (personas.carer, personas.independent_reviewing_officer):
        assert offered(reader) == [False, False]
    # Walsall lets the designated teacher record: the link is there, and the page opens.
    rule_set_load_preset(preset="walsall", slug=personas.authority.slug)
    assert offered(personas.designated_teacher) == [True, True]
    assert client.get(record_url).status_code == 200
