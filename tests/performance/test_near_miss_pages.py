"""Issue 20's near-miss pages (task 21G): what each cut saves is pinned here, and each page is
shown to say what it said before the cut."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pep_portal import forms as portal_forms
from pep_portal.accounts.models import User
from pep_portal.notifications.models import EVENT_KINDS, Notification
from pep_portal.notifications.services import sweep_deadlines
from peps.services import pep_record_meeting_held, pep_submit
from quality_assurance.forms import QaReviewForm
from quality_assurance.services import framework_for
from tests.peps.fixtures import everything_done


@pytest.fixture
def submitted(personas, pep_setting):  # type: ignore[no-untyped-def]
    everything_done(personas, pep_setting)
    pep_record_meeting_held(
        actor=personas.social_worker, pep=pep_setting.pep, held_on=dt.date(2026, 11, 10)
    )
    return pep_submit(actor=personas.social_worker, pep=pep_setting.pep)


def _crispy_templates(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The templates crispy renders the layout's fields with (not the page's error summary)."""
    return [
        t.name
        for t in response.templates
        if t.name and t.name.startswith("gds/layout/") and t.name != "gds/layout/error_summary.html"
    ]


def _form_html(page: str) -> str:
    """The page's form, its CSRF token (masked anew for every response) taken out."""
    start = page.index('<form method="post" novalidate>')
    form = page[start : page.index("</form>", start)]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", form)


def test_qa_review_page_queries(client, personas, submitted, django_assert_num_queries):
    """Session, user, the PEP (scoped, with its child's authority), its review right, the
    framework and its criteria. The authority read with the PEP is the framework's (the intro's
    "Rated on …'s scale") and the reviewer's own (the footer's help address): each asked again
    before."""
    client.force_login(personas.virtual_school_staff)
    url = reverse("qa_review", args=[submitted.pk])
    client.get(url)
    with django_assert_num_queries(6):
        page = client.get(url).content.decode()
    assert f"Rated on {personas.authority.name}'s scale" in page
    assert f"mailto:{personas.authority.virtual_school_email}" in page


def test_qa_review_blank_form_is_rendered_once_per_framework(client, personas, submitted):
    portal_forms._UNBOUND_LAYOUTS.clear()
    client.force_login(personas.virtual_school_staff)
    url = reverse("qa_review", args=[submitted.pk])
    first = client.get(url)
    assert _crispy_templates(first)  # the radios rendered by crispy's templates
    second = client.get(url)
    assert not _crispy_templates(second)  # kept: no field template rendered again
    assert _form_html(second.content.decode()) == _form_html(first.content.decode())

    # The same HTML as crispy renders it without the cache.
    framework = framework_for(submitted.child.authority)
    form = QaReviewForm(None, framework=framework)
    form.helper.__class__ = portal_forms.FormHelper
    from django.template import engines

    fresh = engines["django"].from_string("{% load crispy_forms_tags %}{% crispy form %}")
    assert fresh.render({"form": form}).strip() in _form_html(second.content.decode())
    assert not any("csrf" in html for html in portal_forms._UNBOUND_LAYOUTS.values())


def test_qa_review_form_changes_with_its_criteria(client, personas, submitted):
    client.force_login(personas.virtual_school_staff)
    url = reverse("qa_review", args=[submitted.pk])
    client.get(url)
    criterion = framework_for(submitted.child.authority).criteria.filter(active=True).first()
    criterion.text = "Targets are SMART and name who does what"
    criterion.save()
    assert "Targets are SMART and name who does what" in client.get(url).content.decode()


def test_qa_review_posted_form_is_rendered_with_its_errors(client, personas, submitted):
    client.force_login(personas.virtual_school_staff)
    url = reverse("qa_review", args=[submitted.pk])
    client.get(url)  # the blank form kept
    response = client.post(url, {"feedback_to_teacher": "Typed before the error"})
    assert response.status_code == 200
    assert _crispy_templates(response)
    assert "Typed before the error" in response.content.decode()


@pytest.fixture
def swept(personas, pep_setting):  # type: ignore[no-untyped-def]
    Notification.objects.filter(kind__in=EVENT_KINDS).delete()
    sweep_deadlines(today=dt.date(2027, 1, 9))  # Alice is told Zara's meeting is overdue
    return personas.social_worker


def test_notification_list_counts_once_and_writes_nothing_when_right(client, swept):
    """Session, user, one count of all and unread, the page (the footer's address is kept per
    process: accounts.selectors.help_contact): no second count for the pages and no UPDATE of
    the user's row when its count is already right."""
    alice = swept
    client.force_login(alice)
    client.get(reverse("notification_list"))  # puts the count right
    alice.refresh_from_db()
    assert alice.unread_notifications == 1
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("notification_list")).content.decode()
    assert len(queries) == 4
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert "Zara Quill" in page and '1<span class="govuk-visually-hidden"> unread' in page


def test_notification_list_puts_a_wrong_count_right(client, swept):
    alice = swept
    User.objects.filter(pk=alice.pk).update(unread_notifications=7)
    client.force_login(alice)
    page = client.get(reverse("notification_list")).content.decode()
    alice.refresh_from_db()
    assert alice.unread_notifications == 1
    assert '1<span class="govuk-visually-hidden"> unread' in page
    response = client.get(reverse("notification_list") + "?page=2")  # one page: the last shown
    assert response.context["page"].paginator.count == 1
    assert response.context["page"].number == 1


def _page_query(client, url: str, *marks: str) -> str:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    found = [q["sql"] for q in captured.captured_queries if all(m in q["sql"] for m in marks)]
    assert len(found) == 1, found
    return found[0]


def _plan_without_sorting(sql: str) -> str:
    """The plan with sorting and sequential scans priced out, on a test database too small for
    PostgreSQL to choose an index otherwise: an index that gives the order is named."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_sort = off")
        try:
            cursor.execute("EXPLAIN " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")


def test_people_list_reads_people_in_name_order_from_an_index(client, personas):
    """accounts 0008 `user_by_full_name`: the page of 50 is read in name order, not every
    person of the authority sorted (5,561 at the 10,000-child seed)."""
    client.force_login(personas.virtual_school_staff)
    page = _page_query(
        client,
        reverse("people_list"),
        'FROM "accounts_user"',
        'ORDER BY "accounts_user"."full_name"',
    )
    plan = _plan_without_sorting(page)
    assert "user_by_full_name" in plan, plan


def test_qa_queue_reads_the_waiting_peps_in_order_from_an_index(client, personas, submitted):
    """peps 0011 `pep_submitted_queue`: the queue's page is read oldest submission first from
    the PEPs waiting, not all 1,200 joined to their children and sorted."""
    client.force_login(personas.virtual_school_staff)
    page = _page_query(client, reverse("qa_queue"), 'ORDER BY "peps_pep"."submitted_at"')
    plan = _plan_without_sorting(page)
    assert "pep_submitted_queue" in plan, plan
    assert "Zara Quill" in client.get(reverse("qa_queue")).content.decode()


def test_meeting_record_page_reads_the_authority_with_the_meeting(
    client, personas, pep_setting, django_assert_num_queries
):
    """Session, user, the meeting (scoped, with its child's authority), the right to record it,
    its attendees, targets and the person's draft; the footer's help address is the authority
    read with the meeting (a query of its own before: 8)."""
    from meetings.services import meeting_arrange
    from tests.meetings.test_meetings import at

    meeting = meeting_arrange(
        actor=personas.social_worker,
        pep=pep_setting.pep,
        starts_at=at(dt.date(2026, 12, 8)),
        online_link="https://teams.example/join/1",
        venue="online",
    ).meeting
    client.force_login(personas.social_worker)
    url = reverse("meeting_record", args=[meeting.pk])
    client.get(url)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.status_code == 200
    assert f"mailto:{personas.authority.virtual_school_email}" in response.content.decode()
