"""The audit trail of reads and downloads: each leaves exactly one event naming who, what and
whose, and the child's audit trail page shows it."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pep_portal.audit.models import AuditAction, AuditEvent
from peps.models import Attachment
from tests.filejobs.helpers import get_pdf
from tests.peps.test_attachments import SAMPLES


def test_downloading_an_attachment_is_audited_and_shown_on_the_childs_trail(
    client, personas, pep_setting
):
    pep = pep_setting.pep
    client.force_login(personas.designated_teacher)
    client.post(
        reverse("attachment_upload", args=[pep.pk]),
        {
            "file": SimpleUploadedFile("report.pdf", (SAMPLES / "valid.pdf").read_bytes()),
            "description": "EHCP",
        },
    )
    attachment = Attachment.objects.get()
    client.force_login(personas.carer)
    response = client.get(reverse("attachment_download", args=[pep.pk, attachment.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)

    event = AuditEvent.objects.get(action=AuditAction.ATTACHMENT_DOWNLOADED)
    assert (
        event.actor,
        event.child_id,
        event.authority,
        event.target_type,
        event.target_id,
        event.detail,
        event.ip_address,
    ) == (
        personas.carer,
        pep.child_id,
        personas.authority,
        "attachment",
        str(attachment.pk),
        {"pep": pep.pk},
        "127.0.0.1",
    )

    admin = personas.virtual_school_staff
    admin.is_vs_administrator = True
    admin.save()
    client.force_login(admin)
    trail = client.get(reverse("child_audit", args=[pep.child_id])).content.decode()
    assert "Carol Carer" in trail and "Downloaded an attachment" in trail


def test_a_refused_download_leaves_no_event(client, personas, pep_setting):
    pep = pep_setting.pep
    client.force_login(personas.designated_teacher)
    client.post(
        reverse("attachment_upload", args=[pep.pk]),
        {
            "file": SimpleUploadedFile("report.pdf", (SAMPLES / "valid.pdf").read_bytes()),
            "description": "EHCP",
        },
    )
    attachment = Attachment.objects.get()
    client.force_login(personas.other_school_teacher)
    response = client.get(reverse("attachment_download", args=[pep.pk, attachment.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED).exists()


def test_opening_a_pep_is_audited(client, personas, pep_setting):
    client.force_login(personas.independent_reviewing_officer)
    assert client.get(reverse("pep_detail", args=[pep_setting.pep.pk])).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.PEP_OPENED)
    assert (event.actor, event.child_id, event.target_type, event.target_id) == (
        personas.independent_reviewing_officer,
        pep_setting.pep.child_id,
        "pep",
        str(pep_setting.pep.pk),
    )


def test_downloading_a_peps_pdf_is_audited(client, personas, pep_setting):
    client.force_login(personas.designated_teacher)
    response = get_pdf(client, pep_setting.pep.pk)
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.PDF_DOWNLOADED)
    assert (event.actor, event.child_id, event.target_type, event.target_id) == (
        personas.designated_teacher,
        pep_setting.child.pk,
        "pep",
        str(pep_setting.pep.pk),
    )
