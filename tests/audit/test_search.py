"""The authority's audit search: who may use it, what it shows (never another authority's
events), the filters, and the CSV export."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from pep_portal.audit.models import AuditAction, AuditEvent
from tests.children.fixtures import register

# The fixture's events are in March 2026; setting up the child leaves events of its own today
# (access granted to the care team), which these searches leave out.
MARCH = {"date_to_0": "31", "date_to_1": "3", "date_to_2": "2026"}


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def events(personas, setting):
    """Four events of Northam (one about its child) and one of Southam, at known times."""
    southam_child = register(personas, school=None, name="Yusuf")
    southam_child.authority = personas.other_authority
    southam_child.save()

    def event(day: dt.date, actor, action: AuditAction, child=None, authority=None):  # type: ignore[no-untyped-def]
        return AuditEvent.objects.create(
            occurred_at=_at(day),
            action=action,
            actor=actor,
            actor_label=f"{actor.full_name} <{actor.email}>",
            authority=authority or personas.authority,
            child=child,
        )

    march = dt.date(2026, 3, 2)
    return {
        "northam_view": event(
            march, personas.social_worker, AuditAction.CHILD_RECORD_OPENED, setting.child
        ),
        "northam_pep": event(
            march + dt.timedelta(7),
            personas.designated_teacher,
            AuditAction.PEP_OPENED,
            setting.child,
        ),
        "northam_sign_in": event(march + dt.timedelta(14), personas.carer, AuditAction.SIGN_IN),
        "northam_csv": event(
            march + dt.timedelta(21), personas.virtual_school_staff, AuditAction.CSV_DOWNLOADED
        ),
        "southam_view": event(
            march + dt.timedelta(7),
            personas.other_authority_social_worker,
            AuditAction.CHILD_RECORD_OPENED,
            southam_child,
            personas.other_authority,
        ),
    }


def _ids(response) -> set[int]:
    return {event.pk for event, _ in response.context["rows"]}


def test_the_authority_administrator_sees_only_their_authoritys_events(client, personas, events):
    client.force_login(personas.authority_administrator)
    response = client.get(
        reverse("audit_search"), {"date_to_0": "31", "date_to_1": "3", "date_to_2": "2026"}
    )
    assert response.status_code == 200
    northam = {
        events[k].pk for k in ("northam_view", "northam_pep", "northam_sign_in", "northam_csv")
    }
    assert _ids(response) == northam
    assert "Sid Social" not in response.content.decode()


def test_another_authoritys_administrator_sees_none_of_them(client, personas, events):
    client.force_login(personas.other_authority_virtual_school_staff)
    other = personas.other_authority_virtual_school_staff
    other.is_vs_administrator = True
    other.save()
    response = client.get(reverse("audit_search"), {"child": "Quill"})
    # Southam's own child (also a Quill) is theirs; Northam's Zara Quill never appears.
    assert _ids(response) == {events["southam_view"].pk}
    assert "Zara" not in response.content.decode()


@pytest.mark.parametrize(
    "persona",
    [
        "social_worker",
        "designated_teacher",
        "carer",
        "virtual_school_staff",  # an adviser, not an administrator
        "independent_reviewing_officer",
    ],
)
def test_people_who_do_not_manage_the_authority_are_refused(client, personas, events, persona):
    client.force_login(getattr(personas, persona))
    assert client.get(reverse("audit_search")).status_code == 403
    assert client.get(reverse("audit_export")).status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"child": "zara", **MARCH}, {"northam_view", "northam_pep"}),
        ({"person": "Dee Teacher"}, {"northam_pep"}),
        ({"person": "carol.carer@example"}, {"northam_sign_in"}),
        ({"action": "csv_downloaded"}, {"northam_csv"}),
        (
            {
                "date_from_0": "9",
                "date_from_1": "3",
                "date_from_2": "2026",
                "date_to_0": "16",
                "date_to_1": "3",
                "date_to_2": "2026",
            },
            {"northam_pep", "northam_sign_in"},
        ),
    ],
)
def test_search_by_child_person_action_and_date(client, personas, events, query, expected):
    client.force_login(personas.authority_administrator)
    response = client.get(reverse("audit_search"), query)
    assert _ids(response) == {events[k].pk for k in expected}


def test_the_search_by_child_reference_finds_the_child(client, personas, setting, events):
    client.force_login(personas.authority_administrator)
    response = client.get(reverse("audit_search"), {"child": str(setting.child.pk), **MARCH})
    assert _ids(response) == {events["northam_view"].pk, events["northam_pep"].pk}


def test_an_authority_administrator_sees_a_childs_reference_not_their_name(
    client, personas, setting, events
):
    client.force_login(personas.authority_administrator)
    body = client.get(reverse("audit_search"), {"child": "zara"}).content.decode()
    assert f"Child {setting.child.pk}" in body
    assert "Zara" not in body.split("<table", 1)[1]


def _csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_is_the_search_as_csv_and_is_itself_audited(client, personas, setting, events):
    admin = personas.virtual_school_staff
    admin.is_vs_administrator = True
    admin.save()
    client.force_login(admin)
    response = client.get(reverse("audit_export"), {"child": "zara", **MARCH})
    assert response.status_code == 200
    # Sent as it is read (issue 20): a streamed response, not a file built in memory first.
    assert response.streaming
    rows = _csv_rows(response)
    assert rows[0] == [
        "when",
        "what",
        "person",
        "child",
        "child reference",
        "item",
        "item reference",
        "address",
    ]
    body = sorted((r[1], r[2], r[3], r[4]) for r in rows[1:])
    assert body == [
        (
            "Opened a PEP",
            "Dee Teacher <dee.teacher@example.org>",
            "Zara Quill",
            str(setting.child.pk),
        ),
        (
            "Opened the child's record",
            "Alice Social <alice.social@example.org>",
            "Zara Quill",
            str(setting.child.pk),
        ),
    ]
    export = AuditEvent.objects.get(
        action=AuditAction.CSV_DOWNLOADED, actor=admin, detail__export="audit log"
    )
    assert export.detail == {"export": "audit log", "rows": 2}


def test_the_export_neutralises_formulas_in_what_people_typed(client, personas, events):
    AuditEvent.objects.create(
        action=AuditAction.SIGN_IN_FAILED,
        actor_label='=HYPERLINK("http://x")',
        authority=personas.authority,
    )
    client.force_login(personas.authority_administrator)
    response = client.get(reverse("audit_export"), {"action": "sign_in_failed"})
    rows = _csv_rows(response)
    assert rows[1][2] == '\'=HYPERLINK("http://x")'


def test_the_page_is_paginated(client, personas):
    AuditEvent.objects.bulk_create(
        AuditEvent(action=AuditAction.SIGN_IN_FAILED, authority=personas.authority)
        for _ in range(51)
    )
    client.force_login(personas.authority_administrator)
    # (Signing in is an event too: search for the failures alone.)
    first = client.get(reverse("audit_search"), {"action": "sign_in_failed"})
    second = client.get(reverse("audit_search"), {"action": "sign_in_failed", "page": "2"})
    assert (len(first.context["rows"]), len(second.context["rows"])) == (50, 1)
    assert first.context["page"].paginator.count == 51


def test_the_export_holds_the_newest_events_up_to_its_limit_and_says_how_many(
    client, personas, setting, events, monkeypatch
):
    """Streamed a chunk at a time (one event a chunk here), at most EXPORT_LIMIT events: the
    newest; the bulk-export record and the download's own event give the number sent."""
    from pep_portal.audit_search import views
    from pep_portal.security.models import SensitiveAction, SensitiveActionKind

    monkeypatch.setattr(views, "EXPORT_LIMIT", 3)
    monkeypatch.setattr(views, "EXPORT_CHUNK", 1)
    admin = personas.virtual_school_staff  # who may see Zara's record, so sees her name
    admin.is_vs_administrator = True
    admin.save()
    client.force_login(admin)
    rows = _csv_rows(client.get(reverse("audit_export"), MARCH))
    # Northam's March events, newest first, by hand: the CSV (23rd), the sign-in (16th), the
    # PEP opened (9th); the record opened (2nd) is the fourth, past the limit.
    assert [row[1] for row in rows[1:]] == [
        "Downloaded a CSV",
        "Signed in",
        "Opened a PEP",
    ]
    assert rows[3][3] == "Zara Quill"  # named in the third chunk read (names are read once, first)
    download = AuditEvent.objects.get(
        action=AuditAction.CSV_DOWNLOADED, actor=admin, detail__export="audit log"
    )
    assert download.detail == {"export": "audit log", "rows": 3}
    record = SensitiveAction.objects.get(actor=admin, kind=SensitiveActionKind.BULK_EXPORT)
    assert record.detail == "CSV of the audit log: 3 events"


def test_the_export_leaves_out_events_written_after_it_counted(client, personas, events):
    """The file holds the events counted when it was asked for: not its own download's event
    (written before the rows are read), nor any written while it is sent."""
    client.force_login(personas.authority_administrator)
    response = client.get(reverse("audit_export"), {"action": "csv_downloaded"})
    AuditEvent.objects.create(action=AuditAction.CSV_DOWNLOADED, authority=personas.authority)
    rows = _csv_rows(response)
    assert len(rows) == 2  # the header and the fixture's one download (on 23 March)
    assert rows[1][2] == personas.virtual_school_staff.full_name + (
        f" <{personas.virtual_school_staff.email}>"
    )


def test_the_childrens_names_are_read_as_plain_values(personas, setting, events):
    """An export names up to every child of the authority: read as values, no Child objects
    built (issue 20)."""
    from django.db.models.signals import post_init

    from children.models import Child
    from pep_portal.audit_search.selectors import children_named_for

    built = []

    def count(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
        built.append(instance)

    post_init.connect(count, sender=Child)
    try:
        names = children_named_for(user=personas.virtual_school_staff, child_ids=[setting.child.pk])
    finally:
        post_init.disconnect(count, sender=Child)
    assert names == {setting.child.pk: "Zara Quill"}
    assert built == []
