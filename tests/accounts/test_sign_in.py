import re

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from tests.factories import PASSWORD
from tests.second_factor import backup_code_for

SIGN_IN = reverse("login")
WRONG_CREDENTIALS = "Enter a correct email address and password"


def sign_in(client: Client, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(SIGN_IN, {"username": email, "password": password})


def test_sign_in_page_renders_in_govuk_style(client, db):
    response = client.get(SIGN_IN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-frontend.min.css" in html
    assert 'class="govuk-skip-link"' in html
    assert "govuk-phase-banner" in html
    assert 'autocomplete="email"' in html


def test_sign_in_with_right_password_and_code_goes_home(client, personas):
    code = backup_code_for(personas.social_worker.email)
    response = sign_in(client, personas.social_worker.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("second_factor_verify")
    response = client.post(reverse("second_factor_verify"), {"code": code})
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == personas.social_worker


def test_sign_in_ignores_the_case_of_the_email_address(client, personas):
    response = sign_in(client, personas.social_worker.email.upper())
    assert response.status_code == 302


@pytest.mark.parametrize("which", ["wrong password", "unknown email"])
def test_failed_sign_in_gives_one_message_that_reveals_nothing(client, personas, which):
    email = personas.social_worker.email if which == "wrong password" else "nobody@example.org"
    response = sign_in(client, email, "not-the-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert WRONG_CREDENTIALS in html
    assert "<title>Error: " in html


def test_empty_sign_in_form_names_each_missing_field(client, db):
    html = client.post(SIGN_IN, {"username": "", "password": ""}).content.decode()
    assert "Enter your email address" in html
    assert "Enter your password" in html


def test_closed_account_cannot_sign_in(client, personas):
    personas.carer.is_active = False
    personas.carer.save()
    response = sign_in(client, personas.carer.email)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_address_out_with_a_clear_page(client, personas, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, personas.social_worker.email, "guess")
    response = sign_in(client, personas.social_worker.email)  # right password, still locked
    assert response.status_code in (403, 429)
    assert "Too many attempts to sign in" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_of_one_address_does_not_lock_out_a_colleague(client, personas, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, personas.social_worker.email, "guess")
    assert sign_in(client, personas.unrelated_social_worker.email).status_code == 302


def test_missing_csrf_token_gets_a_plain_403_page(personas):
    client = Client(enforce_csrf_checks=True)
    response = client.post(SIGN_IN, {"username": personas.carer.email, "password": PASSWORD})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Sorry, that form has expired" in html
    assert "Traceback" not in html


def test_sign_out_is_a_post_and_ends_the_session(client, personas):
    client.force_login(personas.carer)
    assert client.get(reverse("logout")).status_code == 405  # a link cannot sign anyone out
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302  # back to sign-in


def test_pages_for_signed_in_users_are_never_cached(client, personas):
    client.force_login(personas.carer)
    assert "no-store" in client.get(reverse("home"))["Cache-Control"]


def test_home_needs_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)


def ask_for_reset(client, email, **extra):  # type: ignore[no-untyped-def]
    """The reset e-mail is sent by a task queued on commit: run it, as the worker would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("password_reset"), {"email": email}, **extra)


class TestPasswordReset:
    def test_email_carries_only_a_link(self, client, personas):
        user = personas.social_worker
        response = ask_for_reset(client, user.email)
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [user.email]
        text = message.subject + message.body
        for detail in (user.full_name, *user.full_name.split(), user.authority.name):
            assert detail not in text
        assert re.search(r"https://pep-portal\.test/account/password-reset/\S+/\S+/", text)

    def test_unknown_address_gets_the_same_page_and_no_email(self, client, db):
        response = ask_for_reset(client, "nobody@example.org")
        assert response.status_code == 302
        assert response["Location"] == reverse("password_reset_done")
        assert mail.outbox == []

    def test_link_sets_a_new_password_once(self, client, personas):
        user = personas.carer
        ask_for_reset(client, user.email)
        link = re.search(r"https://pep-portal\.test(\S+)", mail.outbox[0].body).group(1)
        form_url = client.get(link)["Location"]  # Django swaps the token for a session
        new = "a-brand-new-passphrase"
        done = client.post(form_url, {"new_password1": new, "new_password2": new})
        assert done.status_code == 302
        user.refresh_from_db()
        assert user.check_password(new)
        reused = Client().get(link, follow=True).content.decode()
        assert "This link has expired or has been used" in reused

    def test_weak_new_password_is_refused_with_a_reason(self, client, personas):
        ask_for_reset(client, personas.carer.email)
        link = re.search(r"https://pep-portal\.test(\S+)", mail.outbox[0].body).group(1)
        form_url = client.get(link)["Location"]
        html = client.post(
            form_url, {"new_password1": "short", "new_password2": "short"}
        ).content.decode()
        assert "govuk-error-summary" in html
        assert "Your password must be 12 characters or more" in html

    def test_host_header_cannot_redirect_the_link(self, client, personas, settings):
        settings.ALLOWED_HOSTS = ["*"]
        ask_for_reset(client, personas.carer.email, headers={"host": "evil.example"})
        assert "evil.example" not in mail.outbox[0].body


def test_changing_the_case_of_the_address_does_not_earn_more_guesses(client, personas, settings):
    email = personas.social_worker.email
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, email.upper() if attempt % 2 else email, "guess")
    assert sign_in(client, email).status_code != 302
