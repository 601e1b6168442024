"""The PEP section form in a real browser: autosave keeps what is typed, and the page is
accessible."""

import pytest

from peps.models import SectionDraft
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
