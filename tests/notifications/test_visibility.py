"""A notification about a child is shown only while its reader may see that child."""

import datetime as dt

import pytest
from django.urls import reverse

from children.services import care_team_allocate
from pep_portal.accounts.models import User
from pep_portal.notifications.models import EVENT_KINDS, Notification
from pep_portal.notifications.services import sweep_deadlines


@pytest.fixture
def pep_setting(pep_setting):  # type: ignore[no-untyped-def]
    """Only the sweep's notifications: what setting Zara up told people is put aside."""
    Notification.objects.filter(kind__in=EVENT_KINDS).delete()
    User.objects.update(unread_notifications=0)
    return pep_setting


def test_defect_04_a_reallocated_childs_notifications_leave_the_previous_social_worker(
    client, personas, pep_setting
):
    sweep_deadlines(today=dt.date(2027, 1, 9))  # Zara's PEP meeting is overdue: Alice is told
    alice = personas.social_worker
    client.force_login(alice)
    assert "Zara Quill" in client.get(reverse("notification_list")).content.decode()
    alice.refresh_from_db()
    assert alice.unread_notifications == 1

    care_team_allocate(
        actor=personas.virtual_school_staff,
        child=pep_setting.child,
        social_worker=personas.unrelated_social_worker,
        virtual_school_adviser=personas.virtual_school_staff,
        independent_reviewing_officer=None,
    )
    alice.refresh_from_db()
    assert alice.unread_notifications == 0  # the header's count, without opening the list
    home = client.get(reverse("home")).content.decode()
    assert "Zara" not in home and " unread" not in home
    page = client.get(reverse("notification_list")).content.decode()
    assert "Zara" not in page
    assert "Nothing to tell you" in page


def test_notifications_from_before_the_change_are_linked_to_their_child(personas, pep_setting):
    """The migration keys existing PEP notifications to the PEP's child (from the PEP in the
    dedupe key), and leaves the others alone."""
    import importlib

    from django.apps import apps

    from pep_portal.notifications.models import Kind, Notification

    sweep_deadlines(today=dt.date(2027, 1, 9))
    about_zara = Notification.objects.filter(kind=Kind.NO_MEETING_ARRANGED)
    assert about_zara.count() == 2  # Alice, and Vic (escalated)
    about_zara.update(child=None)
    calendar = Notification.objects.create(
        recipient=personas.authority_administrator,
        kind=Kind.CALENDAR_MISSING,
        message="No term dates are loaded for 2027 to 2028",
        url="/calendars/",
        dedupe_key="calendar_missing:la1y2027:2027-09-01:reminder:1",
    )
    migration = importlib.import_module(
        "pep_portal.notifications.migrations.0002_notification_child"
    )
    migration.link_notifications_to_their_child(apps, None)
    assert set(about_zara.values_list("child_id", flat=True)) == {pep_setting.child.pk}
    calendar.refresh_from_db()
    assert calendar.child_id is None
