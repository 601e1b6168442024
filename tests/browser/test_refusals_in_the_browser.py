"""A refusal in a real browser, under the real CSP, with the keyboard alone: marking a PEP
ready before its sections are complete brings the PEP page back with an error summary (title
"Error: ", no banner); each of its links moves focus to the section's row in the task list,
and from there Enter opens the section to fix it. The page passes axe at every impact."""

import pytest

from peps.models import Pep, PepStatus
from tests.browser.conftest import (
    accessibility_violations,
    follow_every_error_link_by_keyboard,
    sign_in,
)
from tests.factories import PASSWORD

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]

# Medway (the fixture's rule set) wants the designated teacher's six sections and the care
# information before the meeting; the care information is the social worker's, read-only here.
BLOCKING = [
    "learning_history",
    "current_attainment",
    "attendance",
    "additional_needs",
    "teacher_comments",
    "pupil_premium",
    "care_information",
]


def test_marking_ready_too_soon_by_keyboard(page, personas, pep_setting):
    pep = pep_setting.pep
    sign_in(page, personas.designated_teacher.email, PASSWORD)
    page.goto(f"/peps/{pep.pk}/")
    needed = page.locator("#learning_history-needed")
    assert needed.inner_text() == "Needed before the PEP can be marked ready for the meeting"
    page.get_by_role("button", name="Mark ready for the meeting").click()
    page.get_by_role(
        "heading", name="The PEP cannot be marked ready for the meeting yet"
    ).wait_for()
    assert page.title().startswith("Error: ")
    assert page.locator(".govuk-notification-banner").count() == 0
    # GOV.UK Frontend moved focus to the summary on load.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert follow_every_error_link_by_keyboard(page) == [f"{key}-name" for key in BLOCKING]
    assert accessibility_violations(page) == []

    # From the summary: the first link, then the section's own link, by keyboard alone.
    page.locator(".govuk-error-summary").evaluate(
        "e => { e.setAttribute('tabindex', '-1'); e.focus(); }"
    )
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "learning_history-name"
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Learning historical record").wait_for()
    assert f"/peps/{pep.pk}/sections/learning_history/" in page.url
    assert Pep.objects.get(pk=pep.pk).status == PepStatus.DRAFT
