"""Issue 12, defect 7: a committed change never becomes a 500 when Redis or the mail server is
down, the user is told the truth, and the queued work runs once they are back. Real outages:
the test's own Redis is stopped, the SMTP port has nothing listening; a real Celery worker
does the work afterwards."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from documents import services as pdf_services
from pep_portal.accounts.models import User
from pep_portal.files import private_storage, read_bytes
from pep_portal.outbox.models import OutboxTask
from peps.models import Pep, PepStatus
from peps.services import pep_record_meeting_held, pep_submit
from quality_assurance.services import framework_for
from tests.outbox.conftest import queued_task_names, wait_for
from tests.peps.fixtures import everything_done

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]

SET_PASSWORD_LINK = re.compile(r"https://pep-portal\.test/account/password-reset/\S+/\S+/")


@pytest.fixture
def submitted(personas, pep_setting):  # type: ignore[no-untyped-def]
    everything_done(personas, pep_setting)
    pep_record_meeting_held(
        actor=personas.social_worker, pep=pep_setting.pep, held_on=dt.date(2026, 11, 10)
    )
    return pep_submit(actor=personas.social_worker, pep=pep_setting.pep)


def signed_in(user: User) -> Client:
    # As a browser sees it: an error after commit would be a 500 page, not an exception here.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def sign_off_through_the_page(client: Client, pep: Pep) -> object:
    framework = framework_for(pep.child.authority)
    data = {f"criterion_{c.pk}": "good" for c in framework.criteria.filter(active=True)}
    data.update(
        overall="good",
        feedback_to_teacher="Clear targets.",
        feedback_to_social_worker="Thorough.",
        decision="signed_off",
        confirm="yes",  # "Sign off the PEP" on the check page
    )
    return client.post(reverse("qa_review", args=[pep.pk]), data)


def invite_through_the_page(client: Client, email: str) -> object:
    return client.post(
        reverse("person_invite"),
        {"full_name": "Nina New", "email": email, "role": "social_worker"},
    )


# A sweep queues one task per batch of people (send_notification_emails); other senders one each.
NOTIFICATION_EMAILS = (
    "pep_portal.notifications.tasks.send_notification_email",
    "pep_portal.notifications.tasks.send_notification_emails",
)


def kept_pdf_exists(pep: Pep) -> bool:
    return private_storage().exists(pdf_services.signed_off_pdf_name(pep))


def test_defect_07_with_redis_down_sign_off_zip_and_invitation_commit_and_run_once_it_is_back(
    personas, submitted, broker, smtp_server, start_worker
):
    vs, admin = personas.virtual_school_staff, personas.authority_administrator
    broker.stop()

    # QA sign-off: the PEP is signed off, and the reviewer is told so, with no 500.
    reviewer = signed_in(vs)
    response = sign_off_through_the_page(reviewer, submitted)
    assert response.status_code == 302 and response["Location"] == reverse("qa_queue")
    assert Pep.objects.get(pk=submitted.pk).status == PepStatus.SIGNED_OFF
    queue_page = reviewer.get(reverse("qa_queue")).content.decode()
    assert "The PEP is signed off; its PDF will be ready shortly" in queue_page

    # Bulk ZIP of that school's Autumn term: the job is made and says it is waiting.
    response = reviewer.post(
        reverse("pep_pdf_bulk"),
        {"school_urn": submitted.child.enrolments.get().school.urn, "academic_year": "2026"}
        | {"term": "autumn"},
    )
    assert response.status_code == 302
    job_id = response["Location"].rstrip("/").split("/")[-1]
    job_page = reviewer.get(response["Location"])
    assert job_page.status_code == 200
    assert "Waiting to start: 1 PEP to render." in job_page.content.decode()

    # Invitation: the account exists, and its page says the e-mail has not gone yet.
    manager = signed_in(admin)
    response = invite_through_the_page(manager, "nina.new@example.org")
    assert response.status_code == 302
    nina = User.objects.get(email="nina.new@example.org")
    person_page = manager.get(response["Location"]).content.decode()
    assert "Not emailed yet" in person_page and "Resend invitation" in person_page

    # Nothing ran, nothing was lost: three pieces of work wait, each tried once.
    # (The sign-off's notification e-mails wait beside them; they are the notifications' own.)
    unsent = OutboxTask.objects.filter(sent_at__isnull=True).order_by("pk")
    emails = [row for row in unsent if row.task_name in NOTIFICATION_EMAILS]
    waiting = [row for row in unsent if row.task_name not in NOTIFICATION_EMAILS]
    assert [(row.task_name, row.args, row.attempts) for row in waiting] == [
        ("peps.tasks.pep_pdf_keep_task", [submitted.pk], 1),
        ("pep_portal.filejobs.tasks.file_job_task", [job_id], 1),
        ("pep_portal.accounts.tasks.send_invitation_task", [nina.pk], 1),
    ]
    assert all(row.last_error == "OperationalError" for row in waiting)
    assert not kept_pdf_exists(submitted)

    # Redis is back (empty, as after a crash): the relay sends the work, and a worker does it.
    broker.start()
    smtp_server.start()
    call_command("relay_outbox", stdout=(out := io.StringIO()))
    assert f"Sent {3 + len(emails)}, failed 0, still waiting 0" in out.getvalue()
    # The PDFs on their own queue, for the documents workers.
    assert queued_task_names(broker, ("documents",)) == [
        "peps.tasks.pep_pdf_keep_task",
        "pep_portal.filejobs.tasks.file_job_task",
    ]
    assert [
        name for name in queued_task_names(broker, ("celery",)) if name not in NOTIFICATION_EMAILS
    ] == ["pep_portal.accounts.tasks.send_invitation_task"]
    call_command("relay_outbox", stdout=(again := io.StringIO()))
    assert "Sent 0, failed 0, still waiting 0" in again.getvalue()  # nothing twice
    start_worker(broker.url, EMAIL_URL=smtp_server.url)
    wait_for(lambda: kept_pdf_exists(submitted), "the signed-off PDF being kept", 120)
    assert read_bytes(pdf_services.signed_off_pdf_name(submitted)).startswith(b"%PDF-")
    wait_for(
        lambda: pdf_services.bulk_job_get_for_user(user=vs, job_id=job_id).state == "done",
        "the ZIP being made",
        120,
    )

    def to_nina() -> list:  # type: ignore[type-arg]
        return [m for m in smtp_server.messages if m["To"] == "nina.new@example.org"]

    wait_for(to_nina, "the invitation arriving", 60)
    [message] = to_nina()
    body = message.get_payload()
    assert SET_PASSWORD_LINK.search(body) and "Nina" not in body + message["Subject"]
    nina.refresh_from_db()
    assert nina.invitation_sent_at is not None
    assert "Emailed on" in manager.get(reverse("person_detail", args=[nina.pk])).content.decode()


def test_defect_07_invitation_is_retried_while_the_mail_server_is_down_and_can_be_resent(
    personas, broker, smtp_server, start_worker, settings
):
    # The mail server has nothing listening yet: connections are refused, for the worker and
    # for this (web) process alike, which must not try to send it during the request.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    worker = start_worker(broker.url, EMAIL_URL=smtp_server.url, INVITATION_RETRY_BACKOFF="1")
    manager = signed_in(personas.authority_administrator)
    response = invite_through_the_page(manager, "nina.new@example.org")
    assert response.status_code == 302
    nina = User.objects.get(email="nina.new@example.org")
    wait_for(lambda: worker.said("ConnectionRefusedError"), "the first attempt failing", 60)
    wait_for(lambda: worker.said("Retry in"), "the task scheduling a retry", 10)
    nina.refresh_from_db()
    assert nina.invitation_sent_at is None and smtp_server.messages == []
    page = manager.get(reverse("person_detail", args=[nina.pk])).content.decode()
    assert "Not emailed yet" in page

    smtp_server.start()
    wait_for(lambda: smtp_server.messages, "the invitation arriving after a retry", 60)
    nina.refresh_from_db()
    assert nina.invitation_sent_at is not None
    assert "Emailed on" in manager.get(reverse("person_detail", args=[nina.pk])).content.decode()

    # The people manager sends it again from the person's page: a second, fresh link.
    response = manager.post(reverse("person_invitation_resend", args=[nina.pk]), follow=True)
    assert "A new invitation is on its way" in response.content.decode()
    wait_for(lambda: len(smtp_server.messages) == 2, "the second invitation arriving", 60)
    assert all(m["To"] == "nina.new@example.org" for m in smtp_server.messages)
    assert all(SET_PASSWORD_LINK.search(m.get_payload()) for m in smtp_server.messages)
    latest = nina.history.order_by("-history_date").first()
    assert latest.history_user == personas.authority_administrator
