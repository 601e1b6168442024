"""Password reset requests and invitations are rate limited, and the reset e-mail is sent by a
queued task after the response (issue 12, defect 13). The limits count in the real Redis."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pep_portal.accounts.models import User

RESET = reverse("password_reset")
DONE = reverse("password_reset_done")


def ask_for_reset(client, email, ip="198.51.100.7"):  # type: ignore[no-untyped-def]
    return client.post(RESET, {"email": email}, REMOTE_ADDR=ip)


def test_defect_13_password_reset_requests_are_rate_limited_per_address(
    client, personas, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 3
    email = personas.carer.email
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            ask_for_reset(client, spelling, ip=f"198.51.100.{n}")
            for n, spelling in enumerate([email, email.upper(), email, f" {email}", email])
        ]
    # Every request gets the same answer, so the limit says nothing about the address …
    assert [(r.status_code, r["Location"]) for r in responses] == [(302, DONE)] * 5
    # … but only three links were sent: however the address was typed, from wherever.
    assert [m.to for m in mail.outbox] == [[email]] * 3


def test_defect_13_password_reset_requests_are_rate_limited_per_client_ip(
    client, personas, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_LIMIT_PER_IP = 4
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            assert ask_for_reset(client, f"someone{n}@example.org").status_code == 302
        refused = ask_for_reset(client, personas.carer.email)
        assert refused.status_code == 429
        html = refused.content.decode()
        assert "govuk-error-summary" in html
        assert "You have asked for too many password reset links" in html
        assert mail.outbox == []
        # Another address elsewhere is not held up.
        assert ask_for_reset(client, personas.carer.email, ip="203.0.113.9").status_code == 302
    assert len(mail.outbox) == 1


def test_defect_13_reset_email_is_sent_after_the_response_whether_or_not_the_address_exists(
    client, personas, django_capture_on_commit_callbacks
):
    """The request itself does the same work for an address with an account and one without:
    same answer, same queries, one queued task, and no e-mail sent while the user waits."""
    seen = {}
    for email in (personas.carer.email, "nobody.here@example.org"):
        with (
            django_capture_on_commit_callbacks(execute=False) as queued,
            CaptureQueriesContext(connection) as queries,
        ):
            sent_before = len(mail.outbox)
            response = ask_for_reset(client, email)
            assert len(mail.outbox) == sent_before  # nothing sent during the request
        seen[email] = (response.status_code, response["Location"], len(queries), len(queued))
        for task in queued:
            task()  # the worker, after the response
    known, unknown = seen.values()
    assert known == unknown
    assert known[3] == 1
    assert [m.to for m in mail.outbox] == [[personas.carer.email]]


def test_defect_13_invitations_are_rate_limited_per_actor(
    client, personas, settings, django_capture_on_commit_callbacks
):
    settings.INVITATION_LIMIT_PER_ACTOR = 2
    client.force_login(personas.authority_administrator)

    def invite(n: int):  # type: ignore[no-untyped-def]
        return client.post(
            reverse("person_invite"),
            {"full_name": f"New Person {n}", "email": f"new{n}@example.org", "role": "carer"}
            | {"carer_kind": "foster_carer"},
        )

    with django_capture_on_commit_callbacks(execute=True):
        assert [invite(n).status_code for n in range(2)] == [302, 302]
        refused = invite(2)
    assert refused.status_code == 429
    assert "You have added too many people in a short time" in refused.content.decode()
    assert not User.objects.filter(email="new2@example.org").exists()
    assert len(mail.outbox) == 2
    # The limit is the administrator's own: a colleague can still add people.
    colleague = personas.virtual_school_staff
    colleague.is_vs_administrator = True
    colleague.save()
    client.force_login(colleague)
    assert invite(3).status_code == 302


def test_an_invited_person_whose_link_expired_can_ask_for_another(
    client, personas, django_capture_on_commit_callbacks
):
    """The invitation e-mail tells them to use "forgotten password" if the link has expired."""
    client.force_login(personas.authority_administrator)
    client.post(
        reverse("person_invite"),
        {"full_name": "Nina New", "email": "nina.new@example.org", "role": "social_worker"},
    )
    client.logout()
    assert not User.objects.get(email="nina.new@example.org").has_usable_password()
    with django_capture_on_commit_callbacks(execute=True):
        ask_for_reset(client, "Nina.New@example.org")
    assert [m.to for m in mail.outbox] == [["nina.new@example.org"]]


def test_a_closed_account_gets_no_reset_link(client, personas, django_capture_on_commit_callbacks):
    personas.carer.is_active = False
    personas.carer.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert ask_for_reset(client, personas.carer.email)["Location"] == DONE
    assert mail.outbox == []


@pytest.mark.parametrize("limit_setting", ["PASSWORD_RESET_LIMIT_PER_IP", None])
def test_reset_still_works_when_the_rate_limit_store_is_down(
    client, personas, settings, django_capture_on_commit_callbacks, limit_setting
):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    if limit_setting:
        setattr(settings, limit_setting, 0)  # would refuse everything, if it could count
    with django_capture_on_commit_callbacks(execute=True):
        response = ask_for_reset(client, personas.carer.email)
    assert response["Location"] == DONE
    assert len(mail.outbox) == 1
