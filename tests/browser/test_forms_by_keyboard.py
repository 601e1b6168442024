"""The main forms with the keyboard alone, in a real browser under the real CSP: every link in
an error summary moves focus to its own box (a date's day, a question's first radio button,
a row of the check page); refusals are an error summary and the title says "Error: "; the
pages that cannot be undone are checked first. (Registering a child: test_in_the_browser.py;
recording a meeting: test_meeting_record_in_the_browser.py.)"""

import datetime as dt

import pytest

from peps.models import Pep, PepStatus
from peps.sections import SECTIONS_BY_KEY
from peps.services import pep_record_meeting_held, pep_submit
from quality_assurance.models import QaReview
from quality_assurance.services import framework_for
from tests.browser.conftest import (
    accessibility_violations,
    follow_every_error_link_by_keyboard,
    sign_in,
)
from tests.factories import PASSWORD
from tests.peps.fixtures import everything_done, teacher_sections_done

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]

HELD = dt.date(2026, 11, 10)


def test_a_teachers_section_a_social_workers_meeting_and_submission(page, personas, pep_setting):
    pep = pep_setting.pep
    # The designated teacher's section: an impossible date is linked to its day box.
    sign_in(page, personas.designated_teacher.email, PASSWORD)
    page.goto(f"/peps/{pep.pk}/sections/additional_needs/")
    page.get_by_label("Education, health and care plan (EHCP)").check()
    dates = page.locator("#id_ehcp_review_date")
    for label, typed in (("Day", "31"), ("Month", "2"), ("Year", "2027")):
        box = dates.get_by_label(label)
        assert box.get_attribute("inputmode") == "numeric"
        box.fill(typed)
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error: ")
    assert follow_every_error_link_by_keyboard(page) == ["id_ehcp_review_date_0"]
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Sign out").click()

    # The social worker arranges the meeting: the date's and time's links reach their boxes.
    sign_in(page, personas.social_worker.email, PASSWORD)
    page.goto(f"/meetings/for-pep/{pep.pk}/")
    assert pep.child.display_name in page.title()
    page.get_by_role("button", name="Arrange meeting").click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error: ")
    assert follow_every_error_link_by_keyboard(page) == ["id_day_0", "id_time"]
    assert accessibility_violations(page) == []

    # Submitting before the meeting and the sections: what stops it, shown before trying.
    teacher_sections_done(personas, pep_setting)
    pep_record_meeting_held(actor=personas.social_worker, pep=pep, held_on=HELD)
    page.goto(f"/peps/{pep.pk}/")
    page.get_by_role("button", name="Submit for quality assurance").click()
    page.get_by_role("heading", name="Check the PEP before you submit it").wait_for()
    assert page.title().startswith("Error: ")
    assert follow_every_error_link_by_keyboard(page) == [
        "check-section-care_information",
        "check-section-child_voice",
    ]
    assert accessibility_violations(page) == []
    page.keyboard.press("Enter")  # focus is on the last link, the child's views: it opens it
    page.get_by_role("heading", name=SECTIONS_BY_KEY["child_voice"].title).wait_for()
    assert Pep.objects.get(pk=pep.pk).status == PepStatus.MEETING_HELD


def test_a_qa_review_by_keyboard_then_the_sign_off_is_checked(page, personas, pep_setting):
    everything_done(personas, pep_setting)
    pep = pep_setting.pep
    pep_record_meeting_held(actor=personas.social_worker, pep=pep, held_on=HELD)
    pep_submit(actor=personas.social_worker, pep=pep)
    framework = framework_for(pep.child.authority)
    criteria = list(framework.criteria.filter(active=True).order_by("order", "pk"))
    sign_in(page, personas.virtual_school_staff.email, PASSWORD)
    page.goto(f"/quality-assurance/review/{pep.pk}/")
    page.get_by_role("button", name="Save review").click()
    page.locator(".govuk-error-summary").wait_for()
    assert page.title().startswith("Error: ")
    # Each missing rating links to its own first radio button, then each other answer.
    expected = [f"id_criterion_{c.pk}_1" for c in criteria]
    if framework.one_level_allowance is None:
        expected.append("id_overall_1")
    expected += ["id_feedback_to_teacher", "id_feedback_to_social_worker", "id_decision_1"]
    assert follow_every_error_link_by_keyboard(page) == expected
    assert accessibility_violations(page) == []

    for criterion in criteria:
        page.locator(f"#id_criterion_{criterion.pk}_1").check()
    if framework.one_level_allowance is None:
        page.locator("#id_overall_1").check()
    page.get_by_label("Feedback to the designated teacher").fill("Clear targets.")
    page.get_by_label("Feedback to the social worker").fill("Thorough.")
    page.get_by_label("Sign off the PEP").check()
    page.get_by_role("button", name="Save review").click()
    page.get_by_role("heading", name="Check your review before signing off").wait_for()
    assert accessibility_violations(page) == []
    assert not QaReview.objects.exists()
    page.get_by_role("button", name="Sign off the PEP").click()
    page.get_by_text("The PEP is signed off").wait_for()
    assert Pep.objects.get(pk=pep.pk).status == PepStatus.SIGNED_OFF
