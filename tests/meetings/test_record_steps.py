"""Issue 14 (Meetings) and issue 16 (the meeting record): who will be invited is shown when
arranging; people without accounts with their contact details; "Record the meeting" only from
the meeting day and only to those who may record; the record as steps whose answers are kept
on the server; "add another" rows without JavaScript; errors beside their fields; the held
date shown as held."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from meetings.models import Attendee, Meeting, MeetingAction, RecordDraft, Target
from meetings.services import (
    check_actions,
    check_targets,
    meeting_arrange,
    meeting_record,
    recording_refusal,
)
from tests.meetings.test_meetings import a_target, at

# Tuesday 10 November 2026, in Medway's autumn term (the demo term dates).
ARRANGED = dt.date(2026, 11, 10)
HELD = dt.date(2026, 11, 12)  # held two days later than arranged
NEXT = ("3", "2", "2027")  # in the spring term


@pytest.fixture
def past_meeting(personas, pep_setting):  # type: ignore[no-untyped-def]
    return meeting_arrange(
        actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(ARRANGED)
    ).meeting


@pytest.fixture
def tomorrows_meeting(personas, pep_setting):  # type: ignore[no-untyped-def]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return meeting_arrange(
        actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(tomorrow)
    ).meeting


def step(meeting: Meeting, name: str = "") -> str:
    if not name:
        return reverse("meeting_record", args=[meeting.pk])
    return reverse("meeting_record_step", args=[meeting.pk, name])


def date(prefix: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{prefix}_0": day, f"{prefix}_1": month, f"{prefix}_2": year}


def all_came(meeting: Meeting) -> dict[str, str]:
    return {f"came_{a.pk}": "yes" for a in meeting.attendees.all()}


def summary_links(html: str) -> list[tuple[str, str]]:
    """(href, text) of each link in the error summary."""
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


# Recording opens on the meeting day -------------------------------------------------------


def test_recording_opens_on_the_day_the_meeting_is_arranged_for(past_meeting):
    # Written out by hand: the meeting is on Tuesday 10 November 2026.
    assert recording_refusal(past_meeting, today=dt.date(2026, 11, 9)) == (
        "You can record this meeting from Tuesday 10 November 2026, the day it is arranged for"
    )
    assert recording_refusal(past_meeting, today=ARRANGED) is None
    assert recording_refusal(past_meeting, today=dt.date(2026, 11, 30)) is None


def test_the_service_refuses_a_record_before_the_meeting_day(personas, tomorrows_meeting):
    with pytest.raises(ValidationError, match="You can record this meeting from"):
        meeting_record(
            actor=personas.social_worker,
            meeting=tomorrows_meeting,
            held_on=timezone.localdate(),
            attendance={a.pk: (True, "") for a in tomorrows_meeting.attendees.all()},
            discussion="Too early",
            next_meeting_on=dt.date(2027, 2, 3),
        )
    tomorrows_meeting.refresh_from_db()
    assert tomorrows_meeting.status == "arranged"


def test_before_the_day_the_pages_say_when_instead_of_offering_a_form(
    client, personas, pep_setting, tomorrows_meeting
):
    client.force_login(personas.social_worker)
    record_url = step(tomorrows_meeting)
    for page in (
        reverse("pep_detail", args=[pep_setting.pep.pk]),
        reverse("meeting_detail", args=[tomorrows_meeting.pk]),
    ):
        html = client.get(page).content.decode()
        assert 'id="record-not-yet"' in html
        assert "You can record this meeting from" in html
        assert record_url not in html
    page = client.get(record_url)
    html = page.content.decode()
    assert page.status_code == 200 and "You can record this meeting from" in html
    assert 'name="held_on_0"' not in html
    # A POST before the day (an old tab) writes nothing.
    client.post(record_url, {**date("held_on", "1", "1", "2027"), **all_came(tomorrows_meeting)})
    assert not RecordDraft.objects.exists()
    tomorrows_meeting.refresh_from_db()
    assert tomorrows_meeting.status == "arranged"


@pytest.mark.parametrize(
    ("name", "offered"),
    [
        ("social_worker", True),
        ("designated_teacher", False),  # Medway: the social worker records
        ("carer", False),
        ("virtual_school_staff", False),
        ("independent_reviewing_officer", False),
    ],
)
def test_record_the_meeting_is_offered_only_to_those_who_may_record(
    client, personas, pep_setting, past_meeting, name, offered
):
    client.force_login(getattr(personas, name))
    for page in (
        reverse("pep_detail", args=[pep_setting.pep.pk]),
        reverse("meeting_detail", args=[past_meeting.pk]),
    ):
        html = client.get(page).content.decode()
        assert ('id="record-meeting"' in html) is offered
        assert 'id="record-not-yet"' not in html
    assert client.get(step(past_meeting)).status_code == (200 if offered else 403)


def test_the_may_tag_asks_the_permission_engine(personas, past_meeting):
    template = Template(
        '{% load permissions %}{% may "record_pep_meeting" meeting as ok %}{{ ok|yesno:"y,n" }}'
    )
    said = {
        who: template.render(Context({"user": getattr(personas, who), "meeting": past_meeting}))
        for who in ("social_worker", "designated_teacher", "carer")
    }
    assert said == {"social_worker": "y", "designated_teacher": "n", "carer": "n"}


# Arranging: who will be invited, and people without accounts -------------------------------


def test_the_arrange_page_shows_who_will_be_invited(client, personas, pep_setting):
    client.force_login(personas.designated_teacher)
    html = client.get(reverse("meeting_arrange", args=[pep_setting.pep.pk])).content.decode()
    invited = html.split('id="invitees"', 1)[1].split("</ul>", 1)[0]
    for expected in (
        "Alice Social, Social worker",
        "Dee Teacher, Designated teacher",
        "Carol Carer, Carer",
        "Vic School, Virtual school",
    ):
        assert expected in invited
    assert "Ivy Reviewer" not in invited  # the IRO reads the PEP; not a core attendee


def test_people_without_accounts_are_invited_with_role_organisation_email_and_phone(
    client, personas, pep_setting, django_capture_on_commit_callbacks
):
    client.force_login(personas.social_worker)
    url = reverse("meeting_arrange", args=[pep_setting.pep.pk])
    base = {
        **date("day", "10", "11", "2026"),
        "time": "14:00",
        "kind": "formal",
        "venue": "school",
        "other_rows": "1",
        "other_1_name": "Fay Foster",
        "other_1_role": "carer",
        "other_1_organisation": "Brightstar Fostering",
        "other_1_email": "fay@brightstar.example",
        "other_1_phone": "01632 960 001",
    }
    # "Add another person" without JavaScript: the form comes back with a second row, what
    # was typed kept, and nothing checked or saved.
    more = client.post(url, {**base, "add_other": "1"})
    html = more.content.decode()
    assert 'name="other_2_name"' in html and 'value="Fay Foster"' in html
    assert 'name="other_rows" value="2"' in html
    assert "govuk-error-summary" not in html and not Meeting.objects.exists()
    bad_phone = client.post(
        url,
        {
            **base,
            "other_rows": "2",
            "other_2_name": "Pat Parent",
            "other_2_role": "parent",
            "other_2_phone": "call me",
        },
    )
    assert "Enter a phone number" in bad_phone.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            {
                **base,
                "other_rows": "2",
                "other_2_name": "Pat Parent",
                "other_2_role": "parent",
                "other_2_phone": "+44 7700 900123",
            },
        )
    meeting = Meeting.objects.get(status="arranged")
    # Fay, who has no account, is e-mailed the meeting (tests/notifications/test_events.py has
    # what it says); Pat gave no address, so nothing is sent to Pat.
    assert [m.to for m in mail.outbox if "reference" in m.subject] == [["fay@brightstar.example"]]
    fay = Attendee.objects.get(meeting=meeting, name="Fay Foster")
    assert (fay.role, fay.organisation, fay.email, fay.phone, fay.person) == (
        "carer",
        "Brightstar Fostering",
        "fay@brightstar.example",
        "01632 960 001",
        None,
    )
    pat = Attendee.objects.get(meeting=meeting, name="Pat Parent")
    assert (pat.role, pat.phone, pat.get_role_display()) == (
        "parent",
        "+44 7700 900123",
        "Parent or family member",
    )
    detail = client.get(reverse("meeting_detail", args=[meeting.pk])).content.decode()
    assert "Brightstar Fostering" in detail and "01632 960 001" in detail


# The record as steps ------------------------------------------------------------------------


def test_recording_through_the_steps_keeps_answers_and_records_many_targets(
    client, personas, pep_setting, past_meeting
):
    client.force_login(personas.social_worker)
    meeting = past_meeting
    carer = meeting.attendees.get(role="carer")
    # Step 1, attendance: a required attendee absent without a reason is refused beside it.
    answers = {**date("held_on", "12", "11", "2026"), **all_came(meeting), f"came_{carer.pk}": "no"}
    refused = client.post(step(meeting), answers).content.decode()
    assert summary_links(refused) == [(f"id_reason_{carer.pk}", "Enter why Carol Carer was absent")]
    assert refused.count("Enter why Carol Carer was absent") == 2  # summary and beside the box
    # Nothing typed is lost: the draft holds it even though it was refused.
    assert RecordDraft.objects.get().answers["attendance"][f"came_{carer.pk}"] == ["no"]
    answers[f"reason_{carer.pk}"] = "Unwell"
    assert client.post(step(meeting), answers)["Location"] == step(meeting, "discussion")
    # Step 2: discussion.
    assert client.post(step(meeting, "discussion"), {"discussion": ""}).status_code == 200
    moved = client.post(step(meeting, "discussion"), {"discussion": "Settled and happy."})
    assert moved["Location"] == step(meeting, "targets")  # no earlier targets: no review step
    # Going back shows what was typed, without errors.
    again = client.get(step(meeting)).content.decode()
    assert 'value="12"' in again and "Unwell" in again and "govuk-error-summary" not in again
    # Step 4, targets: "Add another target" three times gives four rows (no limit of three).
    targets: dict[str, str] = {"target_rows": "1"}
    for n in range(1, 5):
        targets.update(
            {
                f"target_{n}_what": f"Target number {n}",
                f"target_{n}_measure": f"Measure {n}",
                f"target_{n}_responsible": "Class teacher",
                **date(f"target_{n}_due_on", "20", "3", "2027"),
            }
        )
        if n < 4:
            html = client.post(step(meeting, "targets"), {**targets, "add_target": "1"})
            html = html.content.decode()
            assert f'name="target_{n + 1}_what"' in html and "govuk-error-summary" not in html
            # The page itself carries the number of rows to the next POST.
            rows = re.search(r'name="target_rows" value="(\d+)"', html)
            assert rows is not None and rows.group(1) == str(n + 1)
            targets["target_rows"] = rows.group(1)
    # A missing measure in the second row is shown beside that row's box, linked from the
    # summary (the service's refusal, mapped to the field).
    missing = {**targets, "target_2_measure": ""}
    html = client.post(step(meeting, "targets"), missing).content.decode()
    assert summary_links(html) == [
        ("id_target_2_measure", "Target 2: enter how it will be measured")
    ]
    assert 'id="id_target_2_measure_error"' in html or "govuk-error-message" in html
    assert client.post(step(meeting, "targets"), targets)["Location"] == step(meeting, "actions")
    # Step 5, actions: an empty second row is left out.
    actions = {
        "action_rows": "2",
        "action_1_what": "Book a reading assessment",
        "action_1_owner": "SENCo",
        **date("action_1_due_on", "1", "12", "2026"),
    }
    assert client.post(step(meeting, "actions"), actions)["Location"] == step(
        meeting, "next-meeting"
    )
    # Step 6: the next meeting must be in the next term (the held date from step 1).
    wrong = client.post(step(meeting, "next-meeting"), date("next_meeting_on", "20", "4", "2027"))
    assert summary_links(wrong.content.decode())[0][0] == "id_next_meeting_on_0"
    assert client.post(step(meeting, "next-meeting"), date("next_meeting_on", *NEXT))[
        "Location"
    ] == step(meeting, "check")
    # Check answers: everything, each with a way to change it.
    check = client.get(step(meeting, "check")).content.decode()
    for shown in (
        "12 November 2026",
        "Did not attend: Unwell",
        "Settled and happy.",
        "Target number 4",
        "Book a reading assessment",
        "3 February 2027",
    ):
        assert shown in check
    assert f"{step(meeting, 'targets')}?change=1" in check
    assert Meeting.objects.get(pk=meeting.pk).status == "arranged"  # nothing recorded yet
    done = client.post(step(meeting, "check"))
    assert done["Location"] == reverse("pep_detail", args=[pep_setting.pep.pk])
    meeting.refresh_from_db()
    assert (meeting.status, meeting.held_on, meeting.next_meeting_on) == (
        "held",
        HELD,
        dt.date(2027, 2, 3),
    )
    assert meeting.required_absence is True
    assert list(Target.objects.order_by("pk").values_list("what", flat=True)) == [
        "Target number 1",
        "Target number 2",
        "Target number 3",
        "Target number 4",
    ]
    assert MeetingAction.objects.get().owner == "SENCo"
    assert not RecordDraft.objects.exists()


def test_a_change_from_check_answers_comes_back_to_check_answers(
    client, personas, pep_setting, past_meeting
):
    client.force_login(personas.social_worker)
    meeting = past_meeting
    client.post(step(meeting), {**date("held_on", "12", "11", "2026"), **all_came(meeting)})
    client.post(step(meeting, "discussion"), {"discussion": "First words"})
    changed = client.post(f"{step(meeting, 'discussion')}?change=1", {"discussion": "Better"})
    assert changed["Location"] == step(meeting, "check")


def test_check_answers_sends_an_unanswered_step_back_to_its_page(client, personas, past_meeting):
    client.force_login(personas.social_worker)
    meeting = past_meeting
    client.post(step(meeting), {**date("held_on", "12", "11", "2026"), **all_came(meeting)})
    assert client.get(step(meeting, "check"))["Location"] == step(meeting, "discussion")
    posted = client.post(step(meeting, "check")).content.decode()
    assert "Enter what was discussed" in posted
    assert Meeting.objects.get(pk=meeting.pk).status == "arranged"


def test_answers_are_kept_on_the_server_across_sign_ins(client, personas, past_meeting):
    client.force_login(personas.social_worker)
    client.post(step(past_meeting, "discussion"), {"discussion": "Typed before the session ended"})
    client.logout()
    client.force_login(personas.social_worker)
    html = client.get(step(past_meeting, "discussion")).content.decode()
    assert "Typed before the session ended" in html


def test_an_unknown_step_is_not_found(client, personas, past_meeting):
    client.force_login(personas.social_worker)
    assert client.get(step(past_meeting, "review")).status_code == 404  # nothing to review
    assert client.get(step(past_meeting, "nonsense")).status_code == 404


# The held date ------------------------------------------------------------------------------


def test_the_held_date_is_shown_as_held_not_the_arranged_date(
    client, personas, pep_setting, past_meeting
):
    meeting_record(
        actor=personas.social_worker,
        meeting=past_meeting,
        held_on=HELD,
        attendance={a.pk: (True, "") for a in past_meeting.attendees.all()},
        discussion="Held two days late",
        targets=[a_target()],
        next_meeting_on=dt.date(2027, 2, 3),
    )
    client.force_login(personas.carer)
    detail = client.get(reverse("meeting_detail", args=[past_meeting.pk])).content.decode()
    assert "Held on" in detail and "Thursday 12 November 2026" in detail
    assert "Arranged for" in detail
    pep_page = client.get(reverse("pep_detail", args=[pep_setting.pep.pk])).content.decode()
    shown = pep_page.split('id="pep-meeting"', 1)[1].split("</p>", 1)[0]
    assert "held on Thursday 12 November 2026" in shown
    assert "10 November" not in shown


# Service errors name their fields -----------------------------------------------------------


def test_service_errors_name_the_row_and_box():
    with pytest.raises(ValidationError) as refused:
        check_targets([a_target(), a_target(measure="", responsible=" ")])
    assert refused.value.message_dict == {
        "target_2_measure": ["Target 2: enter how it will be measured"],
        "target_2_responsible": ["Target 2: enter who is responsible"],
    }
    from meetings.services import NewAction

    with pytest.raises(ValidationError) as refused:
        check_actions([NewAction("Call", "", None)])
    assert refused.value.message_dict == {
        "action_1_owner": ["Action 1: enter who will do it"],
        "action_1_due_on": ["Action 1: enter by when"],
    }


def test_a_refusal_in_a_row_after_an_empty_one_is_shown_on_that_row(client, personas, past_meeting):
    client.force_login(personas.social_worker)
    html = client.post(
        step(past_meeting, "targets"),
        {
            "target_rows": "2",
            "target_2_what": "Spell 20 words",
            "target_2_responsible": "Class teacher",
            **date("target_2_due_on", "20", "3", "2027"),
        },
    ).content.decode()
    # The service heard of one target; the page names the row it is on.
    assert summary_links(html) == [
        ("id_target_2_measure", "Target 2: enter how it will be measured")
    ]


def test_rearranging_drops_the_half_written_record_of_the_cancelled_meeting(
    client, personas, pep_setting, past_meeting
):
    client.force_login(personas.social_worker)
    client.post(step(past_meeting, "discussion"), {"discussion": "Started"})
    assert RecordDraft.objects.filter(meeting=past_meeting).count() == 1
    meeting_arrange(
        actor=personas.social_worker, pep=pep_setting.pep, starts_at=at(dt.date(2026, 11, 17))
    )
    assert not RecordDraft.objects.exists()
