"""A notification about a child is shown only while its reader may see that child."""

import datetime as dt

from django.urls import reverse

from children.services import care_team_allocate
from pep_portal.notifications.services import sweep_deadlines


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
