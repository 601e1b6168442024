"""The bulk ZIP task, run in-process as CELERY_TASK_ALWAYS_EAGER runs it in the demo."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied

from children.school_year import PepTemplate
from documents import services as pdf_services
from documents.pdf import RenderTimeout
from documents.tasks import pep_pdfs_zip_task
from pep_portal.filejobs.models import FileJob
from pep_portal.files import private_storage, read_bytes
from tests.documents.conftest import child_for, fill_in, pep_for, sign_off


@pytest.fixture
def signed_off_term(personas, peps_by_template):  # type: ignore[no-untyped-def]
    """Ada, Zara and Yusuf, and Zed (Zara's initials, same meeting day), all signed off."""
    peps = {template: sign_off(personas, pep) for template, pep in peps_by_template.items()}
    zed = pep_for(personas, child_for(personas, PepTemplate.YG, name="Zed"))
    fill_in(personas, zed)
    peps["zed"] = sign_off(personas, zed)
    return peps


def job_files(job: FileJob) -> tuple[FileJob, bytes | None]:
    """The job's row as it now is, and its ZIP read back through the storage API."""
    job = FileJob.objects.get(pk=job.pk)
    return job, (read_bytes(job.file.name) if job.file else None)


def test_the_task_zips_a_schools_signed_off_term_with_a_name_for_each_pdf(
    personas, signed_off_term, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = pdf_services.bulk_job_start(
            actor=personas.virtual_school_staff,
            school_urn=personas.designated_teacher.school.urn,
            academic_year=2026,
            term="autumn",
        )
    progress, data = job_files(job)
    assert progress.status == "queued" and len(progress.pep_ids) == 4 and data is None
    assert len(callbacks) == 1  # the task is sent once the transaction commits
    pep_pdfs_zip_task.delay(job.pk.hex)
    progress, data = job_files(job)
    assert progress.status == "done" and progress.progress == 4 and progress.failed == []
    assert data is not None and progress.size == len(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == [
            "AQ_2026-11-10_PEP.pdf",
            "YQ_2026-11-10_PEP.pdf",
            "ZQ_2026-11-10_PEP.pdf",
            "ZQ_2026-11-10_PEP_2.pdf",
        ]
        assert all(archive.read(name).startswith(b"%PDF-") for name in archive.namelist())
    urn = personas.designated_teacher.school.urn
    assert job.zip_filename == f"PEPs_URN{urn}_2026-27_Autumn.zip"


def test_a_zip_of_chosen_peps_holds_only_signed_off_ones_and_only_the_virtual_school_asks(
    personas, signed_off_term, django_capture_on_commit_callbacks
):
    draft = pep_for(personas, child_for(personas, PepTemplate.YG, name="Una"))
    ids = [signed_off_term[PepTemplate.EYFS].pk, signed_off_term["zed"].pk, draft.pk]
    with django_capture_on_commit_callbacks(execute=True):
        job = pdf_services.bulk_job_start(actor=personas.virtual_school_staff, pep_ids=ids)
    progress, data = job_files(job)
    assert progress.status == "done" and draft.pk not in progress.pep_ids
    with zipfile.ZipFile(io.BytesIO(data or b"")) as archive:
        assert sorted(archive.namelist()) == ["AQ_2026-11-10_PEP.pdf", "ZQ_2026-11-10_PEP.pdf"]
    with pytest.raises(PermissionDenied):
        pdf_services.bulk_job_start(actor=personas.social_worker, pep_ids=ids)


def test_a_pep_that_fails_to_render_is_listed_and_the_rest_are_zipped(
    personas, signed_off_term, monkeypatch
):
    slow = signed_off_term[PepTemplate.POST_16].pk
    real = pdf_services.pep_pdf_for

    def pep_pdf_for(pep):  # type: ignore[no-untyped-def]
        if pep.pk == slow:
            raise RenderTimeout("too long")
        return real(pep)

    monkeypatch.setattr(pdf_services, "pep_pdf_for", pep_pdf_for)
    job = pdf_services.bulk_job_start(
        actor=personas.virtual_school_staff,
        pep_ids=[p.pk for p in signed_off_term.values()],
    )
    job = pdf_services.pep_pdfs_zip(job_id=job.pk.hex)
    assert job is not None and job.state == "done" and job.failed == [slow] and job.added == 3
    with zipfile.ZipFile(job.file.open("rb")) as archive:
        assert "YQ_2026-11-10_PEP.pdf" not in archive.namelist()
        assert len(archive.namelist()) == 3


def test_jobs_and_their_files_are_deleted_a_day_after_they_started(
    personas, signed_off_term, monkeypatch
):
    old = pdf_services.bulk_job_start(
        actor=personas.virtual_school_staff, pep_ids=[signed_off_term[PepTemplate.YG].pk]
    )
    old = pdf_services.pep_pdfs_zip(job_id=old.pk.hex)
    assert old is not None
    name = old.file.name
    assert name == f"jobs/{old.pk.hex}/file.zip" and private_storage().exists(name)
    later = old.created_at + dt.timedelta(hours=24, minutes=1)
    monkeypatch.setattr(pdf_services.timezone, "now", lambda: later)
    new = pdf_services.bulk_job_start(
        actor=personas.virtual_school_staff, pep_ids=[signed_off_term[PepTemplate.YG].pk]
    )
    assert not private_storage().exists(name)
    assert list(FileJob.objects.values_list("pk", flat=True)) == [new.pk]


def test_a_job_that_went_quiet_is_reported_as_stalled(personas, signed_off_term, monkeypatch):
    job = pdf_services.bulk_job_start(
        actor=personas.virtual_school_staff, pep_ids=[signed_off_term[PepTemplate.YG].pk]
    )
    assert not job.stalled
    later = job.created_at + dt.timedelta(minutes=6)
    monkeypatch.setattr(pdf_services.timezone, "now", lambda: later)
    assert job.stalled
