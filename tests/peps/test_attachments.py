"""Attachments through the PEP page: what is accepted, what is refused and why, and who may
download them."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peps.models import Attachment, PepStatus
from tests.fixtures.attachments import samples

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "attachments"


def upload(client, pep, name: str, content: bytes | None = None):  # type: ignore[no-untyped-def]
    data = content if content is not None else (SAMPLES / name).read_bytes()
    file = SimpleUploadedFile(name, data)
    return client.post(
        reverse("attachment_upload", args=[pep.pk]),
        {"file": file, "description": "EHCP"},
        follow=True,
    )


@pytest.mark.parametrize(
    "name", ["valid.pdf", "valid.docx", "valid.xlsx", "valid.jpg", "valid.png"]
)
def test_each_allowed_type_is_attached_and_downloads_intact(client, personas, pep_setting, name):
    client.force_login(personas.designated_teacher)
    response = upload(client, pep_setting.pep, name)
    assert "The file has been attached" in response.content.decode()
    attachment = Attachment.objects.get()
    download = client.get(reverse("attachment_download", args=[pep_setting.pep.pk, attachment.pk]))
    assert b"".join(download.streaming_content) == (SAMPLES / name).read_bytes()
    assert "attachment" in download["Content-Disposition"]
    assert download["Cache-Control"] == "no-store, private"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("homework.pdf", "must be a PDF, Word document"),  # a renamed Windows program
        ("password-protected.docx", "remove the password"),
        ("encrypted-empty-password.pdf", "remove the password"),
        ("truncated.pdf", "damaged"),
        ("macro.docm", "macro"),
        ("script.png", "must be a PDF, Word document"),
    ],
)
def test_refused_files_say_why_and_store_nothing(client, personas, pep_setting, name, message):
    client.force_login(personas.designated_teacher)
    html = upload(client, pep_setting.pep, name).content.decode()
    assert message in html.replace("&#x27;", "'")
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (samples.html_then_pdf_bytes, "damaged or not really a PDF"),
        (samples.pdf_open_action_javascript_bytes, "contains scripts"),
        (samples.pdf_embedded_file_bytes, "contains scripts"),
    ],
)
def test_defect_16_an_html_page_or_an_active_pdf_is_refused_with_a_reason(
    client, personas, pep_setting, build, message
):
    client.force_login(personas.designated_teacher)
    html = upload(client, pep_setting.pep, "report.pdf", build()).content.decode()
    assert message in html
    assert "The file has been attached" not in html
    assert not Attachment.objects.exists()


def test_an_oversized_file_is_refused(client, personas, pep_setting):
    client.force_login(personas.designated_teacher)
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    html = upload(client, pep_setting.pep, "big.pdf", big).content.decode()
    assert "smaller than 10MB" in html
    assert not Attachment.objects.exists()


def test_no_file_gets_a_clear_message(client, personas, pep_setting):
    client.force_login(personas.designated_teacher)
    response = client.post(reverse("attachment_upload", args=[pep_setting.pep.pk]), {}, follow=True)
    assert "Select a file" in response.content.decode()


def test_stored_name_is_safe_whatever_was_uploaded(client, personas, pep_setting):
    client.force_login(personas.designated_teacher)
    upload(client, pep_setting.pep, "../../etc/passwd.pdf", (SAMPLES / "valid.pdf").read_bytes())
    attachment = Attachment.objects.get()
    assert "/" not in attachment.name and ".." not in attachment.name
    assert "passwd" not in attachment.file.name  # nothing meaningful on disk


def test_only_the_care_team_downloads(client, personas, pep_setting):
    client.force_login(personas.designated_teacher)
    upload(client, pep_setting.pep, "valid.pdf")
    attachment = Attachment.objects.get()
    url = reverse("attachment_download", args=[pep_setting.pep.pk, attachment.pk])
    for outsider in (
        personas.other_school_teacher,
        personas.unrelated_social_worker,
        personas.other_authority_virtual_school_staff,
    ):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(personas.carer)
    assert client.get(url).status_code == 200


def test_iro_reads_but_cannot_attach(client, personas, pep_setting):
    client.force_login(personas.independent_reviewing_officer)
    assert upload(client, pep_setting.pep, "valid.pdf").status_code == 403
    assert not Attachment.objects.exists()


def test_nothing_can_be_attached_after_sign_off(client, personas, pep_setting):
    pep = pep_setting.pep
    pep.status = PepStatus.SIGNED_OFF
    pep.save()
    client.force_login(personas.designated_teacher)
    html = upload(client, pep, "valid.pdf").content.decode()
    assert "signed off" in html
    assert not Attachment.objects.exists()
