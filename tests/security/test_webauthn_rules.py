"""The rules around security keys that the browser test does not reach: adding one to an
account that already has a second factor needs a recent password and code, and a key never
signs anyone in by itself."""

import time

import pytest
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

from tests.second_factor import sign_in_verified

pytestmark = pytest.mark.second_factor_by_hand

BEGIN = reverse("otp_webauthn:credential-registration-begin")


def test_adding_a_key_needs_a_recent_password_and_code(client, personas, settings):
    sign_in_verified(client, personas.social_worker)  # has the suite's backup codes
    session = client.session
    session["pep_authenticated_at"] = time.time() - settings.RECENT_AUTHENTICATION_SECONDS - 1
    session.save()
    refused = client.post(BEGIN, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "recent_authentication_needed"
    session = client.session
    session["pep_authenticated_at"] = time.time()
    session.save()
    allowed = client.post(BEGIN, content_type="application/json")
    assert allowed.status_code == 200
    assert allowed.json()["rp"]["id"] == "pep-portal.test"  # PORTAL_BASE_URL's host


def test_passwordless_sign_in_with_a_key_is_off(client, db, settings):
    assert settings.OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN is False
    response = client.post(
        reverse("otp_webauthn:credential-authentication-begin"), content_type="application/json"
    )
    assert response.status_code == 403
    assert not WebAuthnCredential.objects.exists()
