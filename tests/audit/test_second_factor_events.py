"""Second-factor events in the audit log, searchable by the authority's administrators at
/audit/: an authenticator app or security key added, backup codes replaced, a wrong code, an
administrator's reset, and a sign-in from a browser not seen before. These tests sign in
through the real pages."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from pep_portal.audit.models import AuditAction, AuditEvent
from pep_portal.security import services
from tests.second_factor import sign_in_verified
from tests.security.test_second_factor import VERIFY, code_now, password_only, set_up_app

pytestmark = pytest.mark.second_factor_by_hand


def events_of(user, action: AuditAction) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(AuditEvent.objects.filter(action=action, target_id=str(user.pk)))


def test_setting_up_an_app_and_new_backup_codes_are_audited(client, personas):
    worker = personas.social_worker
    password_only(client, worker)
    set_up_app(client, worker)
    [added] = events_of(worker, AuditAction.SECOND_FACTOR_ADDED)
    assert added.actor == worker
    assert added.authority_id == personas.authority.pk
    assert added.target_type == "user"
    assert added.detail == {"kind": "authenticator app", "replaced": False}
    assert client.post(reverse("second_factor_new_backup_codes")).status_code == 302
    [replaced] = events_of(worker, AuditAction.BACKUP_CODES_REPLACED)
    assert replaced.actor == worker
    # No code or secret is ever written into the log.
    codes = set(StaticToken.objects.filter(device__user=worker).values_list("token", flat=True))
    assert codes and not any(code in str(e.detail) for e in [added, replaced] for code in codes)


def test_a_wrong_code_and_a_new_browser_are_audited(client, personas):
    worker = personas.social_worker
    password_only(client, worker)
    device, _ = set_up_app(client, worker)  # the first browser: alerts nobody
    assert events_of(worker, AuditAction.NEW_DEVICE_SIGN_IN) == []

    other = Client()
    password_only(other, worker)
    wrong = "000000" if code_now(device) != "000000" else "111111"
    other.post(VERIFY, {"code": wrong})
    [failed] = events_of(worker, AuditAction.SECOND_FACTOR_FAILED)
    assert failed.actor == worker and failed.detail == {"reason": "wrong code"}
    # Wrong codes slow the next attempt down: that refusal is audited too.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=5, throttling_failure_timestamp=timezone.now()
    )
    assert other.post(VERIFY, {"code": code_now(device)}).status_code == 429
    reasons = [e.detail["reason"] for e in events_of(worker, AuditAction.SECOND_FACTOR_FAILED)]
    assert sorted(reasons) == ["too many wrong codes", "wrong code"]
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    # The next time step's code: the current one was used to set the app up (never twice).
    next_code = totp(device.bin_key, step=device.step, t0=device.t0, digits=6, drift=1)
    assert other.post(VERIFY, {"code": f"{next_code:06d}"}).status_code == 302
    [new_browser] = events_of(worker, AuditAction.NEW_DEVICE_SIGN_IN)
    assert new_browser.actor == worker


def test_an_administrators_reset_is_audited_under_the_person(client, personas):
    worker = personas.social_worker
    TOTPDevice.objects.create(user=worker, name="Authenticator app", confirmed=True)
    admin = personas.authority_administrator
    sign_in_verified(client, admin)
    client.post(reverse("person_second_factor_reset", args=[worker.pk]))
    [reset] = events_of(worker, AuditAction.SECOND_FACTOR_RESET)
    assert reset.actor == admin
    assert reset.authority_id == personas.authority.pk


def test_a_security_key_added_is_audited(personas, rf):
    worker = personas.social_worker
    generation = worker.session_generation
    services.second_factor_key_added(user=worker, request=rf.post("/"))
    [added] = events_of(worker, AuditAction.SECOND_FACTOR_ADDED)
    assert added.detail == {"kind": "security key"}
    worker.refresh_from_db()
    assert worker.session_generation == generation + 1  # every other session ends


def test_the_authority_administrator_finds_them_at_audit(client, personas):
    worker = personas.social_worker
    password_only(client, worker)
    set_up_app(client, worker)
    admin = Client()
    sign_in_verified(admin, personas.authority_administrator)
    page = admin.get(
        reverse("audit_search"), {"person": worker.email, "action": "second_factor_added"}
    ).content.decode()
    assert "Second factor added" in page
    assert worker.full_name in page
    # Another authority's administrator-level staff see none of it.
    southam = Client()
    sign_in_verified(southam, personas.other_authority_virtual_school_staff)
    response = southam.get(reverse("audit_search"), {"action": "second_factor_added"})
    assert response.status_code == 403 or "Second factor added" not in response.content.decode()


def test_removing_a_security_key_is_audited_and_the_last_one_is_kept(client, personas):
    from django_otp_webauthn.models import WebAuthnCredential

    worker = personas.social_worker  # always needs a second factor

    def key(n: int) -> WebAuthnCredential:
        return WebAuthnCredential.objects.create(
            user=worker,
            name=f"Key {n}",
            confirmed=True,
            credential_id=bytes([n]) * 16,
            public_key=b"k",
            sign_count=0,
        )

    first, second = key(1), key(2)
    sign_in_verified(client, worker)
    assert client.post(reverse("second_factor_key_remove", args=[first.pk])).status_code == 302
    assert not WebAuthnCredential.objects.filter(pk=first.pk).exists()
    [removed] = events_of(worker, AuditAction.SECOND_FACTOR_REMOVED)
    assert removed.actor == worker and removed.detail == {"kind": "security key"}
    # The last one (backup codes are not a second factor by themselves) stays.
    page = client.post(reverse("second_factor_key_remove", args=[second.pk]), follow=True)
    assert "add another key before you remove your last one" in page.content.decode()
    assert WebAuthnCredential.objects.filter(pk=second.pk).exists()
    # Someone else's key is refused.
    other = key(3)
    other.user = personas.designated_teacher
    other.save()
    assert client.post(reverse("second_factor_key_remove", args=[other.pk])).status_code == 403
    assert len(events_of(worker, AuditAction.SECOND_FACTOR_REMOVED)) == 1
