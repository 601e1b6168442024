"""A session that ends loses nothing, in a real browser under the real CSP: the warning's timer
follows activity, takes focus and gives it back; autosave says plainly when it cannot save;
at the end the page asks the server and is cleared only if the session has really ended;
what was typed comes back after signing in again, and signing out clears it from the
browser. The browser's clock is Playwright's (no waiting)."""

import pytest
from django.contrib.sessions.models import Session

from peps.models import PepSection
from tests.browser.conftest import accessibility_violations
from tests.factories import PASSWORD
from tests.second_factor import backup_code_for

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]


def sign_in_on_this_page(page, email: str) -> None:  # type: ignore[no-untyped-def]
    """The sign-in page the portal sent us to (its `next` kept), then the second factor."""
    code = backup_code_for(email)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if "/account/two-factor/verify/" in page.url:
        page.get_by_label("Security code").fill(code)
        page.get_by_role("button", name="Continue").click()


def focused(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("document.activeElement.id || document.activeElement.name || ''")


def test_text_typed_after_the_session_ended_comes_back_after_signing_in(
    page, personas, pep_setting, settings
):
    assert settings.SESSION_COOKIE_AGE == 60 * 60  # the warning comes 5 minutes before
    teacher = personas.designated_teacher
    url = f"/peps/{pep_setting.pep.pk}/sections/teacher_comments/"
    page.clock.install()
    page.goto("/account/sign-in/")
    # Nothing takes focus on load: the first Tab reaches the skip link.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    sign_in_on_this_page(page, teacher.email)
    page.goto(url)
    box = page.get_by_label("Designated teacher's comments")

    # Autosave reaches the server: the session (and the timer) starts again from now.
    box.fill("First words")
    page.clock.run_for(2500)
    page.get_by_text("Draft saved at").wait_for()
    page.clock.run_for("54:00")
    assert page.locator("#session-warning").count() == 0

    # The warning takes focus; "Stay signed in", by keyboard, gives it back to the box.
    box.focus()
    page.clock.run_for("01:30")
    page.locator("#session-warning").wait_for()
    assert focused(page) == "session-warning"
    assert accessibility_violations(page) == []
    page.keyboard.press("Tab")
    assert focused(page) == "stay-signed-in"
    page.keyboard.press("Enter")
    page.locator("#session-warning").wait_for(state="detached")
    assert focused(page) == "id_comments"

    # The page's count runs out while the server's session still has time (the browser's clock
    # jumped an hour here; a download or another browser's window does the same): the page asks
    # the server before clearing itself, and counts on from its answer.
    page.clock.run_for("01:00:00")
    page.locator("#session-warning").wait_for(state="detached")
    assert page.get_by_role("heading", name="You have been signed out").count() == 0
    assert box.input_value() == "First words"

    # The session ends on the server (a laptop asleep, say); the person goes on typing.
    Session.objects.all().delete()
    box.fill("First words, then more after the session ended")
    page.clock.run_for(2500)
    page.get_by_text("You have been signed out, so this draft cannot be saved").wait_for()

    # The page's own timer ends it too: nothing of the child's is left on screen.
    page.clock.run_for("01:00:00")
    page.get_by_role("heading", name="You have been signed out").wait_for()
    assert focused(page) == "signed-out"
    assert page.title() == "You have been signed out \u2013 PEP Portal"  # an en dash
    assert pep_setting.pep.child.display_name not in page.content()
    assert page.locator("textarea").count() == 0

    # Signing in again comes back to the page, which offers the text back.
    page.get_by_role("button", name="Sign in again").click()
    sign_in_on_this_page(page, teacher.email)
    page.wait_for_url(f"**{url}")
    page.locator("#unsaved-text").wait_for()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Put back what I typed").click()
    assert box.input_value() == "First words, then more after the session ended"
    assert focused(page) == "id_comments"
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("has been saved").wait_for()
    section = PepSection.objects.get(pep=pep_setting.pep, key="teacher_comments")
    assert section.answers["comments"] == "First words, then more after the session ended"

    # Signing out clears every kept text from the browser.
    assert page.evaluate("Object.keys(sessionStorage).some(k => k.startsWith('pep-unsaved:'))")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/account/sign-in/**")
    assert not page.evaluate("Object.keys(sessionStorage).some(k => k.startsWith('pep-unsaved:'))")
