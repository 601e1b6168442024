"""Subject access: a virtual school administrator asks for everything held about one child; the
worker builds a ZIP; the ZIP holds each kind of record (listed here by hand), every PDF and
attachment and the audit of who saw the child, and nothing about another child."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.urls import reverse

from meetings.models import Attendee, MeetingAction, MeetingTask, Target, TargetReview
from outcomes import services as outcomes
from outcomes.models import MisImport
from pep_portal.audit.models import AuditAction, AuditEvent
from peps.models import PepSnapshot, Term
from peps.services import pep_set_up

from . import world

# Every kind of record the portal holds about a child, written out by hand: a new model about a
# child must be added to the export (pep_portal/subject_access/services.py) and here.
EXPECTED_KINDS = [
    "child",
    "care_episodes",
    "placements",
    "school_places",
    "delegations",
    "peps",
    "pep_sections",
    "pep_events",
    "pep_snapshots",
    "attachments",
    "meetings",
    "meeting_attendees",
    "meeting_actions",
    "meeting_tasks",
    "targets",
    "target_reviews",
    "qa_reviews",
    "pp_requests",
    "attendance",
    "exclusions",
    "part_time_timetables",
    "times_without_a_setting",
    "attainment",
    "education_alerts",
]


@pytest.fixture
def administrator(personas):  # type: ignore[no-untyped-def]
    admin = personas.virtual_school_staff
    admin.is_vs_administrator = True
    admin.save()
    return admin


@pytest.fixture
def everything(personas, pep_setting):  # type: ignore[no-untyped-def]
    """Zara with one record of every kind, and Southam's Yara beside her."""
    side = world.northam(personas, pep_setting)
    meeting = side.meeting
    Attendee.objects.get_or_create(
        meeting=meeting, person=personas.designated_teacher, defaults={"name": "Dee Teacher"}
    )
    MeetingAction.objects.create(
        meeting=meeting, what="Book a tutor", owner="Dee Teacher", due_on=dt.date(2026, 12, 18)
    )
    MeetingTask.objects.create(
        child=side.child,
        reason="No school place",
        due_at=meeting.starts_at,
    )
    target = Target.objects.create(
        child=side.child,
        pep=side.pep,
        meeting=meeting,
        what="Read 20 minutes a day",
        measure="Reading log",
        responsible="Carol Carer",
        due_on=dt.date(2027, 2, 1),
    )
    TargetReview.objects.create(target=target, meeting=meeting, outcome="met", evidence="Log")
    # What sign-off keeps of a PEP, in its own table (written here: the export carries every
    # kept snapshot, whatever the PEP's status).
    PepSnapshot.objects.create(
        pep=side.pep,
        content={"title": "Autumn PEP 2026/27", "child": {"display_name": "Zara Quill"}},
    )
    # Education outcomes (world.northam made a part-time timetable and a time without a
    # setting); the suspension raises an alert. Southam's Yara gets a term too.
    vic = personas.virtual_school_staff
    outcomes.attendance_save(
        actor=vic,
        child=side.child,
        academic_year=2026,
        term="autumn",
        possible=100,
        present=93,
        authorised=5,
        unauthorised=2,
    )
    outcomes.exclusion_record(
        actor=vic,
        child=side.child,
        kind="suspension",
        started_on=dt.date(2026, 10, 6),
        sessions_lost=4,
        reason="PD",
    )
    outcomes.attainment_save(
        actor=vic,
        child=side.child,
        academic_year=2026,
        term="autumn",
        key_stage="ks2",
        subject="reading",
        values={"working_at": "exs"},
    )
    yara = world.southam(personas)
    # A school's data file with a row for Zara and one for Yara (as a preview keeps them).
    MisImport.objects.create(
        authority=personas.authority,
        layout="attendance",
        file_name="autumn.csv",
        rows=[
            {"row": 2, "upn": "A123456789012", "child": side.child.pk, "possible": 100},
            {"row": 3, "upn": "B123456789012", "child": yara.child.pk, "possible": 90},
        ],
    )
    outcomes.attendance_save(
        actor=None,
        child=yara.child,
        academic_year=2026,
        term="autumn",
        possible=100,
        present=50,
        authorised=50,
        unauthorised=0,
    )
    return side, yara


def _build(client, child, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("subject_access_start", args=[child.pk]))
    assert response.status_code == 302
    job_page = client.get(response["Location"])
    assert "Download the ZIP file" in job_page.content.decode()
    download = client.get(reverse("subject_access_download", args=[job_page.context["job"].pk.hex]))
    assert download.status_code == 200
    return zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))


def test_the_zip_holds_every_kind_of_record_every_document_and_the_audit(
    client, personas, administrator, everything, django_capture_on_commit_callbacks
):
    zara, yara = everything
    spring = pep_set_up(
        actor=personas.virtual_school_staff,
        child=zara.child,
        academic_year=2026,
        term=Term.SPRING,
    )
    client.force_login(personas.social_worker)
    client.get(reverse("child_detail", args=[zara.child.pk]))  # Alice opens Zara's record
    client.force_login(administrator)

    archive = _build(client, zara.child, django_capture_on_commit_callbacks)
    names = set(archive.namelist())

    assert {f"records/{kind}.json" for kind in EXPECTED_KINDS} <= names
    for kind in EXPECTED_KINDS:
        data = json.loads(archive.read(f"records/{kind}.json"))
        assert data["records"], f"no {kind} in the export"
    child = json.loads(archive.read("records/child.json"))
    assert [r["fields"]["legal_first_name"] for r in child["records"]] == ["Zara"]
    # With its history: the registration is the first version.
    assert child["history"][0]["fields"]["history_type"] == "+"
    peps = json.loads(archive.read("records/peps.json"))["records"]
    # Two PEPs, both Zara's: her Autumn 2026 PEP and her Spring 2027 one.
    assert sorted(p["pk"] for p in peps) == sorted([zara.pep.pk, spring.pk])
    assert {p["fields"]["child"] for p in peps} == {zara.child.pk}

    snapshots = json.loads(archive.read("records/pep_snapshots.json"))["records"]
    assert [(s["pk"], s["fields"]["content"]["title"]) for s in snapshots] == [
        (zara.pep.pk, "Autumn PEP 2026/27")
    ]

    pdfs = [n for n in names if n.startswith("peps/") and n.endswith(".pdf")]
    assert len(pdfs) == 2 and all(archive.read(n).startswith(b"%PDF") for n in pdfs)
    attachment = f"attachments/{zara.pep.pk}/{zara.attachment.pk}-report.pdf"
    with zara.attachment.file.open("rb") as stream:
        assert archive.read(attachment) == stream.read()

    seen = json.loads(archive.read("audit.json"))
    assert ("Opened the child's record", "Alice Social <alice.social@example.org>") in {
        (e["what"], e["who"]) for e in seen
    }
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["counts"]["pep_pdfs"] == 2 and manifest["counts"]["attachment_files"] == 1

    # Nothing about Southam's child.
    everything_in_it = b"".join(archive.read(n) for n in names if n.endswith(".json"))
    assert b"Yara" not in everything_in_it and b"Southwell" not in everything_in_it
    targets = json.loads(archive.read("records/targets.json"))["records"]
    assert {t["fields"]["child"] for t in targets} == {zara.child.pk} != {yara.child.pk}

    # The education outcomes, as recorded above (Zara's only).
    attendance = json.loads(archive.read("records/attendance.json"))["records"]
    assert [
        (a["fields"]["sessions_possible"], a["fields"]["sessions_present"]) for a in attendance
    ] == [(100, 93)]
    [exclusion] = json.loads(archive.read("records/exclusions.json"))["records"]
    assert (exclusion["fields"]["started_on"], exclusion["fields"]["reason"]) == (
        "2026-10-06",
        "PD",
    )
    [timetable] = json.loads(archive.read("records/part_time_timetables.json"))["records"]
    assert timetable["fields"]["reason"] == "Settling in after a move"
    [spell] = json.loads(archive.read("records/times_without_a_setting.json"))["records"]
    assert (spell["fields"]["started_on"], spell["fields"]["ended_on"]) == (
        "2026-06-01",
        "2026-06-12",
    )
    [attainment] = json.loads(archive.read("records/attainment.json"))["records"]
    assert attainment["fields"]["values"] == {"working_at": "exs"}
    alerts = json.loads(archive.read("records/education_alerts.json"))["records"]
    assert [a["fields"]["kind"] for a in alerts] == ["exclusion"]
    [data_file] = json.loads(archive.read("records/school_data_files.json"))
    assert data_file["file"] == "autumn.csv"
    assert data_file["rows"] == [
        {"row": 2, "upn": "A123456789012", "child": zara.child.pk, "possible": 100}
    ]
    assert manifest["counts"]["school_data_files"] == 1


def test_asking_and_downloading_are_both_audited(
    client, administrator, everything, django_capture_on_commit_callbacks
):
    zara, _ = everything
    client.force_login(administrator)
    _build(client, zara.child, django_capture_on_commit_callbacks)
    events = AuditEvent.objects.filter(actor=administrator, child_id=zara.child.pk)
    assert set(events.values_list("action", flat=True)) >= {
        AuditAction.SUBJECT_ACCESS_REQUESTED,
        AuditAction.ZIP_DOWNLOADED,
    }


@pytest.mark.parametrize(
    "persona",
    [
        "virtual_school_staff",
        "social_worker",
        "authority_administrator",
        "other_authority_virtual_school_staff",
    ],
)
def test_only_a_virtual_school_administrator_of_the_childs_authority_may_ask(
    client, personas, pep_setting, persona
):
    client.force_login(getattr(personas, persona))  # an adviser, not an administrator, first
    response = client.post(reverse("subject_access_start", args=[pep_setting.child.pk]))
    assert response.status_code in (403, 404)
    assert not AuditEvent.objects.filter(action=AuditAction.SUBJECT_ACCESS_REQUESTED).exists()


def test_someone_else_cannot_fetch_another_persons_export(
    client, personas, administrator, everything, django_capture_on_commit_callbacks
):
    zara, _ = everything
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("subject_access_start", args=[zara.child.pk]))
    job_url = response["Location"]
    other = personas.other_authority_virtual_school_staff
    other.is_vs_administrator = True
    other.save()
    client.force_login(other)
    assert client.get(job_url).status_code == 404
    assert client.get(job_url + "download/").status_code == 404
