"""The bulk ZIP task, run in-process as CELERY_TASK_ALWAYS_EAGER runs it in the demo."""

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from children.school_year import PepTemplate
from documents import services as pdf_services
from documents.pdf import RenderTimeout
from documents.tasks import pep_pdfs_zip_task
from peps.models import private_storage
from tests.documents.conftest import child_for, fill_in, pep_for, sign_off


@pytest.fixture
def signed_off_term(personas, peps_by_template):  # type: ignore[no-untyped-def]
    """Ada, Zara and Yusuf, and Zed (Zara's initials, same meeting day), all signed off."""
    peps = {template: sign_off(personas, pep) for template, pep in peps_by_template.items()}
    zed = pep_for(personas, child_for(personas, PepTemplate.YG, name="Zed"))
    fill_in(personas, zed)
    peps["zed"] = sign_off(personas, zed)
    return peps


def job_files(job: pdf_services.BulkJob) -> tuple[dict, Path]:  # type: ignore[type-arg]
    folder = Path(private_storage().path(f"pdf/bulk/{job.id}"))
    return json.loads((folder / "job.json").read_text()), folder / "peps.zip"


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
    progress, zip_path = job_files(job)
    assert progress["state"] == "queued" and len(progress["pep_ids"]) == 4
    assert len(callbacks) == 1  # the task is sent once the transaction commits
    pep_pdfs_zip_task.delay(job.id)
    progress, zip_path = job_files(job)
    assert progress["state"] == "done" and progress["done"] == 4 and progress["failed"] == []
    assert progress["zip_bytes"] == zip_path.stat().st_size
    with zipfile.ZipFile(zip_path) as archive:
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
    progress, zip_path = job_files(job)
    assert progress["state"] == "done" and draft.pk not in progress["pep_ids"]
    with zipfile.ZipFile(zip_path) as archive:
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
    job = pdf_services.pep_pdfs_zip(job_id=job.id)
    assert job.state == "done" and job.failed == [slow] and job.added == 3
    with zipfile.ZipFile(pdf_services.bulk_zip_path(job)) as archive:
        assert "YQ_2026-11-10_PEP.pdf" not in archive.namelist()
        assert len(archive.namelist()) == 3


def test_jobs_are_deleted_a_day_after_they_started(personas, signed_off_term, monkeypatch):
    old = pdf_services.bulk_job_start(
        actor=personas.virtual_school_staff, pep_ids=[signed_off_term[PepTemplate.YG].pk]
    )
    folder = Path(private_storage().path(f"pdf/bulk/{old.id}"))
    assert folder.is_dir()
    later = old.expires_at + dt.timedelta(minutes=1)
    monkeypatch.setattr(pdf_services.timezone, "now", lambda: later)
    pdf_services.bulk_job_start(
        actor=personas.virtual_school_staff, pep_ids=[signed_off_term[PepTemplate.YG].pk]
    )
    assert not folder.exists()


def test_a_job_that_went_quiet_is_reported_as_stalled(personas, signed_off_term, monkeypatch):
    job = pdf_services.bulk_job_start(
        actor=personas.virtual_school_staff, pep_ids=[signed_off_term[PepTemplate.YG].pk]
    )
    assert not job.stalled
    later = dt.datetime.fromisoformat(job.updated_at) + pdf_services.BULK_STALLED * 2
    monkeypatch.setattr(pdf_services.timezone, "now", lambda: later)
    assert job.stalled
