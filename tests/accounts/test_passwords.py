"""Weak passwords are refused wherever a password is set (issue 12, defect 12)."""

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from pep_portal.accounts.models import User
from pep_portal.demo import DEMO_PASSWORD
from tests.factories import PASSWORD

WEAK = {
    "one repeated character": "aaaaaaaaaaaa",
    "season and year": "Summer2026!!",
    "demo password": DEMO_PASSWORD,
}


def link_in(message) -> str:  # type: ignore[no-untyped-def]
    return re.search(r"https://pep-portal\.test(\S+)", message.body).group(1)


def form_from_invitation(client, personas, capture) -> tuple[Client, str, User]:  # type: ignore[no-untyped-def]
    client.force_login(personas.authority_administrator)
    with capture(execute=True):
        client.post(
            reverse("person_invite"),
            {"full_name": "Nina New", "email": "nina.new@example.org", "role": "social_worker"},
        )
    newcomer = Client()
    form_url = newcomer.get(link_in(mail.outbox[-1]))["Location"]
    return newcomer, form_url, User.objects.get(email="nina.new@example.org")


def form_from_reset(client, personas, capture) -> tuple[Client, str, User]:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        client.post(reverse("password_reset"), {"email": personas.carer.email})
    form_url = client.get(link_in(mail.outbox[-1]))["Location"]
    return client, form_url, personas.carer


def set_password(path, client, personas, capture, password):  # type: ignore[no-untyped-def]
    """Set a password the way `path` does; return the response and whose password it was."""
    if path == "change":
        client.force_login(personas.social_worker)
        response = client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
        )
        return response, personas.social_worker
    start = form_from_invitation if path == "invitation" else form_from_reset
    browser, form_url, user = start(client, personas, capture)
    response = browser.post(form_url, {"new_password1": password, "new_password2": password})
    return response, user


@pytest.mark.parametrize("password", list(WEAK.values()), ids=list(WEAK))
@pytest.mark.parametrize("path", ["invitation", "reset", "change"])
def test_defect_12_weak_passwords_are_refused_wherever_a_password_is_set(
    client, personas, django_capture_on_commit_callbacks, path, password
):
    response, user = set_password(
        path, client, personas, django_capture_on_commit_callbacks, password
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    user.refresh_from_db()
    assert not user.check_password(password)


@pytest.mark.parametrize("path", ["invitation", "reset", "change"])
def test_a_strong_password_is_accepted_wherever_a_password_is_set(
    client, personas, django_capture_on_commit_callbacks, path
):
    password = "kettle orbit marzipan"
    response, user = set_password(
        path, client, personas, django_capture_on_commit_callbacks, password
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(password)


def refusal(password: str, user: User | None = None) -> str:
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    return " ".join(refused.value.messages)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-one", "Your password must be 12 characters or more"),
        ("aaaaaaaaaaaa", "it repeats the same few characters"),
        ("abababababab", "it repeats the same few characters"),
        ("!!!!!!!!!!!!1", "it repeats the same few characters"),
        ("Summer2026!!", "a common word or password with numbers or symbols added"),
        ("2026-Autumn!!", "a common word or password with numbers or symbols added"),
        ("september2026", "a common word or password with numbers or symbols added"),
        ("P@ssw0rd2026!", "a common word or password with numbers or symbols added"),
        ("Welcome12345", "a common word or password with numbers or symbols added"),
        ("pepportal2026", "a common word or password with numbers or symbols added"),
        ("1qaz2wsx3edc", "a list of common and leaked passwords"),
        ("qwertyuiopasdf", "letters or numbers in order"),
        ("abcdefghijkl!", "letters or numbers in order"),
        ("!@#$%^&*()_+", "letters or numbers in order"),
        ("123456789012", "Your password cannot be only numbers"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason_in_plain_english(db, password, reason):
    assert reason in refusal(password)


def test_a_password_like_the_persons_name_or_address_is_refused(db):
    nina = User(email="nina.newington@example.org", full_name="Nina Newington")
    assert "Your password is too like your" in refusal("NinaNewington1", nina)
    assert "Your password is too like your" in refusal("nina.newington@example", nina)


def test_the_demo_password_is_refused_only_when_debug_is_off(db, settings):
    settings.DEBUG = False
    assert "You cannot use the demo password" in refusal(DEMO_PASSWORD)
    settings.DEBUG = True
    validate_password(DEMO_PASSWORD)  # the demo's own accounts


@pytest.mark.parametrize(
    "password",
    [
        PASSWORD,
        "kettle orbit marzipan",
        "a-brand-new-passphrase",
        "Tr4ffic-c0ne-walrus",
        "7#Kx!9$2@4%8",
        "ZX-Spectrum+128k loader",
    ],
)
def test_reasonable_passwords_pass(db, password):
    validate_password(password)


def test_the_list_ships_with_the_project_and_says_where_it_came_from():
    from pep_portal.accounts.password_validation import COMMON_PASSWORDS, load_common_passwords

    passwords = load_common_passwords()
    assert len(passwords) > 50_000
    assert {"password", "iloveyou", "1qaz2wsx3edc", "summer"} <= passwords
    note = (COMMON_PASSWORDS.parent / "README.md").read_text()
    assert "MIT" in note and "BSD" in note and "zxcvbn" in note
