"""Downloading a PEP's PDF, and the virtual school's bulk ZIP pages, by persona."""

import io
import zipfile

import pytest
from django.urls import reverse

from documents import services as pdf_services
from documents.pdf import RenderTimeout
from pep_portal.audit.models import AuditAction, AuditEvent
from pep_portal.filejobs import services as filejobs
from pep_portal.filejobs.models import FileJob
from tests.conftest import PEP_CARE_TEAM, PERSONA_NAMES
from tests.documents.conftest import sign_off
from tests.filejobs.helpers import content_of, get_pdf, job_id_of

PERSONAS = PERSONA_NAMES
CARE_TEAM = PEP_CARE_TEAM


@pytest.mark.parametrize("name", PERSONAS)
def test_the_pdf_downloads_for_everyone_who_may_read_the_pep_and_nobody_else(
    client, personas, pep_setting, name
):
    client.force_login(getattr(personas, name))
    response = get_pdf(client, pep_setting.pep.pk)
    if name in CARE_TEAM:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="ZQ_2026-12-31_PEP.pdf"'
        assert response["Cache-Control"] == "no-store, private"
        assert content_of(response).startswith(b"%PDF-")
    else:
        assert response.status_code == 404
        assert b"%PDF" not in response.content and b"Zara" not in response.content


def test_the_pdf_needs_sign_in_and_refuses_post(client, personas, pep_setting):
    url = reverse("pep_pdf", args=[pep_setting.pep.pk])
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(personas.social_worker)
    assert client.post(url).status_code == 405
    assert client.get(reverse("pep_pdf", args=[999_999])).status_code == 404


@pytest.fixture
def signed_off_term(personas, peps_by_template):  # type: ignore[no-untyped-def]
    """All three PEPs signed off at a meeting on 10 November 2026."""
    return {template: sign_off(personas, pep) for template, pep in peps_by_template.items()}


def start(client, personas, urn=None):  # type: ignore[no-untyped-def]
    school = personas.designated_teacher.school
    return client.post(
        reverse("pep_pdf_bulk"),
        {"school_urn": urn or school.urn, "academic_year": 2026, "term": "autumn"},
    )


def test_a_render_that_runs_out_of_time_says_so(client, personas, pep_setting, monkeypatch):
    def too_slow(pep):  # type: ignore[no-untyped-def]
        raise RenderTimeout("too long")

    monkeypatch.setattr(pdf_services, "pep_pdf_for", too_slow)
    client.force_login(personas.social_worker)
    response = client.get(reverse("pep_pdf", args=[pep_setting.pep.pk]))
    assert response.status_code == 302
    with pytest.raises(RenderTimeout):
        filejobs.run(job_id_of(response["Location"]))
    page = client.get(response["Location"]).content.decode()
    assert "took too long to turn into a PDF" in page
    job = FileJob.objects.get()
    assert (job.status, job.error, bool(job.file)) == ("failed", "RenderTimeout", False)


def test_a_pdf_is_made_by_the_worker_while_the_page_waits_on_its_progress(
    client, personas, pep_setting
):
    client.force_login(personas.social_worker)
    url = reverse("pep_pdf", args=[pep_setting.pep.pk])
    first = client.get(url)
    # Asking again while it is queued gives the same job, not a second render.
    assert client.get(url)["Location"] == first["Location"]
    job_id = job_id_of(first["Location"])
    page = client.get(first["Location"]).content.decode()
    assert "Making the PDF: waiting to start." in page and "job-progress.js" in page
    progress = client.get(reverse("pep_pdf_bulk_progress", args=[job_id])).json()
    assert (progress["state"], progress["total"], progress["finished"]) == ("queued", 1, False)
    filejobs.run(job_id)
    progress = client.get(reverse("pep_pdf_bulk_progress", args=[job_id])).json()
    assert (progress["state"], progress["done"], progress["finished"]) == ("done", 1, True)
    assert "The PDF is ready" in client.get(first["Location"]).content.decode()
    # Someone else in the care team has their own job; this one is not theirs to see.
    client.force_login(personas.designated_teacher)
    assert client.get(first["Location"]).status_code == 404
    assert client.get(reverse("pep_pdf_bulk_download", args=[job_id])).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "social_worker",
        "designated_teacher",
        "independent_reviewing_officer",
        "carer",
        "authority_administrator",
    ],
)
def test_only_virtual_school_staff_may_make_a_bulk_zip(client, personas, name):
    client.force_login(getattr(personas, name))
    assert client.get(reverse("pep_pdf_bulk")).status_code == 403
    assert start(client, personas).status_code == 403


def test_virtual_school_staff_make_a_zip_of_a_schools_term_and_download_it(
    client, personas, signed_off_term, django_capture_on_commit_callbacks
):
    client.force_login(personas.virtual_school_staff)
    assert client.get(reverse("pep_pdf_bulk")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, personas)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    assert "The ZIP is ready" in content and "3 PEPs in the ZIP" in content
    job_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    progress = client.get(reverse("pep_pdf_bulk_progress", args=[job_id])).json()
    assert progress["state"] == "done" and progress["done"] == progress["total"] == 3
    download = client.get(reverse("pep_pdf_bulk_download", args=[job_id]))
    assert download.status_code == 200
    assert download["Cache-Control"] == "no-store, private"
    assert download["Content-Disposition"].startswith("attachment; filename=")
    with zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))) as archive:
        assert sorted(archive.namelist()) == [
            "AQ_2026-11-10_PEP.pdf",
            "YQ_2026-11-10_PEP.pdf",
            "ZQ_2026-11-10_PEP.pdf",
        ]
    # Audited per PEP, so each of the three children's audit shows who took their PEP away.
    zipped = AuditEvent.objects.filter(
        action=AuditAction.ZIP_DOWNLOADED, actor=personas.virtual_school_staff
    )
    assert zipped.values("child_id").distinct().count() == 3


@pytest.mark.parametrize("name", ["other_authority_virtual_school_staff", "social_worker"])
def test_a_job_is_not_found_by_anyone_outside_the_authoritys_virtual_school(
    client, personas, signed_off_term, django_capture_on_commit_callbacks, name
):
    client.force_login(personas.virtual_school_staff)
    with django_capture_on_commit_callbacks(execute=True):
        job_url = start(client, personas)["Location"]
    job_id = job_url.rstrip("/").rsplit("/", 1)[1]
    client.force_login(getattr(personas, name))
    for url_name in ("pep_pdf_bulk_job", "pep_pdf_bulk_progress", "pep_pdf_bulk_download"):
        assert client.get(reverse(url_name, args=[job_id])).status_code == 404


def test_another_authoritys_virtual_school_gets_no_pep_of_ours(client, personas, signed_off_term):
    client.force_login(personas.other_authority_virtual_school_staff)
    response = start(client, personas)
    assert response.status_code == 200
    assert "There are no signed-off PEPs for that school and term" in response.content.decode()


def test_a_job_waiting_for_its_worker_shows_progress_that_updates_itself(
    client, personas, signed_off_term, django_capture_on_commit_callbacks
):
    client.force_login(personas.virtual_school_staff)
    with django_capture_on_commit_callbacks(execute=False):  # no worker picks it up
        job_url = start(client, personas)["Location"]
    page = client.get(job_url).content.decode()
    assert "Waiting to start: 3 PEPs to render." in page
    assert "pep_portal/job-progress.js" in page and "<script>" not in page
    job_id = job_url.rstrip("/").rsplit("/", 1)[1]
    progress = client.get(reverse("pep_pdf_bulk_progress", args=[job_id])).json()
    assert progress["state"] == "queued" and progress["finished"] is False
    download = client.get(reverse("pep_pdf_bulk_download", args=[job_id]))
    assert download.status_code == 302 and download["Location"] == job_url


def test_the_bulk_form_says_what_is_wrong(client, personas, pep_setting):
    client.force_login(personas.virtual_school_staff)
    unknown = start(client, personas, urn=999_998).content.decode()
    assert "There is no school with that URN" in unknown
    # pep_setting's PEP is not signed off, so there is nothing to put in a ZIP.
    nothing = start(client, personas).content.decode()
    assert "There are no signed-off PEPs for that school and term" in nothing
    assert client.get(reverse("pep_pdf_bulk_job", args=["not-a-job"])).status_code == 404
    assert client.get(reverse("pep_pdf_bulk_job", args=["0" * 32])).status_code == 404
