"""The idle timeout without a session write on every request (SessionIdleRefreshMiddleware):
a page within the refresh interval writes nothing; after it, the expiry is pushed on."""

import time

from django.contrib.sessions.models import Session
from django.urls import reverse

from pep_portal.middleware import SessionIdleRefreshMiddleware

KEY = SessionIdleRefreshMiddleware.KEY


def _row(client):  # type: ignore[no-untyped-def]
    return Session.objects.get(session_key=client.session.session_key)


def test_a_page_soon_after_the_last_write_does_not_write_the_session(client, personas):
    client.force_login(personas.social_worker)
    before = _row(client)
    assert client.get(reverse("home")).status_code == 200
    after = _row(client)
    assert after.expire_date == before.expire_date
    assert after.session_data == before.session_data


def test_after_the_interval_a_page_pushes_the_expiry_on(client, personas, settings):
    client.force_login(personas.social_worker)
    session = client.session
    session[KEY] = time.time() - settings.SESSION_REFRESH_SECONDS - 5  # last pushed long ago
    session.save()
    before = _row(client).expire_date
    time.sleep(1.1)  # expiry dates are whole seconds apart at least
    assert client.get(reverse("home")).status_code == 200
    row = _row(client)
    assert row.expire_date > before
    assert float(row.get_decoded()[KEY]) > time.time() - 30


def test_a_garbled_refresh_time_counts_as_long_ago(client, personas):
    client.force_login(personas.social_worker)
    session = client.session
    session[KEY] = "not a time"
    session.save()
    assert client.get(reverse("home")).status_code == 200
    assert isinstance(_row(client).get_decoded()[KEY], float)


def test_signed_out_visitors_get_no_session(client, db):
    client.get(reverse("login"))
    client.get("/")
    assert Session.objects.count() == 0


def test_stay_signed_in_extends_the_session_at_once(client, personas):
    client.force_login(personas.social_worker)
    before = _row(client).expire_date
    time.sleep(1.1)
    assert client.post(reverse("keep_alive")).status_code == 204
    assert _row(client).expire_date > before
