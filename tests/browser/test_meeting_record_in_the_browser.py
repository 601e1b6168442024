"""Recording a PEP meeting in a real browser, step by step, under the real CSP: every error
link in the summary, followed with the keyboard alone, moves focus to its own box (a date's
day, a question's first radio button, a target row's box); axe finds nothing on any step."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from meetings.models import Meeting, Target
from meetings.services import meeting_arrange
from tests.browser.conftest import (
    accessibility_violations,
    follow_every_error_link_by_keyboard,
    sign_in,
)
from tests.factories import PASSWORD

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]


def test_a_social_worker_records_a_meeting_through_the_steps(page, personas, pep_setting):
    meeting = meeting_arrange(
        actor=personas.social_worker,
        pep=pep_setting.pep,
        starts_at=timezone.make_aware(dt.datetime(2026, 11, 10, 14)),
    ).meeting
    attendees = list(meeting.attendees.all())
    sign_in(page, personas.social_worker.email, PASSWORD)
    page.goto(f"/meetings/{meeting.pk}/")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Record the meeting").click()

    # Step 1: nothing typed: the date's error link reaches the day box.
    page.get_by_role("heading", name="Who attended").wait_for()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Continue").click()
    assert page.title().startswith("Error: ")
    assert follow_every_error_link_by_keyboard(page) == ["id_held_on_0"]
    assert accessibility_violations(page) == []
    page.locator("#id_held_on_0").fill("12")
    page.locator("#id_held_on_1").fill("11")
    page.locator("#id_held_on_2").fill("2026")
    page.get_by_role("button", name="Continue").click()
    # Nobody's attendance said: each question's link reaches its first radio button.
    expected = [f"id_came_{a.pk}_1" for a in attendees]
    assert follow_every_error_link_by_keyboard(page) == expected
    for attendee in attendees:
        page.locator(f"#id_came_{attendee.pk}_1").check()
    page.get_by_role("button", name="Continue").click()

    # Step 2: discussion.
    page.get_by_role("heading", name="What was discussed").wait_for()
    page.get_by_label("What was discussed").fill("Settled, reading well.")
    page.get_by_role("button", name="Continue").click()

    # Step 3 (first PEP: no review): new targets, with "Add another target".
    page.get_by_role("heading", name="New targets").wait_for()
    assert accessibility_violations(page) == []
    for n in (1, 2):
        page.locator(f"#id_target_{n}_what").fill(f"Target number {n}")
        if n == 1:
            page.locator("#id_target_1_measure").fill("Reading log")
        page.locator(f"#id_target_{n}_responsible").fill("Class teacher")
        page.locator(f"#id_target_{n}_due_on_0").fill("20")
        page.locator(f"#id_target_{n}_due_on_1").fill("3")
        page.locator(f"#id_target_{n}_due_on_2").fill("2027")
        if n == 1:
            page.get_by_role("button", name="Add another target").click()
            page.locator("#id_target_2_what").wait_for()
            assert page.locator("#id_target_1_what").input_value() == "Target number 1"
            assert page.locator(".govuk-error-summary").count() == 0
    page.get_by_role("button", name="Continue").click()
    # The service's refusal is on the second row's box, linked from the summary.
    assert follow_every_error_link_by_keyboard(page) == ["id_target_2_measure"]
    assert (
        "Target 2: enter how it will be measured"
        in page.locator("#id_target_2_measure").locator("xpath=..").inner_text()
    )
    assert accessibility_violations(page) == []
    page.locator("#id_target_2_measure").fill("Spelling test")
    page.get_by_role("button", name="Continue").click()

    # Step 4: actions (none agreed); step 5: the next meeting.
    page.get_by_role("heading", name="Actions").wait_for()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="The next meeting").wait_for()
    page.get_by_role("button", name="Continue").click()
    assert follow_every_error_link_by_keyboard(page) == ["id_next_meeting_on_0"]
    page.locator("#id_next_meeting_on_0").fill("3")
    page.locator("#id_next_meeting_on_1").fill("2")
    page.locator("#id_next_meeting_on_2").fill("2027")
    page.get_by_role("button", name="Continue").click()

    # Check answers, change one, and record.
    page.get_by_role("heading", name="Check your answers before recording the meeting").wait_for()
    assert accessibility_violations(page) == []
    page.get_by_role("link", name="Change the discussion").click()
    assert page.get_by_label("What was discussed").input_value() == "Settled, reading well."
    page.get_by_label("What was discussed").fill("Settled, reading very well.")
    page.get_by_role("button", name="Continue").click()
    assert "Settled, reading very well." in page.locator("#check-discussion").inner_text()
    page.get_by_role("button", name="Record meeting").click()
    page.get_by_text("The meeting has been recorded").wait_for()
    assert re.search(
        r"held on Thursday 12 November 2026", page.locator("#pep-meeting").inner_text()
    )
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.status, meeting.held_on) == ("held", dt.date(2026, 11, 12))
    assert list(Target.objects.order_by("pk").values_list("what", flat=True)) == [
        "Target number 1",
        "Target number 2",
    ]
