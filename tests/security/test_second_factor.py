"""A password alone reaches no page; the second step is an authenticator app's code or a
single-use backup code. These tests sign in through the real pages (no verified shortcut)."""

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from pep_portal.accounts.models import User
from pep_portal.accounts.roles import Role
from pep_portal.security.models import AuthoritySecurity
from tests.factories import PASSWORD
from tests.second_factor import sign_in_verified

pytestmark = pytest.mark.second_factor_by_hand

SIGN_IN = reverse("login")
VERIFY = reverse("second_factor_verify")
SET_UP = reverse("second_factor_set_up")
# A page of each kind a signed-in person may open: their home and the people list.
PAGES = [reverse("home"), reverse("people_list"), reverse("password_change")]


def password_only(client: Client, user: User) -> None:
    response = client.post(SIGN_IN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302


def code_now(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def set_up_app(client: Client, user: User) -> tuple[TOTPDevice, list[str]]:
    """Through the enrolment page: scan (read the secret), enter the code, see backup codes."""
    page = client.get(SET_UP)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SET_UP, {"code": code_now(device)})
    assert response["Location"] == reverse("second_factor_backup_codes")
    codes_page = client.get(reverse("second_factor_backup_codes")).content.decode()
    codes = re.findall(r"<code>([a-z0-9]+)</code>", codes_page)
    device.refresh_from_db()
    return device, codes


ALWAYS = [
    "social_worker",
    "virtual_school_staff",
    "independent_reviewing_officer",
    "authority_administrator",
]
OFFERED = ["designated_teacher", "delegated_school_staff", "carer"]


@pytest.mark.parametrize("who", ALWAYS)
def test_a_password_alone_reaches_no_page_for_staff_who_need_a_second_factor(client, personas, who):
    password_only(client, getattr(personas, who))
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(VERIFY), url
    # With nothing set up yet, the second step is setting one up.
    assert client.get(VERIFY)["Location"].startswith(SET_UP)


def test_a_password_alone_reaches_no_page_for_a_superuser(client, db):
    operator = User.objects.create_superuser("operator@example.org", PASSWORD, full_name="Op")
    password_only(client, operator)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


@pytest.mark.parametrize("who", OFFERED)
def test_teachers_delegated_staff_and_carers_need_no_second_factor_unless_the_authority_says(
    client, personas, who
):
    user = getattr(personas, who)
    password_only(client, user)
    assert client.get(reverse("home")).status_code == 200
    client.logout()
    AuthoritySecurity.objects.create(authority=personas.authority, second_factor_for_everyone=True)
    password_only(client, user)
    response = client.get(reverse("home"))
    assert response["Location"].startswith(VERIFY)


def test_someone_who_set_up_a_second_factor_always_uses_it(client, personas):
    carer = personas.carer
    TOTPDevice.objects.create(user=carer, name="Authenticator app", confirmed=True)
    password_only(client, carer)
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)


def test_setting_up_an_app_then_signing_in_with_its_code(client, personas):
    worker = personas.social_worker
    password_only(client, worker)
    set_up_page = client.get(SET_UP).content.decode()
    # The QR code is inline SVG (no script, no image from elsewhere) and the key is shown too.
    assert "<svg" in set_up_page and 'id="secret-key"' in set_up_page
    wrong = client.post(SET_UP, {"code": "000000"})
    assert wrong.status_code == 200
    assert "Enter the 6-digit code" in wrong.content.decode()
    device, codes = set_up_app(client, worker)
    assert device.confirmed
    assert len(codes) == 10
    assert client.get(reverse("home")).status_code == 200
    # The codes are shown once only.
    assert client.get(reverse("second_factor_backup_codes"))["Location"] == reverse(
        "second_factor_manage"
    )

    other = Client()
    password_only(other, worker)
    assert other.get(reverse("home"))["Location"].startswith(VERIFY)
    refused = other.post(VERIFY, {"code": "123456"})
    assert refused.status_code == 200
    assert "The code is not right" in refused.content.decode()
    assert other.get(reverse("home")).status_code == 302
    # As if the wait after the wrong code had passed, and the app had moved to its next code
    # (the one used at set-up is never accepted twice).
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    for throttled in (device, StaticDevice.objects.get(user=worker)):
        throttled.throttle_reset()
    response = other.post(VERIFY, {"code": code_now(device)})
    assert response["Location"] == reverse("home")
    assert other.get(reverse("home")).status_code == 200


def test_a_backup_code_works_once(client, personas):
    worker = personas.social_worker
    password_only(client, worker)
    _, codes = set_up_app(client, worker)

    first = Client()
    password_only(first, worker)
    assert first.post(VERIFY, {"code": codes[0]})["Location"] == reverse("home")
    assert first.get(reverse("home")).status_code == 200

    second = Client()
    password_only(second, worker)
    reused = second.post(VERIFY, {"code": codes[0]})
    assert reused.status_code == 200
    assert "has been used" in reused.content.decode()
    assert second.get(reverse("home")).status_code == 302
    assert StaticDevice.objects.get(user=worker).token_set.count() == 9


def test_repeated_wrong_codes_are_slowed_down(client, personas):
    worker = personas.social_worker
    password_only(client, worker)
    _, codes = set_up_app(client, worker)
    other = Client()
    password_only(other, worker)
    assert other.post(VERIFY, {"code": "zzzzzzzz"}).status_code == 200
    # Even the right code waits once failures pile up (django-otp's throttling).
    response = other.post(VERIFY, {"code": codes[1]})
    assert response.status_code == 429
    assert other.get(reverse("home")).status_code == 302


def test_a_password_reset_never_signs_in_nor_skips_the_second_factor(
    client, personas, django_capture_on_commit_callbacks
):
    worker = personas.social_worker
    TOTPDevice.objects.create(user=worker, name="Authenticator app", confirmed=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": worker.email})
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0).split("pep-portal.test")[1]
    form_url = client.get(link)["Location"]
    new_password = "a-brand-new-long-passphrase"
    done = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    # Not signed in by the reset.
    assert client.get(reverse("home"))["Location"].startswith(SIGN_IN)
    client.post(SIGN_IN, {"username": worker.email, "password": new_password})
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)


def test_remember_this_browser_only_where_the_authority_allows(client, personas):
    worker = personas.social_worker
    password_only(client, worker)
    _, codes = set_up_app(client, worker)
    # Not allowed: no box to tick, and the next sign-in asks again.
    fresh = Client()
    password_only(fresh, worker)
    assert "Do not ask again" not in fresh.get(VERIFY).content.decode()

    AuthoritySecurity.objects.create(authority=personas.authority, remember_device_days=7)
    browser = Client()
    password_only(browser, worker)
    assert "for 7 days" in browser.get(VERIFY).content.decode()
    browser.post(VERIFY, {"code": codes[2], "remember": "on"})
    assert "pep_remember_device" in browser.cookies
    browser.post(reverse("logout"))
    password_only(browser, worker)
    assert browser.get(reverse("home")).status_code == 200

    # Remembered browsers are forgotten when the second factor changes (the generation moves).
    User.objects.filter(pk=worker.pk).update(session_generation=worker.session_generation + 5)
    browser.cookies.pop("sessionid", None)
    password_only(browser, worker)
    assert browser.get(reverse("home"))["Location"].startswith(VERIFY)


def test_changing_the_app_needs_the_password_and_a_code_again(client, personas, settings):
    worker = personas.social_worker
    password_only(client, worker)
    _, codes = set_up_app(client, worker)
    # Just authenticated: allowed. Later: sent to confirm first.
    assert client.get(SET_UP).status_code == 200
    session = client.session
    session["pep_authenticated_at"] = time.time() - settings.RECENT_AUTHENTICATION_SECONDS - 1
    session.save()
    response = client.get(SET_UP)
    assert response["Location"].startswith(reverse("confirm_identity"))
    confirm = response["Location"]
    wrong = client.post(confirm, {"password": "nope", "code": codes[3]})
    assert "The password is not right" in wrong.content.decode()
    ok = client.post(confirm, {"password": PASSWORD, "code": codes[4]})
    assert ok["Location"] == SET_UP
    assert client.get(SET_UP).status_code == 200


def test_a_new_second_factor_ends_every_other_session(client, personas):
    worker = personas.social_worker
    password_only(client, worker)
    _, codes = set_up_app(client, worker)
    elsewhere = Client()
    password_only(elsewhere, worker)
    elsewhere.post(VERIFY, {"code": codes[5]})
    assert elsewhere.get(reverse("home")).status_code == 200
    assert client.post(reverse("second_factor_new_backup_codes")).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert elsewhere.get(reverse("home"))["Location"].startswith(SIGN_IN)


def test_an_administrator_resets_a_second_factor_audited_and_the_person_told(
    client, personas, django_capture_on_commit_callbacks
):
    worker = personas.social_worker
    worker_browser = Client()
    password_only(worker_browser, worker)
    set_up_app(worker_browser, worker)
    admin = personas.authority_administrator
    TOTPDevice.objects.create(user=admin, name="Authenticator app", confirmed=True)
    sign_in_verified(client, admin)
    detail = client.get(reverse("person_detail", args=[worker.pk])).content.decode()
    assert "Reset their second factor" in detail
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("person_second_factor_reset", args=[worker.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=worker).exists()
    assert not StaticDevice.objects.filter(user=worker).exists()
    # Recorded in the account's history, with who did it.
    last = worker.history.order_by("-history_date").first()
    assert last.history_user == admin
    assert last.history_change_reason == "Second factor reset"
    # The person is told, with no child's details; their sessions have ended.
    told = [m for m in mail.outbox if m.to == [worker.email]]
    assert len(told) == 1
    assert "reset the second step of signing in" in told[0].body
    assert worker_browser.get(reverse("home"))["Location"].startswith(SIGN_IN)
    # At the next sign-in they set up a new one.
    password_only(worker_browser, worker)
    assert worker_browser.get(VERIFY)["Location"].startswith(SET_UP)


def test_nobody_resets_a_second_factor_outside_their_authority(client, personas):
    sign_in_verified(client, personas.other_authority_virtual_school_staff)
    TOTPDevice.objects.create(user=personas.social_worker, name="x", confirmed=True)
    response = client.post(reverse("person_second_factor_reset", args=[personas.social_worker.pk]))
    assert response.status_code in (403, 404)
    assert TOTPDevice.objects.filter(user=personas.social_worker).exists()


def test_every_role_is_listed_as_needing_or_offered_a_second_factor():
    assert set(ALWAYS) | set(OFFERED) == {r.value for r in Role}
