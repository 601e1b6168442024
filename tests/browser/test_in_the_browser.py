import datetime as dt

import pytest

from children.models import Child
from tests.browser.conftest import (
    accessibility_violations,
    follow_every_error_link_by_keyboard,
    sign_in,
)
from tests.factories import PASSWORD, SchoolFactory

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]


def test_sign_in_errors_are_announced_and_the_page_is_accessible(page, personas):
    page.goto("/account/sign-in/")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    # GOV.UK Frontend's JavaScript moves focus to the summary: proof its module ran under CSP.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert page.title().startswith("Error: ")
    assert accessibility_violations(page) == []


def test_a_social_worker_signs_in_sees_their_home_and_signs_out(page, personas):
    sign_in(page, personas.social_worker.email, PASSWORD)
    assert page.get_by_role("heading", name="Hello, Alice").is_visible()
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Sign out").click()
    assert "/account/sign-in/" in page.url
    page.go_back()
    assert "Hello, Alice" not in page.content()


def test_virtual_school_registers_a_child_in_the_browser(page, personas):
    school = SchoolFactory(urn=654321, name="Hillside School")
    sign_in(page, personas.virtual_school_staff.email, PASSWORD)
    page.get_by_role("link", name="Children").first.click()
    page.get_by_role("button", name="Register a child").click()
    page.get_by_role("button", name="Continue").click()  # empty: errors, nothing lost
    assert page.title().startswith("Error: ")
    # Every error link, by keyboard, reaches its box: the date's day, the first radio button.
    assert follow_every_error_link_by_keyboard(page) == [
        "id_legal_first_name",
        "id_legal_last_name",
        "id_date_of_birth_0",
        "id_gender_1",
        "id_entered_care_on_0",
        "id_emergency_placement_1",
        "id_legal_status",
        "id_placement_type",
    ]
    assert accessibility_violations(page) == []

    page.get_by_label("Legal first name").fill("Ruby")
    page.get_by_label("Legal last name").fill("Stone")
    born = dt.date(2017, 6, 1)
    dob = page.locator("#id_date_of_birth")
    dob.get_by_label("Day").fill(str(born.day))
    dob.get_by_label("Month").fill(str(born.month))
    dob.get_by_label("Year").fill(str(born.year))
    page.get_by_label("Female").check()
    care = page.locator("#id_entered_care_on")
    care.get_by_label("Day").fill("2")
    care.get_by_label("Month").fill("11")
    care.get_by_label("Year").fill("2026")
    page.get_by_label("Yes").check()
    page.get_by_label("Legal status").select_option("ico")
    page.get_by_label("Type of placement").select_option("foster")
    page.get_by_label("School URN").fill(str(school.urn))
    page.get_by_role("button", name="Continue").click()
    # Check your answers: nothing saved yet; "Change" brings the form back as typed.
    page.get_by_role("heading", name="Check your answers before registering Ruby Stone").wait_for()
    assert accessibility_violations(page) == []
    assert not Child.objects.exists()
    page.get_by_role("button", name="Change legal last name").click()
    assert page.get_by_label("Legal last name").input_value() == "Stone"
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Register child").click()

    assert page.get_by_role("heading", name="Ruby Stone").is_visible()
    assert "Hillside School" in page.content()
    assert Child.objects.get(legal_first_name="Ruby").authority == personas.authority
    assert accessibility_violations(page) == []


def test_the_accessibility_check_catches_a_real_violation(page):
    # Guards the guard: a check that cannot fail proves nothing.
    page.set_content('<html lang="en"><body><main><input type="text"></main></body></html>')
    assert any(v.startswith("label") for v in accessibility_violations(page))


def test_the_csp_check_catches_an_inline_script_and_style(page, csp_refusals):
    # Guards the guard: the portal's own policy, on a page that breaks it, must be reported.
    policy = page.goto("/account/sign-in/").headers["content-security-policy"]
    page.route(
        "**/csp-guard/",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": policy},
            body='<html lang="en"><head><title>Guard</title></head><body>'
            '<script>document.title = "ran"</script><p style="color: red">Hi</p></body></html>',
        ),
    )
    page.goto("/csp-guard/")
    assert page.title() == "Guard"  # the inline script did not run
    assert any("inline script" in refusal for refusal in csp_refusals), csp_refusals
    assert any("inline style" in refusal for refusal in csp_refusals), csp_refusals
    csp_refusals.clear()
