"""Sessions: a new id at sign-in, an absolute lifetime on top of the idle timeout, every other
session ended by a password change or an account's closure, and alerts for new browsers."""

import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from pep_portal.security.models import KnownDevice
from tests.factories import PASSWORD
from tests.second_factor import backup_code_for

pytestmark = pytest.mark.second_factor_by_hand

SIGN_IN = reverse("login")
HOME = reverse("home")


def sign_in(client: Client, user) -> None:  # type: ignore[no-untyped-def]
    code = backup_code_for(user.email)
    client.post(SIGN_IN, {"username": user.email, "password": PASSWORD})
    response = client.post(reverse("second_factor_verify"), {"code": code})
    assert response["Location"] == HOME


def test_signing_in_gives_a_new_session_id_at_each_step(client, personas):
    client.get(SIGN_IN)
    client.cookies["sessionid"] = "a" * 32  # a session id an attacker chose
    code = backup_code_for(personas.social_worker.email)
    client.post(SIGN_IN, {"username": personas.social_worker.email, "password": PASSWORD})
    after_password = client.cookies["sessionid"].value
    assert after_password != "a" * 32
    client.post(reverse("second_factor_verify"), {"code": code})
    assert client.cookies["sessionid"].value != after_password
    assert client.get(HOME).status_code == 200


def test_a_session_ends_after_its_absolute_lifetime_however_active(client, personas, settings):
    sign_in(client, personas.social_worker)
    assert client.get(HOME).status_code == 200
    session = client.session
    session["pep_signed_in_at"] = time.time() - settings.SESSION_ABSOLUTE_SECONDS + 60
    session.save()
    assert client.get(HOME).status_code == 200  # a minute left
    session = client.session
    session["pep_signed_in_at"] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    assert client.get(HOME)["Location"].startswith(SIGN_IN)  # and stays ended


def test_the_absolute_lifetime_is_twelve_hours_unless_set(settings):
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60


def test_changing_the_password_ends_every_other_session(client, personas):
    worker = personas.social_worker
    sign_in(client, worker)
    elsewhere = Client()
    sign_in(elsewhere, worker)
    new = "another-long-passphrase-here"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    assert elsewhere.get(HOME)["Location"].startswith(SIGN_IN)


def test_a_closed_accounts_open_session_stops_working_on_its_next_request(client, personas):
    from pep_portal.accounts.services import person_set_active

    worker = personas.social_worker
    sign_in(client, worker)
    assert client.get(HOME).status_code == 200
    person_set_active(actor=personas.authority_administrator, person=worker, active=False)
    assert client.get(HOME)["Location"].startswith(SIGN_IN)
    # Reopening does not bring the old session back.
    person_set_active(actor=personas.authority_administrator, person=worker, active=True)
    assert client.get(HOME)["Location"].startswith(SIGN_IN)


def test_signing_in_from_a_new_browser_sends_an_alert(personas, django_capture_on_commit_callbacks):
    worker = personas.social_worker
    first = Client()
    with django_capture_on_commit_callbacks(execute=True):
        sign_in(first, worker)
    # The first browser ever alerts nobody; signing in again from it neither.
    assert [m for m in mail.outbox if m.to == [worker.email]] == []
    first.post(reverse("logout"))
    with django_capture_on_commit_callbacks(execute=True):
        sign_in(first, worker)
    assert [m for m in mail.outbox if m.to == [worker.email]] == []
    with django_capture_on_commit_callbacks(execute=True):
        sign_in(Client(), worker)
    alerts = [m for m in mail.outbox if m.to == [worker.email]]
    assert len(alerts) == 1
    assert "browser it has not been used from before" in alerts[0].body
    assert KnownDevice.objects.filter(user=worker).count() == 2
    # Only a hash of the browser's token is kept.
    token = first.cookies["pep_device"].value
    assert not KnownDevice.objects.filter(token_hash__contains=token[:20]).exists()


def test_a_forged_browser_cookie_counts_as_a_new_browser(
    personas, django_capture_on_commit_callbacks
):
    worker = personas.social_worker
    with django_capture_on_commit_callbacks(execute=True):
        sign_in(Client(), worker)
    forged = Client()
    forged.cookies["pep_device"] = "anything:forged"
    with django_capture_on_commit_callbacks(execute=True):
        sign_in(forged, worker)
    assert len([m for m in mail.outbox if m.to == [worker.email]]) == 1
