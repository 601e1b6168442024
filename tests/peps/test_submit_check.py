"""Check before submitting: what stops the PEP is shown as an error summary before the person
tries (title "Error: "), each reason linked to its own row on the page; a refusal after
pressing the button is shown the same way, never as banners; the button submits."""

import datetime as dt
import html as markup
import re

import pytest
from django.urls import reverse

from peps.models import Pep, PepStatus
from peps.sections import SECTIONS_BY_KEY
from peps.services import pep_record_meeting_held
from tests.peps.fixtures import complete, everything_done, teacher_sections_done

HELD = dt.date(2026, 11, 10)


def summary_links(page: str) -> list[tuple[str, str]]:
    summary = page.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', markup.unescape(summary))


def test_before_the_meeting_the_page_says_so_and_links_to_the_meeting_row(
    client, personas, pep_setting
):
    client.force_login(personas.social_worker)
    page = client.get(reverse("pep_submit", args=[pep_setting.pep.pk])).content.decode()
    assert "<title>Error: Check before submitting \u2013 Zara" in page  # an en dash
    assert summary_links(page) == [
        ("check-meeting", "Record the PEP meeting before submitting the PEP")
    ]
    assert 'id="check-meeting"' in page
    assert "for quality assurance</button>" not in page  # nothing to press yet


def test_each_unfinished_section_is_listed_and_linked_to_its_row(client, personas, pep_setting):
    teacher_sections_done(personas, pep_setting)  # care information and child's views are not
    pep_record_meeting_held(actor=personas.social_worker, pep=pep_setting.pep, held_on=HELD)
    client.force_login(personas.social_worker)
    url = reverse("pep_submit", args=[pep_setting.pep.pk])
    page = client.get(url).content.decode()
    expected = [
        (f"check-section-{key}", f"Complete “{SECTIONS_BY_KEY[key].title}” before submitting")
        for key in ("care_information", "child_voice")
    ]
    assert summary_links(page) == expected
    for anchor, _ in expected:
        assert f'id="{anchor}"' in page
    # Pressed anyway (a page left open): the same summary, no change, no banners.
    response = client.post(url)
    assert response.status_code == 200
    assert summary_links(response.content.decode()) == expected
    assert "govuk-notification-banner" not in response.content.decode()
    assert Pep.objects.get(pk=pep_setting.pep.pk).status == PepStatus.MEETING_HELD
    complete(personas.social_worker, pep_setting.section("care_information"))
    complete(personas.designated_teacher, pep_setting.section("child_voice"))
    page = client.get(url).content.decode()
    assert "govuk-error-summary" not in page and "<title>Check before" in page


def test_the_button_submits_once_nothing_stops_it(client, personas, pep_setting):
    everything_done(personas, pep_setting)
    pep_record_meeting_held(actor=personas.social_worker, pep=pep_setting.pep, held_on=HELD)
    client.force_login(personas.social_worker)
    url = reverse("pep_submit", args=[pep_setting.pep.pk])
    assert "Submit for quality assurance</button>" in client.get(url).content.decode()
    assert Pep.objects.get(pk=pep_setting.pep.pk).status == PepStatus.MEETING_HELD  # GET: none
    response = client.post(url)
    assert response["Location"] == reverse("pep_detail", args=[pep_setting.pep.pk])
    assert Pep.objects.get(pk=pep_setting.pep.pk).status == PepStatus.SUBMITTED


@pytest.mark.parametrize("who", ["designated_teacher", "carer", "virtual_school_staff"])
def test_only_the_social_worker_may_see_it(client, personas, pep_setting, who):
    client.force_login(getattr(personas, who))
    response = client.get(reverse("pep_submit", args=[pep_setting.pep.pk]))
    assert response.status_code in (403, 404)


def test_a_refused_mark_complete_links_each_missing_answer_to_its_box(
    client, personas, pep_setting
):
    client.force_login(personas.designated_teacher)
    pep = pep_setting.pep
    response = client.post(reverse("section_complete", args=[pep.pk, "attendance"]))
    edit = reverse("section_edit", args=[pep.pk, "attendance"])
    assert response["Location"] == edit + "?complete=refused"
    page = client.get(response["Location"]).content.decode()
    assert "<title>Error: " in page
    assert "govuk-notification-banner" not in page
    # Written out by hand: the attendance section's required questions, in the page's order
    # (its records first, linked to their heading, then the form's questions).
    assert summary_links(page) == [
        ("records-attendance", "Record “Attendance this term, in sessions”"),
        (
            "id_suspended_or_excluded_1",
            "Answer “Has the child been suspended or excluded this term?”",
        ),
        ("id_part_time_timetable_1", "Answer “Is the child on a part-time timetable?”"),
    ]
    for anchor, _ in summary_links(page):
        assert f'id="{anchor}"' in page
    # Without the refusal, the page is the plain form.
    assert "govuk-error-summary" not in client.get(edit).content.decode()
