"""PEP PDFs: one PEP's PDF (kept for good once signed off), and ZIPs of many for the virtual
school, both made on the worker ("documents" queue) as file jobs (pep_portal/filejobs), whose
progress the page shows.

Files live in private storage (pep_portal/files.py: a private folder or bucket), reached only
through Django's storage API:

- `pdf/pep-<id>-signed-off.pdf`: a signed-off PEP's PDF, rendered once from its snapshot and
  then served as it is, so it never changes. When something that belongs in it is decided
  later (a Pupil Premium Plus decision), a NEW version is made, `pdf/pep-<id>-signed-off-v2.pdf`
  and so on, and the old one is kept. Each version is a KeptPdf row (documents/models.py); the
  newest is served. A version-1 file kept before the rows existed is adopted as version 1.
- `jobs/<job id>/file.zip` or `file.pdf`: a file job's file (a ZIP of PEPs, one PEP's PDF),
  deleted with its job a day after it was started.
"""

from __future__ import annotations

import datetime as dt
import logging
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone

from children.models import Enrolment, School
from meetings.models import Meeting, MeetingStatus, Target
from outcomes.chart import attendance_chart
from outcomes.selectors import education_for_document
from pep_portal import files
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import Action, scope_queryset, user_can
from pep_portal.filejobs import services as filejobs
from pep_portal.filejobs.models import FileJob, FileJobKind, FileJobStatus
from pep_portal.security import services as security_services
from peps.models import Pep, PepStatus, Term
from pupil_premium.models import PpRequest
from quality_assurance.models import QaDecision, QaReview
from quality_assurance.services import framework_for

from . import pdf
from .models import KeptPdf

logger = logging.getLogger(__name__)

# At most this many PEPs in one ZIP: a school's term is tens; this stops a runaway job.
BULK_MAX_PEPS = 2000
# Kept for the pages and tests that name it: a job silent this long has lost its worker.
BulkJob = FileJob


@dataclass(frozen=True)
class PepPdf:
    filename: str
    content: bytes


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
    # The term's attendance, exclusions and attainment, with the attendance chart (outcomes/).
    education = education_for_document(pep)
    if education is not None:
        education["chart"] = attendance_chart(
            education["history"],
            education["lines"].persistent_below,
            education["lines"].severe_below,
        )
        extra["education"] = education
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
        # Withdrawn requests were never decided: they are not in the document.
        decided = [r for r in requests if r.status not in ("requested", "withdrawn")]
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
    # The file first, then the row (in the caller's transaction): a reader sees a version only
    # once its file is whole. The row records the name the storage wrote.
    kept.file.name = files.save_bytes(_kept_name(pep, version), content)
    kept.save()
    return kept


@transaction.atomic
def _first_version(pep: Pep) -> KeptPdf:
    """Version 1: adopted from a file kept before versions were recorded, else rendered now.
    The PEP row is locked, so two first downloads make one version."""
    return _first_version_and_content(pep)[0]


@transaction.atomic
def _first_version_and_content(pep: Pep) -> tuple[KeptPdf, bytes | None]:
    """`_first_version`, with the PDF's bytes when it was rendered now (None when it was kept
    already): a ZIP's first run renders each PEP and need not read back the file it wrote."""
    Pep.objects.select_for_update().filter(pk=pep.pk).first()
    kept = pep.kept_pdfs.order_by("-version").first()
    if kept is not None:
        return kept, None
    storage = files.private_storage()
    legacy = signed_off_pdf_name(pep)
    if storage.exists(legacy):
        kept = KeptPdf(pep=pep, version=1, reason="Signed off")
        kept.file.name = legacy
        kept.save()
        return kept, None
    content = _render_signed_off(pep)
    kept = _keep(pep, 1, "Signed off", content)
    logger.info("Kept the signed-off PDF of PEP %s", pep.pk)
    return kept, content


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
        kept = pep.kept_pdfs.order_by("-version").first()
        if kept is None:
            kept, content = _first_version_and_content(pep)
            if content is not None:
                return PepPdf(filename, content)  # rendered and kept just now
        if not files.private_storage().exists(kept.file.name):
            # Lost (a restore without the files): made again, under the name it had.
            files.save_bytes(kept.file.name, _render_signed_off(pep))
            logger.warning("Made the lost kept PDF of PEP %s again", pep.pk)
        return PepPdf(filename, files.read_bytes(kept.file.name))
    document = pdf.pep_document(pep, extra=_extra_for(pep))
    return PepPdf(filename, pdf.html_to_pdf(pdf.render_html(document)))


def kept_pdf(pep: Pep) -> PepPdf | None:
    """A signed-off PEP's kept PDF (its newest version), if it has been made: served at once,
    with no job."""
    if pep.status != PepStatus.SIGNED_OFF or not pep.signed_off_snapshot:
        return None
    kept = pep.kept_pdfs.order_by("-version").first()
    name = kept.file.name if kept is not None else signed_off_pdf_name(pep)
    if not files.private_storage().exists(name):
        return None
    return PepPdf(pdf.pep_filename(pep), files.read_bytes(name))


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


def _job_get(job_id: str) -> FileJob:
    try:
        return FileJob.objects.get(pk=job_id)
    except (FileJob.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such job.") from None


def bulk_job_get_for_user(*, user: User, job_id: str) -> FileJob:
    """A PDF job: a ZIP for virtual school staff of the authority whose PEPs it holds, one
    PEP's PDF for the person who asked while they may still read the PEP; 404 for anyone
    else, as for any record they may not see."""
    job = _job_get(job_id)
    if job.created_at < timezone.now() - dt.timedelta(hours=24):
        raise Http404("No such job.")
    if job.kind == FileJobKind.PEP_BUNDLE and job.authority_id is not None:
        if user_can(user, Action.DOWNLOAD_PEP_BUNDLE, LocalAuthority(pk=job.authority_id)):
            return job
    elif job.kind == FileJobKind.PEP_PDF and job.requested_by_id == user.pk:
        pep = Pep.objects.select_related("child").filter(pk=job.params.get("pep_id")).first()
        if pep is not None and user_can(user, Action.VIEW_PEP, pep):
            return job
    raise Http404("No such job.")


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


@transaction.atomic
def bulk_job_start(
    *,
    actor: User,
    school_urn: int | None = None,
    academic_year: int | None = None,
    term: str | None = None,
    pep_ids: list[int] | None = None,
) -> FileJob:
    """Start a ZIP of PEP PDFs: every signed-off PEP of a term for a school, or the given
    PEPs (signed off, and visible to `actor`). Only virtual school staff may; the ZIP holds
    only their authority's PEPs. The task starts once this transaction commits."""
    if not user_can(actor, Action.OPEN_PEP_BUNDLES):
        raise PermissionDenied
    now = timezone.now()
    filejobs.prune(now=now)
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
    job = filejobs.job_start(
        kind=FileJobKind.PEP_BUNDLE,
        requested_by=actor,
        authority_id=actor.authority_id,
        total=len(ids),
        description=description,
        download_name=zip_filename,
        params={"pep_ids": ids},
    )
    # Separation of duties: the authority's virtual school head sees every bulk export.
    security_services.bulk_export_record(
        actor=actor, what=f"ZIP of {len(ids)} PEP PDF{'s' if len(ids) != 1 else ''}: {description}"
    )
    return job


def pep_pdf_job_start(*, actor: User, pep: Pep) -> FileJob:
    """Render one PEP's PDF on the worker (a render takes a second or more, too long to hold a
    web process). The same person asking again for the same PEP while a job is still going
    gets that job, not a second one."""
    if not user_can(actor, Action.VIEW_PEP, pep):
        raise PermissionDenied
    fresh = timezone.now() - dt.timedelta(minutes=10)
    going = (
        FileJob.objects.filter(
            kind=FileJobKind.PEP_PDF,
            requested_by=actor,
            params__pep_id=pep.pk,
            status__in=[FileJobStatus.QUEUED, FileJobStatus.RUNNING],
            created_at__gte=fresh,
        )
        .order_by("-created_at")
        .first()
    )
    if going is not None and not going.stalled:
        return going
    with transaction.atomic():
        return filejobs.job_start(
            kind=FileJobKind.PEP_PDF,
            requested_by=actor,
            authority_id=pep.child.authority_id,
            total=1,
            description=f"PEP {pep.pk}",
            download_name=pdf.pep_filename(pep),
            params={"pep_id": pep.pk},
        )


def _unique(name: str, taken: set[str]) -> str:
    """Two children can share initials and a meeting date: AB_…_PEP.pdf, AB_…_PEP_2.pdf."""
    stem, suffix = name.rsplit(".", 1)
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}_{n}.{suffix}"
    taken.add(candidate)
    return candidate


def _bundle_peps(job: FileJob) -> dict[int, Pep]:
    """The job's PEPs, scoped again to the user who started it: access lost since counts."""
    user = User.objects.filter(pk=job.requested_by_id, is_active=True).first()
    peps = (
        scope_queryset(user, Action.VIEW_PEP, Pep.objects.filter(pk__in=job.pep_ids))
        if user is not None and user_can(user, Action.OPEN_PEP_BUNDLES)
        else Pep.objects.none()
    )
    # Each PEP's snapshot with it (what a signed-off PDF is made from), not one query each.
    return {
        p.pk: p
        for p in peps.select_related("child", "child__authority", "signed_off_by", "snapshot")
    }


def build_pep_bundle(job: FileJob, out: IO[bytes], step: filejobs.Step) -> None:
    """Render the job's PEPs into one ZIP, a step for each. A PEP that fails (too long to
    render, say) is listed as failed and the rest carry on."""
    by_id = _bundle_peps(job)
    taken: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for pep_id in job.pep_ids:
            pep = by_id.get(pep_id)
            try:
                if pep is None or pep.status != PepStatus.SIGNED_OFF:
                    raise LookupError("no longer visible or not signed off")
                document = pep_pdf_for(pep)
            except SoftTimeLimitExceeded:
                raise
            except Exception:
                logger.exception("PEP %s could not be added to bulk job %s", pep_id, job.pk)
                step(failed_item=pep_id)
                continue
            # PDFs are compressed already: stored, not deflated, is as small and faster.
            info = zipfile.ZipInfo(_unique(document.filename, taken), date_time=_zip_time(pep))
            archive.writestr(info, document.content)
            step()


def build_pep_pdf(job: FileJob, out: IO[bytes], step: filejobs.Step) -> None:
    """One PEP's PDF, if its asker may still read it."""
    pep = (
        Pep.objects.select_related("child", "child__authority", "signed_off_by")
        .filter(pk=job.params.get("pep_id"))
        .first()
    )
    user = User.objects.filter(pk=job.requested_by_id, is_active=True).first()
    if pep is None or user is None or not user_can(user, Action.VIEW_PEP, pep):
        raise PermissionDenied
    out.write(pep_pdf_for(pep).content)
    step()


def pep_pdfs_zip(*, job_id: str) -> FileJob | None:
    """Run a bulk job now (its task, and the tests, call this)."""
    return filejobs.run(job_id)


def _zip_time(pep: Pep) -> tuple[int, int, int, int, int, int]:
    when = timezone.localtime(pep.signed_off_at) if pep.signed_off_at else timezone.localtime()
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)
