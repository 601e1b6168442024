"""The PEP section form in a real browser: autosave keeps what is typed, and the page is
accessible."""

import pytest

from peps.models import SectionDraft
from peps.services import section_save, section_save_draft
from tests.browser.conftest import accessibility_violations, sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]


def test_typing_is_kept_as_a_draft_without_pressing_save(page, personas, pep_setting):
    sign_in(page, personas.designated_teacher.email, PASSWORD)
    page.goto(f"/peps/{pep_setting.pep.pk}/sections/teacher_comments/")
    assert accessibility_violations(page) == []
    page.get_by_label("Designated teacher's comments").fill("Typed, never saved")
    page.get_by_text("Draft saved at").wait_for()
    draft = SectionDraft.objects.get(author=personas.designated_teacher)
    assert draft.answers["comments"] == "Typed, never saved"
    page.reload()
    assert page.locator("#draft-restored").is_visible()
    assert page.get_by_label("Designated teacher's comments").input_value() == (
        "Typed, never saved"
    )


def test_the_pep_page_is_accessible(page, personas, pep_setting):
    sign_in(page, personas.social_worker.email, PASSWORD)
    page.goto(f"/peps/{pep_setting.pep.pk}/")
    assert page.get_by_role("heading", name="Autumn PEP 2026/27").is_visible()
    assert accessibility_violations(page) == []


def test_defect_02_after_a_conflict_the_page_offers_both_choices_and_saves_mine(
    page, personas, pep_setting
):
    section = pep_setting.section("teacher_comments")
    section_save_draft(
        actor=personas.delegated_school_staff,
        section=section,
        answers={"comments": "Colleague's draft"},
        base_version=1,
    )
    section_save(
        actor=personas.designated_teacher,
        section=section,
        answers={"comments": "Teacher's saved words"},
        base_version=1,
    )
    sign_in(page, personas.delegated_school_staff.email, PASSWORD)
    page.goto(f"/peps/{pep_setting.pep.pk}/sections/teacher_comments/")
    assert page.locator("#edit-conflict").is_visible()
    assert "Teacher's saved words" in page.locator("#their-version").inner_text()
    assert accessibility_violations(page) == []
    comments = page.get_by_label("Designated teacher's comments")
    assert comments.input_value() == "Colleague's draft"
    comments.fill("Colleague's draft, finished")
    page.get_by_text("Draft saved at").wait_for()
    draft = SectionDraft.objects.get(author=personas.delegated_school_staff)
    assert draft.answers["comments"] == "Colleague's draft, finished"
    page.get_by_role("button", name="Save my version").click()
    page.get_by_text("“Teacher comments” has been saved").wait_for()
    assert pep_setting.section("teacher_comments").answers["comments"] == (
        "Colleague's draft, finished"
    )
