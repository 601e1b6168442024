"""Re-authentication before the sensitive steps: a QA sign-off, a bulk export (a ZIP of PEPs, a
CSV of many children) and a subject access export. A session that has not confirmed who it is
recently is sent to give the password and a code again, then comes back and the step finishes
with what was typed; a session that confirmed recently goes straight through. Each bulk export
is shown to the authority's virtual school head, who cannot undo it."""

import datetime as dt
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from pep_portal.accounts.roles import Role
from pep_portal.audit.models import AuditAction, AuditEvent
from pep_portal.security.models import AuthoritySecurity, SensitiveAction, SensitiveActionKind
from pep_portal.security.signin import AUTHENTICATED_AT
from peps.models import PepStatus
from peps.services import pep_record_meeting_held, pep_submit
from quality_assurance.models import QaDecision, QaReview
from quality_assurance.services import framework_for
from tests.factories import PASSWORD, UserFactory
from tests.peps.fixtures import everything_done
from tests.second_factor import backup_code_for

CONFIRM = reverse("confirm_identity")
HELD = dt.date(2026, 11, 10)


def make_stale(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    """Signed in (password and code) a while ago: longer ago than a sensitive step allows."""
    session = client.session
    session[AUTHENTICATED_AT] = time.time() - settings.RECENT_AUTHENTICATION_SECONDS - 5
    session.save()


def confirm(client: Client, location: str, user) -> str:  # type: ignore[no-untyped-def]
    """On the confirm page the step sent us to: password and a code again. Returns where the
    page sends us back to."""
    assert location.startswith(CONFIRM), location
    page = client.get(location)
    assert page.status_code == 200
    assert "Confirm it is you" in page.content.decode()
    back = parse_qs(urlsplit(location).query)["next"][0]
    response = client.post(
        location, {"password": PASSWORD, "code": backup_code_for(user.email), "next": back}
    )
    assert response.status_code == 302
    assert response["Location"] == back
    return back


@pytest.fixture
def head(personas):  # type: ignore[no-untyped-def]
    head = UserFactory.for_role(
        Role.VIRTUAL_SCHOOL_STAFF,
        authority=personas.authority,
        full_name="Hedda Head",
        email="hedda.head@example.org",
    )
    AuthoritySecurity.objects.create(authority=personas.authority, virtual_school_head=head)
    return head


# Quality assurance sign-off ------------------------------------------------------------------


@pytest.fixture
def submitted(personas, pep_setting):  # type: ignore[no-untyped-def]
    everything_done(personas, pep_setting)
    pep_record_meeting_held(actor=personas.social_worker, pep=pep_setting.pep, held_on=HELD)
    return pep_submit(actor=personas.social_worker, pep=pep_setting.pep)


def review_answers(pep, decision: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    framework = framework_for(pep.child.authority)
    answers = {f"criterion_{c.pk}": "good" for c in framework.criteria.filter(active=True)}
    if framework.one_level_allowance is None:
        answers["overall"] = "good"
    return {
        **answers,
        "feedback_to_teacher": "Targets are specific — well done.",
        "feedback_to_social_worker": "Thorough care section.",
        "decision": decision,
        "changes_needed": "",
        # A sign-off is sent from its check page ("Sign off the PEP").
        **({"confirm": "yes"} if decision == QaDecision.SIGNED_OFF else {}),
    }


def test_a_stale_sign_off_is_confirmed_then_finished_with_what_was_typed(
    client, personas, submitted, settings
):
    staff = personas.virtual_school_staff
    client.force_login(staff)
    make_stale(client, settings)
    url = reverse("qa_review", args=[submitted.pk])
    response = client.post(url, review_answers(submitted, QaDecision.SIGNED_OFF))
    # Not signed off yet: sent to confirm who they are.
    submitted.refresh_from_db()
    assert submitted.status == PepStatus.SUBMITTED
    assert not QaReview.objects.filter(pep=submitted).exists()
    back = confirm(client, response["Location"], staff)
    assert back.startswith(url + "?resume=")
    finished = client.get(back)
    assert finished.status_code == 302
    assert finished["Location"] == reverse("qa_queue")
    submitted.refresh_from_db()
    assert submitted.status == PepStatus.SIGNED_OFF
    done = QaReview.objects.get(pep=submitted)
    assert done.decision == QaDecision.SIGNED_OFF
    assert done.feedback_to_teacher == "Targets are specific — well done."
    assert done.feedback_to_social_worker == "Thorough care section."
    # The kept answers are used once: the same link again only shows the page.
    assert client.get(back).status_code == 200
    assert QaReview.objects.filter(pep=submitted).count() == 1


def test_a_fresh_sign_off_goes_straight_through(client, personas, submitted):
    client.force_login(personas.virtual_school_staff)
    response = client.post(
        reverse("qa_review", args=[submitted.pk]),
        review_answers(submitted, QaDecision.SIGNED_OFF),
    )
    assert response["Location"] == reverse("qa_queue")
    submitted.refresh_from_db()
    assert submitted.status == PepStatus.SIGNED_OFF


def test_returning_a_pep_is_not_a_sign_off_and_needs_no_confirmation(
    client, personas, submitted, settings
):
    client.force_login(personas.virtual_school_staff)
    make_stale(client, settings)
    answers = review_answers(submitted, QaDecision.RETURNED)
    answers["changes_needed"] = "Add the reading age."
    response = client.post(reverse("qa_review", args=[submitted.pk]), answers)
    assert response["Location"] == reverse("qa_queue")
    assert QaReview.objects.get(pep=submitted).decision == QaDecision.RETURNED


def test_kept_answers_are_finished_only_by_their_own_token_after_confirming(
    client, personas, submitted, settings
):
    staff = personas.virtual_school_staff
    client.force_login(staff)
    make_stale(client, settings)
    url = reverse("qa_review", args=[submitted.pk])
    response = client.post(url, review_answers(submitted, QaDecision.SIGNED_OFF))
    back = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    # Before confirming, the way back finishes nothing: it only shows the page.
    assert client.get(back).status_code == 200
    assert not QaReview.objects.filter(pep=submitted).exists()
    confirm(client, response["Location"], staff)
    # Another token, or the token on another page, finishes nothing.
    assert client.get(url + "?resume=not-the-token").status_code == 200
    other = reverse("qa_review", args=[submitted.pk + 1000])
    assert client.get(other + back[len(url) :]).status_code == 404
    assert not QaReview.objects.filter(pep=submitted).exists()
    assert client.get(back).status_code == 302
    assert QaReview.objects.filter(pep=submitted).count() == 1


# A bulk ZIP of PEPs ----------------------------------------------------------------------------


def zip_answers(personas) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "school_urn": personas.designated_teacher.school.urn,
        "academic_year": 2026,
        "term": "autumn",
    }


def test_a_stale_bulk_zip_is_confirmed_then_made_and_shown_to_the_head(
    client, personas, submitted, settings, head, django_capture_on_commit_callbacks
):
    staff = personas.virtual_school_staff
    client.force_login(staff)
    client.post(
        reverse("qa_review", args=[submitted.pk]),
        review_answers(submitted, QaDecision.SIGNED_OFF),
    )
    make_stale(client, settings)
    response = client.post(reverse("pep_pdf_bulk"), zip_answers(personas))
    assert not SensitiveAction.objects.filter(kind=SensitiveActionKind.BULK_EXPORT).exists()
    back = confirm(client, response["Location"], staff)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        finished = client.get(back)
    assert finished.status_code == 302
    assert finished["Location"].startswith("/peps/pdf/bulk/")
    action = SensitiveAction.objects.get(kind=SensitiveActionKind.BULK_EXPORT)
    assert action.actor == staff and action.authority == personas.authority
    school = personas.designated_teacher.school
    assert action.detail == f"ZIP of 1 PEP PDF: {school.name} (URN {school.urn}), Autumn 2026-27"
    told = [m for m in mail.outbox if m.to == [head.email]]
    assert len(told) == 1
    assert "/security/actions/" in told[0].body
    assert submitted.child.legal_first_name not in told[0].body
    # The head sees it, and cannot undo it (an export has already left).
    client.force_login(head)
    page = client.get(reverse("sensitive_actions")).content.decode()
    assert "Bulk export of children&#x27;s records" in page
    assert "Cannot be undone" in page
    client.post(reverse("sensitive_action_undo", args=[action.pk]))
    action.refresh_from_db()
    assert action.undone_at is None
    staff.refresh_from_db()
    assert staff.is_active


def test_a_fresh_bulk_zip_goes_straight_through(client, personas, submitted):
    client.force_login(personas.virtual_school_staff)
    client.post(
        reverse("qa_review", args=[submitted.pk]),
        review_answers(submitted, QaDecision.SIGNED_OFF),
    )
    response = client.post(reverse("pep_pdf_bulk"), zip_answers(personas))
    assert response["Location"].startswith("/peps/pdf/bulk/")
    assert SensitiveAction.objects.filter(kind=SensitiveActionKind.BULK_EXPORT).count() == 1


def test_choosing_what_goes_in_a_zip_needs_no_confirmation(client, personas, settings):
    client.force_login(personas.virtual_school_staff)
    make_stale(client, settings)
    assert client.get(reverse("pep_pdf_bulk")).status_code == 200


# CSV exports of many children -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "url", "query", "what"),
    [
        (
            "virtual_school_staff",
            "pp_export",
            {"year": "2026", "kind": "children"},
            "CSV of Pupil Premium Plus by-child, 2026 to 2027",
        ),
        ("authority_administrator", "audit_export", {"action": "sign_in"}, "CSV of the audit log"),
    ],
)
def test_a_stale_csv_export_is_confirmed_then_downloaded(
    client, personas, settings, head, persona, url, query, what
):
    user = getattr(personas, persona)
    client.force_login(user)
    make_stale(client, settings)
    response = client.get(reverse(url), query)
    assert response.status_code == 302
    back = confirm(client, response["Location"], user)
    # Back to the same export, with the same choices.
    assert urlsplit(back).path == reverse(url)
    assert {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()} == query
    download = client.get(back)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    action = SensitiveAction.objects.get(kind=SensitiveActionKind.BULK_EXPORT)
    assert action.actor == user
    assert action.detail.startswith(what)
    # Fresh now: the next export goes straight through, and is recorded again.
    assert client.get(reverse(url), query).status_code == 200
    assert SensitiveAction.objects.filter(kind=SensitiveActionKind.BULK_EXPORT).count() == 2


# Subject access ---------------------------------------------------------------------------------


@pytest.fixture
def administrator(personas):  # type: ignore[no-untyped-def]
    admin = personas.virtual_school_staff
    admin.is_vs_administrator = True
    admin.save()
    return admin


def test_a_stale_subject_access_export_is_confirmed_then_started(
    client, administrator, pep_setting, settings
):
    client.force_login(administrator)
    make_stale(client, settings)
    child = pep_setting.child
    response = client.post(reverse("subject_access_start", args=[child.pk]))
    assert not AuditEvent.objects.filter(action=AuditAction.SUBJECT_ACCESS_REQUESTED).exists()
    back = confirm(client, response["Location"], administrator)
    finished = client.get(back)
    assert finished.status_code == 302
    assert finished["Location"].startswith("/subject-access/")
    asked = AuditEvent.objects.get(action=AuditAction.SUBJECT_ACCESS_REQUESTED)
    assert asked.child_id == child.pk and asked.actor == administrator


def test_a_fresh_subject_access_export_starts_at_once(client, administrator, pep_setting):
    client.force_login(administrator)
    response = client.post(reverse("subject_access_start", args=[pep_setting.child.pk]))
    assert response["Location"].startswith("/subject-access/")
    assert AuditEvent.objects.filter(action=AuditAction.SUBJECT_ACCESS_REQUESTED).count() == 1
