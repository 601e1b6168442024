"""Changing one's own e-mail address: behind re-authentication, confirmed by a link sent to the
new address (only a link), the old address told, audited, and every other session ended."""

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from pep_portal.accounts.models import User
from pep_portal.audit.models import AuditAction, AuditEvent
from pep_portal.security import services
from pep_portal.security.signin import AUTHENTICATED_AT
from tests.factories import PASSWORD
from tests.second_factor import backup_code_for

CHANGE = reverse("email_change")
NEW = "sam.social.new@example.org"


def link_in(message) -> str:  # type: ignore[no-untyped-def]
    found = re.findall(r"https?://[^\s]+", message.body)
    assert len(found) == 1, message.body
    return "/" + found[0].split("/", 3)[3]


def ask(client: Client, address: str, capture):  # type: ignore[no-untyped-def]
    mail.outbox.clear()
    with capture(execute=True):
        return client.post(CHANGE, {"email": address})


def test_the_page_needs_a_recent_confirmation_and_comes_back(client, personas, settings):
    worker = personas.social_worker
    client.force_login(worker)
    session = client.session
    session[AUTHENTICATED_AT] = time.time() - settings.RECENT_AUTHENTICATION_SECONDS - 5
    session.save()
    response = client.get(CHANGE)
    assert response["Location"] == f"{reverse('confirm_identity')}?next=%2Faccount%2Femail%2F"
    back = client.post(
        response["Location"], {"password": PASSWORD, "code": backup_code_for(worker.email)}
    )
    assert back["Location"] == CHANGE
    assert "Change your e-mail address" in client.get(CHANGE).content.decode()


def test_a_stale_request_keeps_the_address_typed(
    client, personas, settings, django_capture_on_commit_callbacks
):
    worker = personas.social_worker
    client.force_login(worker)
    session = client.session
    session[AUTHENTICATED_AT] = time.time() - settings.RECENT_AUTHENTICATION_SECONDS - 5
    session.save()
    response = client.post(CHANGE, {"email": NEW})
    assert not [m for m in mail.outbox if m.to == [NEW]]
    confirm = response["Location"]
    back = client.post(confirm, {"password": PASSWORD, "code": backup_code_for(worker.email)})
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(back["Location"])
    assert "We have sent a link to sam.social.new@example.org" in page.content.decode()
    assert len([m for m in mail.outbox if m.to == [NEW]]) == 1


def test_the_link_goes_to_the_new_address_the_old_is_told_then_the_change_is_made(
    client, personas, django_capture_on_commit_callbacks
):
    worker = personas.social_worker
    old = worker.email
    client.force_login(worker)
    elsewhere = Client()
    elsewhere.force_login(worker)
    assert ask(client, "  Sam.Social.NEW@Example.org ", django_capture_on_commit_callbacks)
    to_new = [m for m in mail.outbox if m.to == [NEW]]
    to_old = [m for m in mail.outbox if m.to == [old]]
    assert len(to_new) == 1 and len(to_old) == 1
    assert to_new[0].subject == "Confirm your new e-mail address for PEP Portal"
    assert to_old[0].subject == "A change of e-mail address for your PEP Portal account"
    # Only a link: no name, no other address.
    for message in (to_new[0], to_old[0]):
        assert worker.full_name not in message.body and "Sam" not in message.body
    assert NEW not in to_old[0].body and old not in to_new[0].body
    worker.refresh_from_db()
    assert worker.email == old  # nothing changes until the link is followed
    asked = AuditEvent.objects.get(action=AuditAction.EMAIL_CHANGE_ASKED)
    assert asked.actor == worker and asked.detail == {"from": old, "to": NEW}

    link = link_in(to_new[0])
    page = client.get(link)
    assert page.status_code == 200
    assert NEW in page.content.decode()
    worker.refresh_from_db()
    assert worker.email == old  # opening the link (a mail scanner might) changes nothing
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(link)
    assert done["Location"] == reverse("home")
    worker.refresh_from_db()
    assert worker.email == NEW
    changed = AuditEvent.objects.get(action=AuditAction.EMAIL_CHANGED)
    assert changed.detail == {"from": old, "to": NEW}
    told = [m for m in mail.outbox if m.to == [old]]
    assert len(told) == 1
    assert told[0].subject == "The e-mail address of your PEP Portal account has changed"
    # This session goes on; every other one has ended.
    assert client.get(reverse("home")).status_code == 200
    assert elsewhere.get(reverse("home"))["Location"].startswith(reverse("login"))
    # The link is good once.
    again = client.post(link).content.decode()
    assert "This link has already been used" in again
    # The new address signs in; the old one does not.
    assert User.objects.with_address(NEW).get() == worker
    assert not User.objects.with_address(old).exists()


def test_the_link_works_only_for_its_own_account(
    client, personas, django_capture_on_commit_callbacks
):
    client.force_login(personas.social_worker)
    ask(client, NEW, django_capture_on_commit_callbacks)
    link = link_in(next(m for m in mail.outbox if m.to == [NEW]))
    other = Client()
    other.force_login(personas.designated_teacher)
    page = other.post(link).content.decode()
    assert "This link is for another account" in page
    personas.designated_teacher.refresh_from_db()
    assert personas.designated_teacher.email != NEW
    assert not AuditEvent.objects.filter(action=AuditAction.EMAIL_CHANGED).exists()


def test_an_expired_or_altered_link_changes_nothing(
    client, personas, django_capture_on_commit_callbacks, monkeypatch
):
    worker = personas.social_worker
    client.force_login(worker)
    ask(client, NEW, django_capture_on_commit_callbacks)
    link = link_in(next(m for m in mail.outbox if m.to == [NEW]))
    altered = link[:-3] + ("x" if link[-3] != "x" else "y") + link[-2:]
    assert "This link is not right" in client.post(altered).content.decode()
    monkeypatch.setattr(services, "EMAIL_CHANGE_SECONDS", -1)
    assert "This link has expired" in client.post(link).content.decode()
    worker.refresh_from_db()
    assert worker.email != NEW


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("", "Enter your new e-mail address"),
        ("not-an-address", "Enter an e-mail address in the correct format"),
        ("a" * 100_000 + "@example.org", "Ensure this value has at most 254 characters"),
        ("sam\x00@example.org", "We removed a hidden character"),
        ("SAM.SOCIAL@example.org", "That is already your e-mail address"),
        ("dee.teacher@example.org", "That e-mail address cannot be used for your account"),
    ],
)
def test_a_wrong_address_is_refused_with_a_clear_message(
    client, personas, address, message, django_capture_on_commit_callbacks
):
    worker = personas.social_worker
    personas.designated_teacher.email = "dee.teacher@example.org"
    personas.designated_teacher.save()
    worker.email = "sam.social@example.org"
    worker.save()
    client.force_login(worker)
    response = ask(client, address, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert message.lower() in response.content.decode().lower()
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action=AuditAction.EMAIL_CHANGE_ASKED).exists()
