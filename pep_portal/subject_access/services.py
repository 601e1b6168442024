"""A subject access export: started by a virtual school administrator of the child's authority,
built by the Celery worker (as the bulk PDF ZIPs are), downloaded once ready, and audited at
each step (asked for, downloaded).

The ZIP holds
- `records/<kind>.json`: every record of each kind about the child (Django's JSON serialisation,
  all fields), with `history`: every earlier version kept by django-simple-history;
- `peps/<file>.pdf`: each PEP as a PDF (the kept signed-off copy where there is one);
- `attachments/<pep id>/<attachment id>-<name>`: every attached document, byte for byte;
- `audit.json`: every audit event about the child: who opened, downloaded or changed what, when;
- `manifest.json`: what is in the ZIP, kind by kind, with counts.
"""

import dataclasses
import datetime as dt
import json
import re
import secrets
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core import serializers
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from children.models import CareEpisode, Child, Delegation, Enrolment, Placement
from documents.services import _write_atomically, pep_pdf_for
from meetings.models import Attendee, Meeting, MeetingAction, MeetingTask, Target, TargetReview
from pep_portal.accounts.models import User
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction, AuditEvent
from pep_portal.outbox.services import enqueue_after_commit
from peps.models import Attachment, Pep, PepEvent, PepSection, private_storage
from pupil_premium.models import PpRequest
from quality_assurance.models import QaReview

DIRECTORY = "subject-access"
KEEP = dt.timedelta(hours=24)
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class SubjectAccessJob:
    id: str
    user_id: int
    child_id: int
    created_at: str
    state: str = "queued"  # queued → running → done, or failed
    finished_at: str | None = None
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


def _dir(job_id: str) -> Path:
    if not _JOB_ID.match(job_id):
        raise Http404("No such export.")
    return Path(private_storage().path(f"{DIRECTORY}/{job_id}"))


def zip_path(job: SubjectAccessJob) -> Path:
    return _dir(job.id) / "subject-access.zip"


def _save(job: SubjectAccessJob) -> None:
    data = json.dumps(dataclasses.asdict(job), indent=1).encode()
    _write_atomically(_dir(job.id) / "job.json", data)


def _load(job_id: str) -> SubjectAccessJob:
    try:
        return SubjectAccessJob(**json.loads((_dir(job_id) / "job.json").read_bytes()))
    except FileNotFoundError:
        raise Http404("No such export.") from None


def subject_access_start(
    *, actor: User, child: Child, request: HttpRequest | None = None
) -> SubjectAccessJob:
    """Queue a subject access export of `child` for `actor`, a virtual school administrator of
    the child's authority (the same rule as the child's audit trail)."""
    if not user_can(actor, Action.VIEW_CHILD_AUDIT, child):
        raise PermissionDenied
    job = SubjectAccessJob(
        id=secrets.token_hex(16),
        user_id=actor.pk,
        child_id=child.pk,
        created_at=timezone.now().isoformat(),
    )
    _save(job)
    audit.record(
        actor, AuditAction.SUBJECT_ACCESS_REQUESTED, child, request=request, detail={"job": job.id}
    )
    from .tasks import subject_access_zip_task  # tasks.py imports this module

    enqueue_after_commit(subject_access_zip_task, job.id)
    return job


def subject_access_job_for_user(*, user: User, job_id: str) -> SubjectAccessJob:
    """The export, for the person who asked for it while they still may; 404 for anyone else."""
    job = _load(job_id)
    child = Child.objects.filter(pk=job.child_id).first()
    if (
        job.user_id != user.pk
        or child is None
        or not user_can(user, Action.VIEW_CHILD_AUDIT, child)
    ):
        raise Http404("No such export.")
    if timezone.now() - dt.datetime.fromisoformat(job.created_at) > KEEP:
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


def subject_access_zip(*, job_id: str) -> SubjectAccessJob:
    """Build the export's ZIP (run by the worker). A failure marks the job failed and leaves no
    half-written ZIP behind."""
    job = _load(job_id)
    job.state = "running"
    _save(job)
    target = zip_path(job)
    partial = target.with_suffix(".zip.part")
    try:
        child = Child.objects.get(pk=job.child_id)
        manifest: dict[str, int] = {}
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
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
            peps = list(Pep.objects.filter(child=child).select_related("child", "child__authority"))
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
                _json(
                    {"child": child.pk, "made_at": timezone.now().isoformat(), "counts": manifest}
                ),
            )
        partial.replace(target)
    except BaseException as error:
        partial.unlink(missing_ok=True)
        job.state, job.error = "failed", type(error).__name__
        job.finished_at = timezone.now().isoformat()
        _save(job)
        raise
    job.state = "done"
    job.finished_at = timezone.now().isoformat()
    _save(job)
    return job
