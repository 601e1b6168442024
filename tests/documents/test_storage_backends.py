"""Every private file through the storage API, on the local folder and on S3-compatible object
storage (a real S3 API server: tests/filejobs/conftest.py): attachments, kept PDFs, bulk ZIPs,
subject access ZIPs and their deletion. What the store holds is read back from the store
itself (the folder, or boto3 against the bucket), never through the portal's own code."""

import io
import zipfile

import pytest
from django.urls import reverse

from children.school_year import PepTemplate
from documents import services as pdf_services
from pep_portal.filejobs import services as filejobs
from pep_portal.filejobs.models import FileJob
from pep_portal.subject_access import services as subject_access
from peps.models import Attachment
from tests.documents.conftest import sign_off
from tests.filejobs.helpers import content_of
from tests.peps.test_attachments import SAMPLES, upload


def test_an_attachment_is_stored_and_downloads_intact(client, personas, pep_setting, store):
    client.force_login(personas.designated_teacher)
    upload(client, pep_setting.pep, "valid.pdf")
    attachment = Attachment.objects.get()
    sample = (SAMPLES / "valid.pdf").read_bytes()
    assert attachment.file.name.startswith(f"attachments/{pep_setting.pep.pk}/")
    assert store.keys() == [attachment.file.name]
    assert store.read(attachment.file.name) == sample
    download = client.get(reverse("attachment_download", args=[pep_setting.pep.pk, attachment.pk]))
    assert download.status_code == 200 and content_of(download) == sample


def test_a_signed_off_pdf_is_kept_in_the_store_and_served_from_it(
    client, personas, peps_by_template, store
):
    pep = sign_off(personas, peps_by_template[PepTemplate.YG])
    made = pdf_services.pep_pdf_for(pep)
    key = f"pdf/pep-{pep.pk}-signed-off.pdf"
    assert store.keys() == [key]
    assert store.read(key) == made.content and made.content.startswith(b"%PDF-")
    # The kept file is served at once: no job.
    client.force_login(personas.social_worker)
    response = client.get(reverse("pep_pdf", args=[pep.pk]))
    assert response.status_code == 200 and response.content == made.content
    assert FileJob.objects.count() == 0


def test_a_bulk_zip_is_made_into_the_store_downloaded_from_it_and_deleted_after_a_day(
    client, personas, peps_by_template, store
):
    peps = [sign_off(personas, pep) for pep in peps_by_template.values()]
    job = pdf_services.bulk_job_start(
        actor=personas.virtual_school_staff, pep_ids=[p.pk for p in peps]
    )
    filejobs.run(job.pk.hex)
    key = f"jobs/{job.pk.hex}/file.zip"
    kept = {f"pdf/pep-{p.pk}-signed-off.pdf" for p in peps}
    assert set(store.keys()) == kept | {key}
    with zipfile.ZipFile(io.BytesIO(store.read(key))) as archive:
        assert sorted(archive.namelist()) == [
            "AQ_2026-11-10_PEP.pdf",
            "YQ_2026-11-10_PEP.pdf",
            "ZQ_2026-11-10_PEP.pdf",
        ]
    client.force_login(personas.virtual_school_staff)
    download = client.get(reverse("pep_pdf_bulk_download", args=[job.pk.hex]))
    assert content_of(download) == store.read(key)
    job.refresh_from_db()
    assert job.size == len(store.read(key))
    filejobs.prune(now=job.created_at + pdf_services.dt.timedelta(hours=25))
    assert set(store.keys()) == kept


@pytest.fixture
def administrator(personas):  # type: ignore[no-untyped-def]
    admin = personas.virtual_school_staff
    admin.is_vs_administrator = True
    admin.save()
    return admin


def test_a_subject_access_zip_is_made_into_the_store_with_the_childs_attachment(
    client, personas, pep_setting, administrator, store
):
    client.force_login(personas.designated_teacher)
    upload(client, pep_setting.pep, "valid.pdf")
    attachment = Attachment.objects.get()
    job = subject_access.subject_access_start(actor=administrator, child=pep_setting.child)
    filejobs.run(job.pk.hex)
    key = f"jobs/{job.pk.hex}/file.zip"
    assert set(store.keys()) == {attachment.file.name, key}
    with zipfile.ZipFile(io.BytesIO(store.read(key))) as archive:
        names = archive.namelist()
        inside = f"attachments/{pep_setting.pep.pk}/{attachment.pk}-{attachment.name}"
        assert inside in names and "manifest.json" in names
        assert archive.read(inside) == (SAMPLES / "valid.pdf").read_bytes()
    client.force_login(administrator)
    download = client.get(reverse("subject_access_download", args=[job.pk.hex]))
    assert content_of(download) == store.read(key)
