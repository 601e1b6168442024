"""The portal's operators use Django admin, but must not read anyone's second-factor secrets:
django-otp's own admin pages would show an authenticator's key and unused backup codes."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from pep_portal.accounts.models import User

pytestmark = pytest.mark.django_db

KEY = "3132333435363738393031323334353637383930"  # the RFC 6238 test secret, in hex
BACKUP_CODE = "zq7tk4mb"


@pytest.fixture
def operator_browser() -> Client:
    operator = User.objects.create_superuser(
        "operator@example.org", "operator-pass-1234", full_name="Op Erator"
    )
    browser = Client()
    browser.force_login(operator)
    return browser


@pytest.fixture
def person(personas) -> User:  # type: ignore[no-untyped-def]
    person = personas.social_worker
    TOTPDevice.objects.create(user=person, name="Phone", key=KEY, confirmed=True)
    codes = StaticDevice.objects.create(user=person, name="Backup codes", confirmed=True)
    codes.token_set.create(token=BACKUP_CODE)
    return person


def test_operators_see_whose_factor_it_is_but_never_its_secret(operator_browser, person):
    totp = TOTPDevice.objects.get(user=person)
    codes = StaticDevice.objects.get(user=person, name="Backup codes")
    pages = [
        reverse("admin:otp_totp_totpdevice_changelist"),
        reverse("admin:otp_totp_totpdevice_change", args=[totp.pk]),
        reverse("admin:otp_static_staticdevice_changelist"),
        reverse("admin:otp_static_staticdevice_change", args=[codes.pk]),
    ]
    for url in pages:
        response = operator_browser.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert person.email in page, url
        assert KEY not in page and KEY.upper() not in page, url
        assert BACKUP_CODE not in page, url
    # The QR code page of django-otp's TOTP admin (which shows the key) is gone too.
    qr = operator_browser.get(f"/admin/otp_totp/totpdevice/{totp.pk}/config/")
    assert qr.status_code in (302, 404)


def test_operators_cannot_change_or_delete_a_factor_in_admin(operator_browser, person):
    totp = TOTPDevice.objects.get(user=person)
    delete = reverse("admin:otp_totp_totpdevice_delete", args=[totp.pk])
    response = operator_browser.post(delete, {"post": "yes"})
    assert response.status_code == 403
    change = reverse("admin:otp_totp_totpdevice_change", args=[totp.pk])
    operator_browser.post(change, {"user": person.pk, "name": "Changed", "key": "00" * 20})
    totp.refresh_from_db()
    assert (totp.name, totp.key) == ("Phone", KEY)
