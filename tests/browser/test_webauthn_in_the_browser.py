"""Security keys and passkeys for real: Chromium's virtual authenticator (DevTools
WebAuthn.addVirtualAuthenticator) registers a credential and signs in with it, under the
portal's real Content-Security-Policy (no bypass), so a CSP regression fails the test."""

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.smoke,
    pytest.mark.django_db(transaction=True),
    pytest.mark.second_factor_by_hand,
]


@pytest.fixture
def strict_page(browser, live_server, settings):  # type: ignore[no-untyped-def]
    # WebAuthn needs a host name, not an IP address: the portal is reached as localhost.
    base = live_server.url.replace("127.0.0.1", "localhost")
    settings.PORTAL_BASE_URL = base
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.set_default_timeout(10_000)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield page, refused
    context.close()


def password_step(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_passkey_is_registered_and_then_signs_in_as_the_second_factor(strict_page, personas):
    page, refused = strict_page
    worker = personas.social_worker
    password_step(page, worker.email)
    # Nothing set up yet: the set-up page, which offers a passkey beside the app.
    assert "/account/two-factor/set-up/" in page.url
    # The button appears before the library's module has bound it: wait for the scripts.
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Add a security key or passkey").click()
    status = page.locator("#passkey-register-status-message")
    status.get_by_text("Registration successful!").wait_for(timeout=20_000)
    assert WebAuthnCredential.objects.filter(user=worker, confirmed=True).count() == 1
    page.goto("/")
    assert page.get_by_role("heading", name="Hello, Alice").is_visible()

    page.get_by_role("button", name="Sign out").click()
    password_step(page, worker.email)
    assert "/account/two-factor/verify/" in page.url
    page.goto("/")  # a password alone reaches no page
    assert "/account/two-factor/verify/" in page.url
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Use a security key or passkey").click()
    page.wait_for_url(f"{page.url.split('/account/')[0]}/")
    assert page.get_by_role("heading", name="Hello, Alice").is_visible()
    assert refused == []
