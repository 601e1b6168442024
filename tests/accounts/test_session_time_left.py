"""GET /account/session/: how long the session has left, asked by the session timer before it
clears a page. It never extends the session, never redirects (JSON whatever the session's
state), and is never cached."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from pep_portal.middleware import SessionIdleRefreshMiddleware
from pep_portal.security.signin import SIGNED_IN_AT

URL = "/account/session/"
KEY = SessionIdleRefreshMiddleware.KEY


def _row(client):  # type: ignore[no-untyped-def]
    return Session.objects.get(session_key=client.session.session_key)


def test_the_address_is_the_accounts_one() -> None:
    assert reverse("session_time_left") == URL


def test_signed_in_it_says_the_idle_time_left_and_is_never_cached(client, personas, settings):
    client.force_login(personas.social_worker)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    left = response.json()["seconds_left"]
    # Just signed in: the whole idle timeout (an hour), less the moment the test took.
    assert settings.SESSION_COOKIE_AGE - 10 <= left <= settings.SESSION_COOKIE_AGE
    assert "no-store" in response["Cache-Control"]


def test_asking_does_not_extend_the_session(client, personas, settings):
    client.force_login(personas.social_worker)
    session = client.session
    # Last pushed on 65 s ago: a page now would push the expiry on (test_session_refresh.py).
    session[KEY] = time.time() - settings.SESSION_REFRESH_SECONDS - 5
    session.save()
    before = _row(client)
    time.sleep(1.1)  # expiry dates are whole seconds apart at least
    response = client.get(URL)
    left = response.json()["seconds_left"]
    expected = settings.SESSION_COOKIE_AGE - settings.SESSION_REFRESH_SECONDS - 5 - 1
    assert expected - 5 <= left <= expected + 1
    after = _row(client)
    assert after.expire_date == before.expire_date
    assert after.session_data == before.session_data
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    # A page, by contrast, counts as activity.
    client.get(reverse("help"))
    assert _row(client).expire_date > before.expire_date


def test_the_absolute_lifetime_counts_when_it_comes_first(client, personas, settings):
    client.force_login(personas.social_worker)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_ABSOLUTE_SECONDS + 100
    session.save()
    left = client.get(URL).json()["seconds_left"]
    assert 90 <= left <= 100


def test_past_the_absolute_lifetime_it_says_none_left_without_a_redirect(
    client, personas, settings
):
    client.force_login(personas.social_worker)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"seconds_left": 0}
    # The session ended there, as any page would have ended it.
    assert client.get(reverse("help")).context["user"].is_authenticated is False


def test_signed_out_it_says_none_left_without_a_redirect_or_a_session(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"seconds_left": 0}
    assert "no-store" in response["Cache-Control"]
    assert Session.objects.count() == 0


@pytest.mark.second_factor_by_hand
def test_before_the_second_factor_it_answers_rather_than_redirecting(client, personas):
    client.force_login(personas.social_worker)  # a password only: pages ask for the factor
    assert client.get(reverse("help")).status_code == 302
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json()["seconds_left"] > 0


def test_it_answers_get_only(client, personas):
    client.force_login(personas.social_worker)
    assert client.post(URL).status_code == 405
