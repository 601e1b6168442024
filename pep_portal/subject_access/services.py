"""A subject access export: started by a virtual school administrator of the child's authority,
built by the Celery worker as a file job (pep_portal/filejobs, as the bulk PDF ZIPs are),
downloaded once ready, and audited at each step (asked for, downloaded).

The ZIP holds
- `records/<kind>.json`: every record of each kind about the child (Django's JSON serialisation,
  all fields), with `history`: every earlier version kept by django-simple-history; the
  education outcomes among them (attendance, exclusions, part-time timetables, times without a
  setting, attainment, the alerts sent);
- `records/school_data_files.json`: the child's rows in schools' data files still kept;
- `peps/<file>.pdf`: each PEP as a PDF (the kept signed-off copy where there is one);
- `attachments/<pep id>/<attachment id>-<name>`: every attached document, byte for byte;
- `audit.json`: every audit event about the child: who opened, downloaded or changed what, when;
- `manifest.json`: what is in the ZIP, kind by kind, with counts.
"""

import datetime as dt
import json
import re
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from children.models import CareEpisode, Child, Delegation, Enrolment, Placement
from documents.services import pep_pdf_for
from meetings.models import Attendee, Meeting, MeetingAction, MeetingTask, Target, TargetReview
from outcomes.models import (
    AttainmentRecord,
    ExclusionEvent,
    MisImport,
    MissingEducationSpell,
    OutcomeAlert,
    PartTimeTimetable,
    TermAttendance,
)
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction, AuditEvent
from pep_portal.filejobs import services as filejobs
from pep_portal.filejobs.models import FileJob, FileJobKind
from peps.models import Attachment, Pep, PepEvent, PepSection, PepSnapshot
from pupil_premium.models import PpRequest
from quality_assurance.models import QaReview

KEEP = dt.timedelta(hours=24)
# Kept for callers that name it: an export is a file job.
SubjectAccessJob = FileJob


def subject_access_start(
    *, actor: User, child: Child, request: HttpRequest | None = None
) -> FileJob:
    """Queue a subject access export of `child` for `actor`, a virtual school administrator of
    the child's authority (the same rule as the child's audit trail)."""
    if not user_can(actor, Action.VIEW_CHILD_AUDIT, child):
        raise PermissionDenied
    with transaction.atomic():
        job = filejobs.job_start(
            kind=FileJobKind.SUBJECT_ACCESS,
            requested_by=actor,
            authority_id=child.authority_id,
            total=1,
            description=f"Subject access export, child {child.pk}",
            download_name=f"subject-access-child-{child.pk}.zip",
            params={"child_id": child.pk},
        )
        audit.record(
            actor,
            AuditAction.SUBJECT_ACCESS_REQUESTED,
            child,
            request=request,
            detail={"job": job.pk.hex},
        )
    return job


def subject_access_job_for_user(*, user: User, job_id: str) -> FileJob:
    """The export, for the person who asked for it while they still may; 404 for anyone else."""
    try:
        job = FileJob.objects.get(pk=job_id, kind=FileJobKind.SUBJECT_ACCESS)
    except (FileJob.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such export.") from None
    child = Child.objects.filter(pk=job.params.get("child_id")).first()
    if (
        job.requested_by_id != user.pk
        or child is None
        or not user_can(user, Action.VIEW_CHILD_AUDIT, child)
    ):
        raise Http404("No such export.")
    if timezone.now() - job.created_at > KEEP:
        raise Http404("No such export.")
    return job


def record_sets(child: Child) -> Iterator[tuple[str, QuerySet[Any]]]:
    """Every kind of record about the child, as (kind, queryset). Add a kind here when an app
    gains a model about a child (tests/security/test_subject_access.py lists them by hand)."""
    peps = Pep.objects.filter(child=child)
    meetings = Meeting.objects.filter(pep__child=child)
    yield "child", Child.objects.filter(pk=child.pk)
    yield "care_episodes", CareEpisode.objects.filter(child=child)
    yield "placements", Placement.objects.filter(child=child)
    yield "school_places", Enrolment.objects.filter(child=child)
    yield "delegations", Delegation.objects.filter(child=child)
    yield "peps", peps
    yield "pep_snapshots", PepSnapshot.objects.filter(pep__in=peps)
    yield "pep_sections", PepSection.objects.filter(pep__in=peps)
    yield "pep_events", PepEvent.objects.filter(pep__in=peps)
    yield "attachments", Attachment.objects.filter(pep__in=peps)
    yield "meetings", meetings
    yield "meeting_attendees", Attendee.objects.filter(meeting__in=meetings)
    yield "meeting_actions", MeetingAction.objects.filter(meeting__in=meetings)
    yield "meeting_tasks", MeetingTask.objects.filter(child=child)
    yield "targets", Target.objects.filter(child=child)
    yield "target_reviews", TargetReview.objects.filter(meeting__in=meetings)
    yield "qa_reviews", QaReview.objects.filter(pep__in=peps)
    yield "pp_requests", PpRequest.objects.filter(child=child)
    # Education outcomes (outcomes/): attendance by term, suspensions and exclusions, part-time
    # timetables, times without a setting, attainment by term and subject, and the alerts sent.
    yield "attendance", TermAttendance.objects.filter(child=child)
    yield "exclusions", ExclusionEvent.objects.filter(child=child)
    yield "part_time_timetables", PartTimeTimetable.objects.filter(child=child)
    yield "times_without_a_setting", MissingEducationSpell.objects.filter(child=child)
    yield "attainment", AttainmentRecord.objects.filter(child=child)
    yield "education_alerts", OutcomeAlert.objects.filter(child=child)


def school_data_file_rows(child: Child) -> list[dict[str, Any]]:
    """The child's rows in schools' data files still kept (outcomes.MisImport; removed after
    settings.MIS_IMPORT_ROWS_KEEP_DAYS): the file's name, layout and date, and the rows that
    matched this child only, never another child's."""
    uploads = MisImport.objects.filter(rows__contains=[{"child": child.pk}]).order_by("pk")
    return [
        {
            "file": upload.file_name,
            "layout": upload.layout,
            "uploaded_at": upload.uploaded_at.isoformat(),
            "status": upload.status,
            "rows": [row for row in upload.rows if row.get("child") == child.pk],
        }
        for upload in uploads
    ]


def _history(model: type[Model], pks: list[Any]) -> list[Any]:
    history = getattr(model, "history", None)
    if history is None:
        return []
    return json.loads(
        serializers.serialize("json", history.filter(id__in=pks).order_by("history_id"))
    )


def _json(data: Any) -> bytes:
    return json.dumps(data, indent=1, ensure_ascii=False, default=str).encode()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:100] or "file"


def subject_access_zip(*, job_id: str) -> FileJob | None:
    """Run the export now (its task calls this)."""
    return filejobs.run(job_id)


def build_subject_access_zip(job: FileJob, out: IO[bytes], step: filejobs.Step) -> None:
    """Write the export's ZIP (run by the worker, as a file job: a failure marks the job
    failed and no file is kept)."""
    child = Child.objects.get(pk=job.params["child_id"])
    manifest: dict[str, int] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind, queryset in record_sets(child):
            rows = list(queryset.order_by("pk"))
            archive.writestr(
                f"records/{kind}.json",
                _json(
                    {
                        "records": json.loads(serializers.serialize("json", rows)),
                        "history": _history(queryset.model, [r.pk for r in rows]),
                    }
                ),
            )
            manifest[kind] = len(rows)
        files = school_data_file_rows(child)
        archive.writestr("records/school_data_files.json", _json(files))
        manifest["school_data_files"] = len(files)
        peps = list(
            Pep.objects.filter(child=child).select_related("child", "child__authority", "snapshot")
        )
        for pep in peps:
            document = pep_pdf_for(pep)
            archive.writestr(f"peps/{_safe(document.filename)}", document.content)
        manifest["pep_pdfs"] = len(peps)
        attachments = Attachment.objects.filter(pep__child=child).order_by("pk")
        for attachment in attachments:
            with attachment.file.open("rb") as stream:
                archive.writestr(
                    f"attachments/{attachment.pep_id}/{attachment.pk}-{_safe(attachment.name)}",
                    stream.read(),
                )
        manifest["attachment_files"] = len(attachments)
        events = AuditEvent.objects.filter(child_id=child.pk).order_by("occurred_at", "id")
        archive.writestr(
            "audit.json",
            _json(
                [
                    {
                        "when": e.occurred_at.isoformat(),
                        "what": e.get_action_display(),
                        "action": e.action,
                        "who": e.actor_label,
                        "item": e.target_type,
                        "item_reference": e.target_id,
                    }
                    for e in events
                ]
            ),
        )
        manifest["audit_events"] = len(events)
        archive.writestr(
            "manifest.json",
            _json({"child": child.pk, "made_at": timezone.now().isoformat(), "counts": manifest}),
        )
    step()
