"""PEP PDFs: one PEP's PDF (kept for good once signed off), and ZIPs of many for the virtual
school, made by a Celery task (documents/tasks.py) that reports its progress.

Files live in private storage (peps.models.private_storage, outside the web root):

- `pdf/pep-<id>-signed-off.pdf`: a signed-off PEP's PDF, rendered once from its snapshot and
  then served as it is, so it never changes. When something that belongs in it is decided
  later (a Pupil Premium Plus decision), a NEW version is made, `pdf/pep-<id>-signed-off-v2.pdf`
  and so on, and the old one is kept. Each version is a KeptPdf row (documents/models.py),
  written through Django's storage API; the newest is served. A version-1 file kept before the
  rows existed is adopted as version 1.
- `pdf/bulk/<job id>/job.json` and `peps.zip`: a bulk job, its progress and its ZIP. The JSON
  file is the progress record: the web process and a Celery worker share it through the file
  system, where they already share attachments, so it needs neither a result backend nor a
  shared cache. Jobs are deleted a day after they were started.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone

from children.models import Enrolment, School
from meetings.models import Meeting, MeetingStatus, Target
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import Action, scope_queryset, user_can
from pep_portal.outbox.services import enqueue_after_commit
from peps.models import Pep, PepStatus, Term, private_storage
from pupil_premium.models import PpRequest
from quality_assurance.models import QaDecision, QaReview
from quality_assurance.services import framework_for

from . import pdf
from .models import KeptPdf

logger = logging.getLogger(__name__)

BULK_DIR = "pdf/bulk"
BULK_KEEP = dt.timedelta(hours=24)
# A queued or running job silent for this long has died (a single render is limited to
# pdf.RENDER_TIME_LIMIT; a queued job should be picked up in well under this).
BULK_STALLED = dt.timedelta(minutes=15)
# At most this many PEPs in one ZIP: a school's term is tens; this stops a runaway job.
BULK_MAX_PEPS = 2000
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class PepPdf:
    filename: str
    content: bytes


def _path(name: str) -> Path:
    return Path(private_storage().path(name))


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: a reader never sees half a file,
    and two writers at once leave one whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def signed_off_pdf_name(pep: Pep) -> str:
    return f"pdf/pep-{pep.pk}-signed-off.pdf"


def _extra_for(pep: Pep) -> dict[str, Any]:
    """The meeting, attendees, targets and quality assurance for the document. A signed-off
    PEP's PDF is made once, on sign-off (pep_pdf_keep_task), when these are final."""
    meeting = (
        Meeting.objects.filter(pep=pep)
        .exclude(status=MeetingStatus.CANCELLED)
        .prefetch_related("actions", "attendees")
        .order_by("-starts_at")
        .first()
    )
    extra: dict[str, Any] = {}
    if meeting is not None:
        extra["meeting"] = meeting
        extra["attendees"] = list(meeting.attendees.all())
        # Targets set at this PEP, and earlier ones reviewed at its meeting.
        extra["targets"] = list(
            Target.objects.filter(Q(pep=pep) | Q(reviews__meeting=meeting))
            .distinct()
            .prefetch_related("reviews")
            .order_by("created_at", "pk")
        )
    review = (
        QaReview.objects.filter(pep=pep)
        .exclude(decision=QaDecision.MODERATION)
        .select_related("reviewer")
        .order_by("-created_at")
        .first()
    )
    requests = list(PpRequest.objects.filter(pep=pep).order_by("requested_at", "pk"))
    if review is not None or requests:
        framework = framework_for(pep.child.authority)
        decided = [r for r in requests if r.status != "requested"]
        extra["qa"] = {
            "rating": framework.label(review.overall) if review else "",
            "comments": "\n".join(
                text
                for text in (review.feedback_to_teacher, review.feedback_to_social_worker)
                if text
            )
            if review
            else "",
            "reviewed_by": review.reviewer.full_name if review else "",
            "reviewed_on": review.created_at.date() if review else None,
            "pp_decision": "; ".join(r.get_status_display() for r in decided),
            "pp_amount_approved": sum((r.approved_amount or 0) for r in decided) or None,
            "pp_decision_notes": "; ".join(r.decision_reason for r in decided if r.decision_reason),
        }
    return extra


def _kept_name(pep: Pep, version: int) -> str:
    return (
        signed_off_pdf_name(pep) if version == 1 else f"pdf/pep-{pep.pk}-signed-off-v{version}.pdf"
    )


def _render_signed_off(pep: Pep) -> bytes:
    document = pdf.pep_document(pep, extra=_extra_for(pep))
    return pdf.html_to_pdf(pdf.render_html(document))


def _keep(pep: Pep, version: int, reason: str, content: bytes, cause: str = "") -> KeptPdf:
    kept = KeptPdf(pep=pep, version=version, reason=reason, cause=cause)
    # The storage gives another name if this one is taken (a half-finished earlier attempt),
    # and the row records the name actually written.
    kept.file.save(_kept_name(pep, version), ContentFile(content), save=False)
    kept.save()
    return kept


@transaction.atomic
def _first_version(pep: Pep) -> KeptPdf:
    """Version 1: adopted from a file kept before versions were recorded, else rendered now.
    The PEP row is locked, so two first downloads make one version."""
    Pep.objects.select_for_update().filter(pk=pep.pk).first()
    kept = pep.kept_pdfs.order_by("-version").first()
    if kept is not None:
        return kept
    storage = private_storage()
    legacy = signed_off_pdf_name(pep)
    if storage.exists(legacy):
        kept = KeptPdf(pep=pep, version=1, reason="Signed off")
        kept.file.name = legacy
        kept.save()
        return kept
    kept = _keep(pep, 1, "Signed off", _render_signed_off(pep))
    logger.info("Kept the signed-off PDF of PEP %s", pep.pk)
    return kept


def kept_pdfs_of(pep: Pep) -> list[KeptPdf]:
    """Every kept version of a signed-off PEP's PDF, oldest first."""
    return list(pep.kept_pdfs.order_by("version"))


def pep_pdf_for(pep: Pep) -> PepPdf:
    """The PEP as a PDF. A signed-off PEP is rendered once, from what was signed off, and the
    file kept: every later download is those same bytes, until something that belongs in it
    is decided later, which makes a new version (pep_pdf_new_version). Any other PEP is
    rendered as it stands, each time. Raises pdf.RenderTimeout when a render takes too long."""
    filename = pdf.pep_filename(pep)
    if pep.status == PepStatus.SIGNED_OFF and pep.signed_off_snapshot:
        kept = pep.kept_pdfs.order_by("-version").first() or _first_version(pep)
        if not kept.file.storage.exists(kept.file.name):
            # Lost (a restore without the files): made again from the snapshot, which renders
            # to the same bytes, under the name it had.
            kept.file.save(kept.file.name, ContentFile(_render_signed_off(pep)), save=True)
            logger.warning("Made the lost kept PDF of PEP %s again", pep.pk)
        with kept.file.open("rb") as handle:
            return PepPdf(filename, handle.read())
    document = pdf.pep_document(pep, extra=_extra_for(pep))
    return PepPdf(filename, pdf.html_to_pdf(pdf.render_html(document)))


def pep_pdf_keep(*, pep_id: int) -> None:
    """Render and keep a signed-off PEP's PDF now (for a task run on sign-off), so the first
    download does not wait for it and the document is made from the day's data."""
    pep = Pep.objects.select_related("child", "child__authority", "signed_off_by").get(pk=pep_id)
    if pep.status == PepStatus.SIGNED_OFF:
        pep_pdf_for(pep)


@transaction.atomic
def pep_pdf_new_version(*, pep_id: int, reason: str, cause: str = "") -> KeptPdf | None:
    """Something that belongs in a signed-off PEP's document was decided after sign-off (a
    Pupil Premium Plus decision): render it again as a NEW version, keeping the old one, so the
    PDF served from now on shows it. Nothing for a PEP not signed off (its PDF is rendered
    live). Run by a task queued through the outbox when the decision commits."""
    pep = (
        Pep.objects.select_for_update(of=("self",))
        .select_related("child", "child__authority", "signed_off_by")
        .get(pk=pep_id)
    )
    if pep.status != PepStatus.SIGNED_OFF or not pep.signed_off_snapshot:
        return None
    if cause and pep.kept_pdfs.filter(cause=cause).exists():
        return None  # made already: this is the same work delivered again
    latest = pep.kept_pdfs.order_by("-version").first()
    if latest is None:
        # Not kept yet: the first version is made now and already shows the decision.
        return _first_version(pep)
    kept = _keep(pep, latest.version + 1, reason, _render_signed_off(pep), cause)
    logger.info("Kept version %s of the signed-off PDF of PEP %s", kept.version, pep.pk)
    return kept


# --- Bulk ZIPs ------------------------------------------------------------------------------


@dataclass
class BulkJob:
    """One bulk job and its progress, as kept in `job.json`."""

    id: str
    user_id: int
    authority_id: int
    pep_ids: list[int]
    description: str
    zip_filename: str
    created_at: str
    state: str = "queued"  # queued → running → done, or failed
    done: int = 0
    failed: list[int] = field(default_factory=list)
    finished_at: str | None = None
    zip_bytes: int | None = None
    error: str = ""
    updated_at: str = ""

    @property
    def total(self) -> int:
        return len(self.pep_ids)

    @property
    def added(self) -> int:
        return self.done - len(self.failed)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def stalled(self) -> bool:
        """Not finished, and no word for longer than any PEP takes: its worker was killed
        (Celery's hard time limit, a restart) before it could say so."""
        if self.finished or not self.updated_at:
            return False
        return timezone.now() - dt.datetime.fromisoformat(self.updated_at) > BULK_STALLED

    @property
    def expires_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.created_at) + BULK_KEEP

    def as_progress(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "failed": len(self.failed),
            "percent": self.percent,
        }


def _job_dir(job_id: str) -> Path:
    if not _JOB_ID.match(job_id):
        raise Http404("No such job.")
    return _path(f"{BULK_DIR}/{job_id}")


def bulk_zip_path(job: BulkJob) -> Path:
    return _job_dir(job.id) / "peps.zip"


def _save(job: BulkJob) -> None:
    job.updated_at = timezone.now().isoformat()
    data = json.dumps(dataclasses.asdict(job), indent=1).encode()
    _write_atomically(_job_dir(job.id) / "job.json", data)


def _load(job_id: str) -> BulkJob:
    try:
        data = json.loads((_job_dir(job_id) / "job.json").read_bytes())
    except FileNotFoundError:
        raise Http404("No such job.") from None
    return BulkJob(**data)


def bulk_job_get_for_user(*, user: User, job_id: str) -> BulkJob:
    """A bulk job, for virtual school staff of the authority whose PEPs it holds; 404 for
    anyone else, as for any record they may not see."""
    job = _load(job_id)
    if not user_can(user, Action.DOWNLOAD_PEP_BUNDLE, LocalAuthority(pk=job.authority_id)):
        raise Http404("No such job.")
    return job


def pep_children(pep_ids: list[int]) -> list[tuple[int, int]]:
    """(PEP id, child id) of each PEP, for the audit of a bulk download."""
    return list(Pep.objects.filter(pk__in=pep_ids).order_by("pk").values_list("pk", "child_id"))


def signed_off_peps_for_school(
    *, user: User, school: School, academic_year: int, term: str
) -> QuerySet[Pep]:
    """The signed-off PEPs of a term whose child was on the school's roll on the PEP's date
    (its meeting, else its sign-off), among the PEPs `user` may see."""
    on = Coalesce("meeting_on", TruncDate("signed_off_at"))
    on_roll = Enrolment.objects.filter(
        child=OuterRef("child_id"), school=school, started_on__lte=OuterRef("on")
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef("on")))
    peps = Pep.objects.filter(
        status=PepStatus.SIGNED_OFF, academic_year=academic_year, term=term
    ).annotate(on=on)
    return (
        scope_queryset(user, Action.VIEW_PEP, peps)
        .filter(Exists(on_roll))
        .order_by("child__legal_last_name", "child__legal_first_name", "pk")
    )


def _prune_old_jobs(now: dt.datetime) -> None:
    """ZIPs of PEPs are not left lying about: each is deleted a day after it was made."""
    root = _path(BULK_DIR)
    if not root.is_dir():
        return
    for folder in root.iterdir():
        try:
            job = _load(folder.name)
        except (Http404, ValueError, TypeError):
            started = dt.datetime.fromtimestamp(folder.stat().st_mtime, tz=dt.UTC)
            if now - started > BULK_KEEP:
                shutil.rmtree(folder, ignore_errors=True)
            continue
        if now > job.expires_at:
            shutil.rmtree(folder, ignore_errors=True)


@transaction.atomic
def bulk_job_start(
    *,
    actor: User,
    school_urn: int | None = None,
    academic_year: int | None = None,
    term: str | None = None,
    pep_ids: list[int] | None = None,
) -> BulkJob:
    """Start a ZIP of PEP PDFs: every signed-off PEP of a term for a school, or the given
    PEPs (signed off, and visible to `actor`). Only virtual school staff may; the ZIP holds
    only their authority's PEPs. The task starts once this transaction commits."""
    from .tasks import pep_pdfs_zip_task  # tasks.py imports this module

    if not user_can(actor, Action.OPEN_PEP_BUNDLES):
        raise PermissionDenied
    now = timezone.now()
    _prune_old_jobs(now)
    if pep_ids is None:
        school = School.objects.filter(urn=school_urn).first()
        if school is None:
            raise ValidationError({"school_urn": "There is no school with that URN"})
        if academic_year is None or term not in Term.values:
            raise ValidationError("Choose the school year and the term")
        peps = signed_off_peps_for_school(
            user=actor, school=school, academic_year=academic_year, term=term
        )
        year = f"{academic_year}-{(academic_year + 1) % 100:02d}"
        description = f"{school.name} (URN {school.urn}), {Term(term).label} {year}"
        zip_filename = f"PEPs_URN{school.urn}_{year}_{Term(term).label.replace(' ', '-')}.zip"
    else:
        peps = scope_queryset(
            actor, Action.VIEW_PEP, Pep.objects.filter(pk__in=pep_ids, status=PepStatus.SIGNED_OFF)
        ).order_by("pk")
        description = "Chosen PEPs"
        zip_filename = f"PEPs_{now:%Y-%m-%d}.zip"
    ids = list(peps.values_list("pk", flat=True)[: BULK_MAX_PEPS + 1])
    if not ids:
        raise ValidationError("There are no signed-off PEPs for that school and term")
    if len(ids) > BULK_MAX_PEPS:
        raise ValidationError(f"That is more than {BULK_MAX_PEPS} PEPs: choose fewer")
    job = BulkJob(
        id=secrets.token_hex(16),
        user_id=actor.pk,
        authority_id=actor.authority_id,
        pep_ids=ids,
        description=description,
        zip_filename=zip_filename,
        created_at=now.isoformat(),
    )
    _save(job)
    # Through the outbox: with Redis down the job waits ("queued") and starts once it is back.
    enqueue_after_commit(pep_pdfs_zip_task, job.id)
    return job


def _unique(name: str, taken: set[str]) -> str:
    """Two children can share initials and a meeting date: AB_…_PEP.pdf, AB_…_PEP_2.pdf."""
    stem, suffix = name.rsplit(".", 1)
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}_{n}.{suffix}"
    taken.add(candidate)
    return candidate


def pep_pdfs_zip(*, job_id: str) -> BulkJob:
    """Render the job's PEPs into one ZIP, saving progress after each. A PEP that fails (too
    long to render, say) is listed as failed and the rest carry on. The PEPs are scoped again
    to the user who started the job, so access lost since then is respected."""
    job = _load(job_id)
    job.state, job.done, job.failed = "running", 0, []
    _save(job)
    user = User.objects.filter(pk=job.user_id, is_active=True).first()
    peps = (
        scope_queryset(user, Action.VIEW_PEP, Pep.objects.filter(pk__in=job.pep_ids))
        if user is not None and user_can(user, Action.OPEN_PEP_BUNDLES)
        else Pep.objects.none()
    )
    by_id = {p.pk: p for p in peps.select_related("child", "child__authority", "signed_off_by")}
    target = bulk_zip_path(job)
    partial = target.with_suffix(".zip.part")
    taken: set[str] = set()
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            for pep_id in job.pep_ids:
                pep = by_id.get(pep_id)
                try:
                    if pep is None or pep.status != PepStatus.SIGNED_OFF:
                        raise LookupError("no longer visible or not signed off")
                    document = pep_pdf_for(pep)
                except SoftTimeLimitExceeded:
                    raise
                except Exception:
                    logger.exception("PEP %s could not be added to bulk job %s", pep_id, job.id)
                    job.failed.append(pep_id)
                else:
                    # PDFs are compressed already: stored, not deflated, is as small and faster.
                    info = zipfile.ZipInfo(
                        _unique(document.filename, taken), date_time=_zip_time(pep)
                    )
                    archive.writestr(info, document.content)
                job.done += 1
                _save(job)
        os.replace(partial, target)
    except BaseException as error:
        partial.unlink(missing_ok=True)
        job.state, job.error = "failed", type(error).__name__
        job.finished_at = timezone.now().isoformat()
        _save(job)
        raise
    job.state = "done"
    job.finished_at = timezone.now().isoformat()
    job.zip_bytes = target.stat().st_size
    _save(job)
    return job


def _zip_time(pep: Pep) -> tuple[int, int, int, int, int, int]:
    when = timezone.localtime(pep.signed_off_at) if pep.signed_off_at else timezone.localtime()
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)
