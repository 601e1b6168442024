"""The fixed cost of a signed-in page: the session and the user, nothing else. The footer's
help address (the authority's Virtual School) is kept per process (accounts.selectors
.help_contact) rather than asked for on every page; saving the authority forgets it."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pep_portal.accounts.selectors import forget_help_contact


def _queries(client, url):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in queries.captured_queries]


def test_the_help_page_signed_in_asks_for_the_session_and_the_user_only(client, personas):
    forget_help_contact()
    client.force_login(personas.social_worker)
    client.get(reverse("help"))  # the first page of this process asks for the contact once
    response, sql = _queries(client, reverse("help"))
    assert len(sql) == 2, sql
    assert "django_session" in sql[0] and "accounts_user" in sql[1]
    html = response.content.decode()
    # Both the page's contact and the footer's "Help:" line name the Virtual School.
    assert html.count(f"mailto:{personas.authority.virtual_school_email}") >= 3


def test_the_session_timer_question_asks_for_the_session_and_the_user_only(client, personas):
    client.force_login(personas.social_worker)
    _, sql = _queries(client, reverse("session_time_left"))
    assert len(sql) == 2, sql


def test_a_changed_help_address_shows_at_once_in_the_process_that_saved_it(client, personas):
    client.force_login(personas.social_worker)
    authority = personas.authority
    assert authority.virtual_school_email in client.get(reverse("accessibility")).content.decode()
    authority.virtual_school_email = "new-help@northam.example"
    authority.save()
    html = client.get(reverse("accessibility")).content.decode()
    assert "mailto:new-help@northam.example" in html
    assert f"mailto:{personas.other_authority.virtual_school_email}" not in html
