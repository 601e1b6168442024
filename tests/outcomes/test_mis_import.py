"""Schools' MIS files: a good file imported (every value as written in it), a file with bad rows
refused whole, unmatched UPNs listed and skipped, hostile files refused, a 5,000-row file
imported in one go, and the management command for scheduled imports."""

import datetime as dt
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from children.models import Child
from children.upn import upn_check_letter
from outcomes.models import (
    AttainmentRecord,
    MisImportStatus,
    OutcomeAlert,
    TermAttendance,
)
from outcomes.services import mis_import, mis_preview
from pep_portal.audit.models import AuditAction, AuditEvent
from pep_portal.notifications.models import Kind, Notification
from pep_portal.notifications.tasks import tell_outcome_alerts
from pep_portal.operations.retention import apply_retention
from pep_portal.outbox.models import OutboxTask

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def upn(serial: int) -> str:
    body = f"80120012{serial:04d}"[:12]
    return upn_check_letter(body) + body


def with_upn(child: Child, value: str) -> Child:
    Child.objects.filter(pk=child.pk).update(upn=value)
    child.refresh_from_db()
    return child


def csv_of(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


ATTENDANCE_HEADER = (
    "UPN,From,To,Sessions possible,Sessions present,Authorised absence,Unauthorised absence"
)


def test_the_example_files_import(personas: Any, setting: Any) -> None:
    """The files in docs/examples are the documented layouts, and import as written."""
    zara = with_upn(setting.child, "E801200125001")
    vic = personas.virtual_school_staff
    upload = mis_preview(
        actor=vic,
        layout="attendance",
        file_name="mis-attendance.csv",
        content=(EXAMPLES / "mis-attendance.csv").read_bytes(),
    )
    assert (upload.status, upload.errors, upload.unmatched) == ("previewed", [], [])
    # Nothing is written by the preview.
    assert not TermAttendance.objects.exists()
    assert mis_import(actor=vic, upload=upload) == 2
    assert sorted(
        TermAttendance.objects.filter(child=zara).values_list(
            "academic_year",
            "term",
            "sessions_possible",
            "sessions_present",
            "authorised_absence",
            "unauthorised_absence",
            "source",
        )
    ) == [
        (2025, "autumn", 142, 131, 7, 4, "imported"),
        (2025, "spring", 116, 112, 4, 0, "imported"),
    ]
    [history] = TermAttendance.objects.get(term="autumn").history.all()
    assert history.history_user == vic
    assert AuditEvent.objects.filter(action=AuditAction.IMPORTED, actor=vic).count() == 1

    upload = mis_preview(
        actor=vic,
        layout="attainment",
        file_name="mis-attainment.csv",
        content=(EXAMPLES / "mis-attainment.csv").read_bytes(),
    )
    assert upload.errors == []
    assert mis_import(actor=vic, upload=upload) == 3
    # Imported values fill the PEP for the teacher to confirm.
    assert sorted(
        AttainmentRecord.objects.filter(child=zara).values_list(
            "term", "key_stage", "subject", "values", "confirmed"
        )
    ) == [
        ("autumn", "ks2", "maths", {"working_at": "wts"}, False),
        ("autumn", "ks2", "mtc", {"score": 21}, False),
        ("autumn", "ks2", "reading", {"working_at": "exs", "target": "gds"}, False),
    ]
    # Imported twice: refused (it already was).
    with pytest.raises(Exception, match="already been imported"):
        mis_import(actor=vic, upload=upload)


def test_a_file_with_bad_rows_is_refused_whole(personas: Any, setting: Any) -> None:
    with_upn(setting.child, upn(1))
    content = csv_of(
        ATTENDANCE_HEADER,
        f"{upn(1)},2025-09-03,2025-12-19,142,131,7,4",  # good
        f"{upn(1)},2026-01-05,2026-03-27,100,90,5,6",  # 101 of 100
        f"{upn(1)},2026-04-13,2026-07-22,abc,90,5,5",  # not a number
        f"{upn(1)},2026-04-13,2026-09-22,100,90,5,5",  # spans two terms
        f"{upn(1)},2025-09-03,2025-12-19,142,131,7,4",  # the first row again
        ",2025-09-03,2025-12-19,142,131,7,4",  # no UPN
        f"{upn(1)},31/02/2026,2026-03-27,100,90,5,5",  # no such date
    )
    upload = mis_preview(
        actor=personas.virtual_school_staff, layout="attendance", file_name="x.csv", content=content
    )
    assert upload.status == MisImportStatus.REFUSED
    assert [e["row"] for e in upload.errors] == [3, 4, 5, 6, 7, 8]
    assert "more than the sessions possible" in upload.errors[0]["messages"][0]
    assert "row 2 too" in upload.errors[3]["messages"][0]
    with pytest.raises(Exception, match="refused"):
        mis_import(actor=personas.virtual_school_staff, upload=upload)
    assert not TermAttendance.objects.exists()


def test_bad_attainment_values_refuse_the_file(personas: Any, setting: Any) -> None:
    with_upn(setting.child, upn(1))
    content = csv_of(
        "UPN,Date,Key stage,Subject,Measure,Value",
        f"{upn(1)},2025-12-12,KS2,reading,working_at,EXS",
        f"{upn(1)},2025-12-12,KS2,maths,working_at,expected",  # not on the scale
        f"{upn(1)},2025-12-12,KS4,latin,working_at,5",  # no such subject
        f"{upn(1)},2025-12-12,KS9,maths,working_at,5",  # no such key stage
    )
    upload = mis_preview(
        actor=personas.virtual_school_staff, layout="attainment", file_name="x.csv", content=content
    )
    assert upload.status == MisImportStatus.REFUSED
    assert [e["row"] for e in upload.errors] == [3, 4, 5]
    assert not AttainmentRecord.objects.exists()


def test_unmatched_upns_are_listed_and_skipped(personas: Any, setting: Any) -> None:
    zara = with_upn(setting.child, upn(1))
    content = csv_of(
        ATTENDANCE_HEADER,
        f"{upn(1)},2025-09-03,2025-12-19,100,95,5,0",
        f"{upn(2)},2025-09-03,2025-12-19,100,95,5,0",  # no child has it
        f"{upn(3)},2025-09-03,2025-12-19,100,95,5,0",
    )
    vic = personas.virtual_school_staff
    upload = mis_preview(actor=vic, layout="attendance", file_name="x.csv", content=content)
    assert upload.unmatched == [{"row": 3, "upn": upn(2)}, {"row": 4, "upn": upn(3)}]
    assert mis_import(actor=vic, upload=upload) == 1
    assert list(TermAttendance.objects.values_list("child", flat=True)) == [zara.pk]
    # Another authority's virtual school matches none of Northam's children.
    other = mis_preview(
        actor=personas.other_authority_virtual_school_staff,
        layout="attendance",
        file_name="x.csv",
        content=content,
    )
    assert [r["upn"] for r in other.unmatched] == [upn(1), upn(2), upn(3)]
    # A file for one school matches only the children on its roll.
    elsewhere = mis_preview(
        actor=vic,
        layout="attendance",
        file_name="x.csv",
        content=content,
        school=setting.new_school,
    )
    assert [r["upn"] for r in elsewhere.unmatched] == [upn(1), upn(2), upn(3)]


HOSTILE = [
    (b"", "empty"),
    (ATTENDANCE_HEADER.encode() + b"\n", "no rows"),
    (b"UPN,From\nX,Y\n", "no column"),
    # UTF-16 (read as Windows-1252, it is full of NULs); bytes neither UTF-8 nor Windows-1252.
    (b"\xff\xfe\x00U\x00P\x00N", "binary"),
    (b"UPN,From\x81\x8d\n", "not a CSV file saved as text"),
    (b"UPN,From,To\x00,\n", "binary"),
    (b"x" * (5 * 1024 * 1024 + 1), "larger than"),
]


def test_hostile_files_are_refused(personas: Any) -> None:
    for content, message in HOSTILE:
        upload = mis_preview(
            actor=personas.virtual_school_staff,
            layout="attendance",
            file_name="x.csv",
            content=content,
        )
        assert upload.status == MisImportStatus.REFUSED
        assert message in upload.errors[0]["messages"][0], message


def test_a_windows_1252_file_is_read_like_a_utf_8_one(personas: Any, setting: Any) -> None:
    """Excel's "CSV (Comma delimited)" and older MIS exports write Windows-1252: the same rows,
    with a pupil's name (a column the layout does not use) in it, import as from UTF-8, with or
    without a byte-order mark."""
    zara = with_upn(setting.child, upn(7))
    text = (
        "UPN,Pupil,From,To,Sessions possible,Sessions present,Authorised absence,"
        "Unauthorised absence\n"
        f"{upn(7)},Zoë Brontë \u2013 \u201cZee\u201d,2025-09-03,2025-12-19,140,126,10,4\n"
    )
    assert "ë".encode("cp1252") == b"\xeb"  # not UTF-8: b"\xc3\xab"
    for encoding in ("cp1252", "utf-8", "utf-8-sig"):
        upload = mis_preview(
            actor=personas.virtual_school_staff,
            layout="attendance",
            file_name="pupils.csv",
            content=text.encode(encoding),
        )
        assert (upload.status, upload.errors, upload.unmatched) == ("previewed", [], []), encoding
        assert [(r["child"], r["possible"], r["present"]) for r in upload.rows] == [
            (zara.pk, 140, 126)
        ]
    assert mis_import(actor=personas.virtual_school_staff, upload=upload) == 1
    record = TermAttendance.objects.get(child=zara)
    assert (record.academic_year, record.term, record.sessions_present) == (2025, "autumn", 126)


def test_only_the_virtual_school_imports(personas: Any) -> None:
    for outsider in (personas.designated_teacher, personas.social_worker, personas.carer):
        with pytest.raises(PermissionDenied):
            mis_preview(
                actor=outsider,
                layout="attendance",
                file_name="x.csv",
                content=csv_of(ATTENDANCE_HEADER),
            )


def test_a_5000_row_file_imports_whole(
    personas: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """417 children, 12 terms each (four school years): 5,004 rows, generated here. The alerts
    are told in one batch after the import commits: to each child's adviser (Vic, allocated to
    the even-numbered children; the virtual school's staff, Vic alone, for the others) and
    social worker (Alice, allocated to the even-numbered children)."""
    authority = personas.authority
    children = Child.objects.bulk_create(
        Child(
            authority=authority,
            legal_first_name="Pupil",
            legal_last_name=f"Number{n}",
            date_of_birth=dt.date(2012, 1, 1),
            gender="not_known",
            upn=upn(n),
            social_worker=personas.social_worker if n % 2 == 0 else None,
            virtual_school_adviser=personas.virtual_school_staff if n % 2 == 0 else None,
        )
        for n in range(417)
    )
    terms = [
        (year, first, last)
        for year in (2022, 2023, 2024, 2025)
        for first, last in (
            (f"{year}-09-03", f"{year}-12-19"),
            (f"{year + 1}-01-05", f"{year + 1}-03-27"),
            (f"{year + 1}-04-13", f"{year + 1}-07-22"),
        )
    ]
    lines = [ATTENDANCE_HEADER]
    expected_present = 0
    under_the_line = 0
    told = {"Vic School": 0, "Alice Social": 0}
    for n, child in enumerate(children):
        for t, (_, first, last) in enumerate(terms):
            # 144 to 160 of 160 (90 % to 100 %), but one row in 1,000 under the line.
            present = 144 + (n + t) % 17 if (n * 12 + t) % 1000 else 100
            expected_present += present
            under = present * 100 < 90 * 160
            under_the_line += under
            told["Vic School"] += under
            told["Alice Social"] += under and n % 2 == 0
            lines.append(f"{child.upn},{first},{last},160,{present},{160 - present},0")
    file = tmp_path / "big.csv"
    file.write_bytes(csv_of(*lines))
    # Rows 0, 1000, …, 5000 (n * 12 + t): six under the line, four of even-numbered children.
    assert (under_the_line, told) == (6, {"Vic School": 6, "Alice Social": 4})
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command(
            "import_mis_file",
            str(file),
            layout="attendance",
            email=personas.virtual_school_staff.email,
        )
    took = time.monotonic() - started
    assert TermAttendance.objects.count() == 417 * 12 == 5004
    assert sum(TermAttendance.objects.values_list("sessions_present", flat=True)) == (
        expected_present
    )
    assert OutcomeAlert.objects.count() == under_the_line
    assert took < 60, took
    # Nobody is told inside the import: one task is queued for after the commit.
    assert not Notification.objects.exists()
    queued = OutboxTask.objects.filter(task_name=tell_outcome_alerts.name)
    assert queued.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert Counter(
        Notification.objects.filter(kind=Kind.ABSENCE_UNDER_LINE).values_list(
            "recipient__full_name", flat=True
        )
    ) == Counter(told)

    # The same file again: the same events, so nobody is told again and nothing is queued.
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_mis_file",
            str(file),
            layout="attendance",
            email=personas.virtual_school_staff.email,
        )
    assert OutcomeAlert.objects.count() == under_the_line
    assert Notification.objects.count() == sum(told.values())
    assert queued.count() == 1


def test_the_command_refuses_a_bad_file_and_saves_nothing(
    personas: Any, setting: Any, tmp_path: Path
) -> None:
    with_upn(setting.child, upn(1))
    file = tmp_path / "bad.csv"
    file.write_bytes(csv_of(ATTENDANCE_HEADER, f"{upn(1)},2025-09-03,2025-12-19,10,11,0,0"))
    with pytest.raises(CommandError, match="Refused"):
        call_command(
            "import_mis_file",
            str(file),
            layout="attendance",
            email=personas.virtual_school_staff.email,
        )
    with pytest.raises(CommandError, match="may not import"):
        call_command(
            "import_mis_file", str(file), layout="attendance", email=personas.social_worker.email
        )
    assert not TermAttendance.objects.exists()


def test_the_nightly_retention_job_removes_old_files_rows(
    client: Any, personas: Any, setting: Any, settings: Any
) -> None:
    """Kept MIS_IMPORT_ROWS_KEEP_DAYS (here 30) after the upload: then the rows and unmatched
    rows go, each error loses its UPN but keeps its row and messages, the counts stay, and an
    upload not yet imported can no longer be."""
    settings.MIS_IMPORT_ROWS_KEEP_DAYS = 30
    zara = with_upn(setting.child, upn(1))
    vic = personas.virtual_school_staff
    good = csv_of(
        ATTENDANCE_HEADER,
        f"{upn(1)},2025-09-03,2025-12-19,100,95,5,0",
        f"{upn(2)},2025-09-03,2025-12-19,100,95,5,0",  # no child has it
    )
    bad = csv_of(ATTENDANCE_HEADER, f"{upn(1)},2025-09-03,2025-12-19,10,11,0,0")
    imported = mis_preview(actor=vic, layout="attendance", file_name="a.csv", content=good)
    mis_import(actor=vic, upload=imported)
    waiting = mis_preview(actor=vic, layout="attendance", file_name="b.csv", content=good)
    refused = mis_preview(actor=vic, layout="attendance", file_name="c.csv", content=bad)
    recent = mis_preview(actor=vic, layout="attendance", file_name="d.csv", content=good)
    today = dt.date(2026, 12, 7)
    midnight = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    old = midnight - dt.timedelta(days=30, seconds=1)
    for upload in (imported, waiting, refused):
        type(upload).objects.filter(pk=upload.pk).update(uploaded_at=old)
    type(recent).objects.filter(pk=recent.pk).update(uploaded_at=old + dt.timedelta(seconds=2))

    report = apply_retention(today=today)
    assert report.data_files_cleared == 3
    for upload in (imported, waiting, refused, recent):
        upload.refresh_from_db()
    for upload in (imported, waiting):
        assert (upload.rows, upload.unmatched, upload.errors) == ([], [], [])
        assert (upload.row_count, upload.unmatched_count) == (1, 1)
        assert upload.rows_removed_at == midnight
    [error] = refused.errors
    assert error["row"] == 2 and "upn" not in error
    assert "more than the sessions possible" in error["messages"][0]
    # Uploaded less than 30 days before: kept whole.
    assert recent.rows_removed_at is None
    assert [r["upn"] for r in recent.rows] == [upn(1)]
    assert recent.unmatched == [{"row": 3, "upn": upn(2)}]
    # What was imported stays in the child's record.
    assert TermAttendance.objects.get(child=zara).sessions_present == 95
    # Not imported in time: it cannot be now.
    with pytest.raises(Exception, match="upload it again"):
        mis_import(actor=vic, upload=waiting)
    client.force_login(vic)
    page = client.get(reverse("mis_preview", args=[waiting.pk])).content.decode()
    assert "Removed on 7 December 2026, 30 days after the upload" in page
    assert "Import 1 records" not in page
    # Run again: nothing more to clear.
    assert apply_retention(today=today).data_files_cleared == 0
    # A dry run clears nothing, even of an old file.
    type(recent).objects.filter(pk=recent.pk).update(uploaded_at=old)
    assert apply_retention(today=today, dry_run=True).data_files_cleared == 0
    recent.refresh_from_db()
    assert recent.rows_removed_at is None


def test_the_every_key_stage_example_is_a_valid_file() -> None:
    """docs/examples/mis-attainment-every-key-stage.csv (README's layout, one pupil per key
    stage): 23 rows, making 14 subject records, none wrong, every one passing its scale."""
    from outcomes import mis
    from outcomes.services import check_values

    content = (EXAMPLES / "mis-attainment-every-key-stage.csv").read_bytes()
    reading = mis.read("attainment", content)
    assert reading.errors == []
    assert len(content.decode().strip().splitlines()) == 24  # with the header
    assert sorted({(r["key_stage"], r["upn"][0]) for r in reading.rows}) == [
        ("eyfs", "M"),
        ("ks1", "B"),
        ("ks2", "Q"),
        ("ks3", "E"),
        ("ks4", "U"),
        ("post16", "H"),
    ]
    assert len(reading.rows) == 14
    for row in reading.rows:
        assert check_values(row["key_stage"], row["subject"], row["values"])[1] == {}, row
