"""The audit log is append-only: the ORM refuses, and so does the database itself."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction, AuditEvent, AuditIsAppendOnly, AuditRetention


@pytest.fixture
def event(personas):
    return audit.record(personas.authority_administrator, AuditAction.CSV_DOWNLOADED)


def _old_event(personas, *, years_ago: float, authority=None) -> AuditEvent:
    """An event that happened long ago (inserted as such: rows are never moved back)."""
    return AuditEvent.objects.create(
        occurred_at=timezone.now() - dt.timedelta(days=365.25 * years_ago),
        action=AuditAction.SIGN_IN,
        authority=authority or personas.authority,
    )


def test_record_fills_in_who_whose_and_where(personas, setting):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    event = audit.record(
        personas.social_worker, AuditAction.CHILD_RECORD_OPENED, setting.child, request=request
    )
    event.refresh_from_db()
    assert (event.actor, event.child_id, event.authority, event.ip_address) == (
        personas.social_worker,
        setting.child.pk,
        personas.authority,
        "192.0.2.7",
    )
    assert (event.target_type, event.target_id) == ("child", str(setting.child.pk))
    assert event.actor_label == "Alice Social <alice.social@example.org>"


def test_the_orm_refuses_to_change_or_delete_an_event(event):
    event.detail = {"rewritten": True}
    with pytest.raises(AuditIsAppendOnly):
        event.save()
    with pytest.raises(AuditIsAppendOnly):
        event.delete()
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(detail={})
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.bulk_update([event], ["detail"])
    event.refresh_from_db()
    assert event.detail == {}


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'sign_in' WHERE id = %s",
        "UPDATE audit_auditevent SET occurred_at = now() - interval '50 years' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_update_and_delete_in_raw_sql(event, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action=AuditAction.CSV_DOWNLOADED).exists()


def test_the_database_refuses_a_delete_even_with_the_purge_flag_within_retention(event):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT set_config('pep_portal.audit_purge', 'on', true)")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_database_refuses_an_old_row_without_the_purge_flag(personas):
    old = _old_event(personas, years_ago=30)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [old.pk])
    assert AuditEvent.objects.filter(pk=old.pk).exists()


def test_the_purge_deletes_only_what_is_past_each_authoritys_period(personas):
    # Northam keeps its audit for 2 years; Southam has set nothing, so 7 years.
    AuditRetention.objects.create(authority=personas.authority, years=2)
    northam_old = _old_event(personas, years_ago=2.1)
    northam_kept = _old_event(personas, years_ago=1.9)
    southam_kept = _old_event(personas, years_ago=6.9, authority=personas.other_authority)
    southam_old = _old_event(personas, years_ago=7.1, authority=personas.other_authority)

    assert audit.audit_purge() == 2

    left = set(
        AuditEvent.objects.exclude(action=AuditAction.AUDIT_PURGED).values_list("pk", flat=True)
    )
    assert left == {northam_kept.pk, southam_kept.pk}
    assert not AuditEvent.objects.filter(pk__in=[northam_old.pk, southam_old.pk]).exists()
    purge = AuditEvent.objects.get(action=AuditAction.AUDIT_PURGED)
    assert purge.detail == {"deleted": 2}
    # The flag was transaction-local: a plain delete is refused again at once.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [purge.pk])


def test_sign_in_and_failed_sign_in_are_recorded(client, personas):
    from django.urls import reverse

    person = personas.social_worker
    person.set_password("correct horse battery staple 77")
    person.save()
    client.post(reverse("login"), {"username": person.email, "password": "wrong password 1"})
    client.post(
        reverse("login"), {"username": person.email, "password": "correct horse battery staple 77"}
    )
    events = list(
        AuditEvent.objects.order_by("id").values_list(
            "action", "actor_id", "authority_id", "target_id"
        )
    )
    assert events == [
        (AuditAction.SIGN_IN_FAILED, None, personas.authority.pk, str(person.pk)),
        (AuditAction.SIGN_IN, person.pk, personas.authority.pk, ""),
    ]
