"""A sweep's e-mails are queued in batches of people (one outbox row, one task, per 500 people,
not one per notification or per person), each e-mail still sent exactly once, and the unread
counts are put right for everyone told, by the notification centre's rule, a batch at a time."""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from pep_portal.accounts.models import User
from pep_portal.accounts.roles import Role
from pep_portal.notifications.models import EVENT_KINDS, Kind, Notification, Stage
from pep_portal.notifications.services import Due, notify
from pep_portal.outbox.models import OutboxTask
from tests.factories import LocalAuthorityFactory
from tests.outbox.conftest import (  # noqa: F401 (fixtures)
    broker,
    own_redis,
    queued_task_names,
    smtp_server,
    start_worker,
    wait_for,
)

SEND = "pep_portal.notifications.tasks.send_notification_emails"


def people(n: int) -> list[User]:
    # A code of its own: the factory's sequence can reach the personas' 801 and 802.
    authority = LocalAuthorityFactory(la_code="977")
    User.objects.bulk_create(
        [
            User(
                email=f"person.{i}@batch.example",
                full_name=f"Person {i}",
                password="!",
                role=Role.SOCIAL_WORKER,
                authority=authority,
                email_notifications="immediate",
            )
            for i in range(n)
        ]
    )
    return list(User.objects.filter(email__endswith="@batch.example").order_by("pk"))


def one_each(everyone: list[User], item: str = "pep-1") -> list[Due]:
    return [
        Due(person.pk, Kind.SUBMISSION_DUE, Stage.REMINDER, item, None, "Due", "/")
        for person in everyone
    ]


def test_1201_people_get_three_tasks_of_500_500_and_201_and_one_email_each(
    db, django_capture_on_commit_callbacks
):
    everyone = people(1201)
    with django_capture_on_commit_callbacks() as published:
        created = notify(one_each(everyone))
    assert len(created) == 1201
    rows = list(OutboxTask.objects.filter(task_name=SEND).order_by("pk"))
    # Who is in which task: people in the order of their ids, 500 to a task.
    ids = [person.pk for person in everyone]
    recipient = dict(Notification.objects.values_list("pk", "recipient_id"))
    assert [[recipient[pk] for pk in row.args[0]] for row in rows] == [
        ids[0:500],
        ids[500:1000],
        ids[1000:1201],
    ]
    assert all(row.sent_at is None for row in rows)
    for publish in published:  # the commit: the tasks go to the broker and run (eager)
        publish()
    assert [(row.sent_at is not None, row.attempts) for row in OutboxTask.objects.all()] == [
        (True, 1)
    ] * 3
    assert sorted(m.to for m in mail.outbox) == sorted([person.email] for person in everyone)
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    # Everyone has one unread notification (counted in three UPDATEs: 500, 500 and 201).
    assert set(User.objects.filter(pk__in=ids).values_list("unread_notifications", flat=True)) == {
        1
    }


def test_unread_counts_of_many_people_follow_the_notification_centres_rule(personas, pep_setting):
    """The batched recount counts what each person's notification centre shows: not what they
    have read, not one about a child they may not see."""
    Notification.objects.filter(kind__in=EVENT_KINDS).delete()
    alice, stranger = personas.social_worker, personas.unrelated_social_worker
    vic = personas.virtual_school_staff
    zara = pep_setting.child.pk
    others = people(600)  # more than one batch of the recount
    dues = [
        # Alice sees Zara: two unread about her, one read below; one about no child.
        *(
            Due(alice.pk, Kind.SUBMISSION_DUE, Stage.DUE, f"a{n}", None, "Due", "/", zara)
            for n in range(3)
        ),
        Due(alice.pk, Kind.CALENDAR_MISSING, Stage.REMINDER, "cal", None, "Calendar", "/"),
        # Not in Zara's care team: stored, but not shown, so not counted.
        Due(stranger.pk, Kind.SUBMISSION_DUE, Stage.DUE, "s1", None, "Due", "/", zara),
        Due(stranger.pk, Kind.CALENDAR_MISSING, Stage.REMINDER, "cal", None, "Calendar", "/"),
        # The virtual school sees every child of its authority.
        Due(vic.pk, Kind.SUBMISSION_DUE, Stage.DUE, "v1", None, "Due", "/", zara),
        *one_each(others),
    ]
    created = notify(dues)
    assert len(created) == 607
    first_about_zara = min(pk for pk, person, key in created if person == alice.pk)
    Notification.objects.filter(pk=first_about_zara).update(read_at="2026-12-01T09:00Z")
    User.objects.update(unread_notifications=99)  # wrong everywhere, to be put right
    from pep_portal.notifications.services import recount_unread_of

    recount_unread_of([alice.pk, stranger.pk, vic.pk, *(p.pk for p in others)])
    counts = dict(User.objects.values_list("pk", "unread_notifications"))
    assert counts[alice.pk] == 3  # 2 about Zara unread + the calendar one
    assert counts[stranger.pk] == 1  # only the calendar one
    assert counts[vic.pk] == 1
    assert {counts[p.pk] for p in others} == {1}
    assert counts[personas.carer.pk] == 99  # not asked about: left alone


def test_a_recount_of_only_closed_accounts_sets_them_to_nought(personas):
    """Closing an account recounts only that person, who may see nothing (no part to the
    recount's union): the count is 0, not an SQL error (the titles crawl found it)."""
    from pep_portal.notifications.services import recount_unread_of

    closed = personas.social_worker
    User.objects.filter(pk=closed.pk).update(is_active=False, unread_notifications=4)
    User.objects.filter(pk=personas.carer.pk).update(unread_notifications=7)
    recount_unread_of([closed.pk])
    counts = dict(User.objects.values_list("pk", "unread_notifications"))
    assert counts[closed.pk] == 0
    assert counts[personas.carer.pk] == 7  # not asked about: left alone


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_the_batches_wait_and_each_email_goes_once_when_it_is_back(
    broker,  # noqa: F811
    smtp_server,  # noqa: F811
    start_worker,  # noqa: F811
    monkeypatch,
):
    from pep_portal.notifications import services

    monkeypatch.setattr(services, "EMAIL_BATCH", 2)
    everyone = people(3)
    broker.stop()
    created = notify(one_each(everyone))  # committed: the publishing fails after it
    assert len(created) == 3
    rows = list(OutboxTask.objects.filter(task_name=SEND).order_by("pk"))
    # Two batches (2 people and 1) kept; the first tried once, the second left for the relay.
    assert [len(row.args[0]) for row in rows] == [2, 1]
    assert [(row.sent_at, row.attempts) for row in rows] == [(None, 1), (None, 0)]
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 3

    broker.start()
    smtp_server.start()
    call_command("relay_outbox", stdout=(out := io.StringIO()))
    assert "Sent 2, failed 0, still waiting 0" in out.getvalue()
    assert queued_task_names(broker, ("celery",)) == [SEND, SEND]
    start_worker(broker.url, EMAIL_URL=smtp_server.url)
    wait_for(lambda: len(smtp_server.messages) == 3, "the three e-mails arriving", 60)
    wait_for(
        lambda: not Notification.objects.filter(emailed_at__isnull=True).exists(),
        "the notifications marked as e-mailed",
        20,
    )
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(p.email for p in everyone)
    call_command("relay_outbox", stdout=(again := io.StringIO()))
    assert "Sent 0, failed 0, still waiting 0" in again.getvalue()  # nothing twice
