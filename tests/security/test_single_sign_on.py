"""Single sign-on against a real OpenID Connect provider: django-oidc-provider served by its
own Django process (tests/oidc_provider_site) on a free port, with its own database. Nothing of
mozilla-django-oidc is mocked: the portal redirects, the provider signs the person in and sends
them back with a code, the portal exchanges it over HTTP and checks the ID token's signature
against the provider's published keys."""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import requests

from pep_portal.security.models import SingleSignOnProvider
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.smoke,
    pytest.mark.django_db(transaction=True),
    pytest.mark.second_factor_by_hand,
]

ROOT = Path(__file__).resolve().parents[2]
SECRET_ENV = "PEP_TEST_SSO_CLIENT_SECRET"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def provider(live_server):  # type: ignore[no-untyped-def]
    """The provider process, its database made and dropped here."""
    base_db = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pep_portal")
    parts = urlsplit(base_db)
    db_name = f"{parts.path.lstrip('/')}_oidc_op"
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    port = free_port()
    secret = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider_site.settings",
        "OP_DATABASE_URL": parts._replace(path=f"/{db_name}").geturl(),
        "OP_SITE_URL": f"http://127.0.0.1:{port}",
        "OP_CLIENT_SECRET": secret,
        "OP_REDIRECT_URI": f"{live_server.url}/account/sso/callback/",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    django = [sys.executable, "-m", "django"]
    subprocess.run([*django, "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
    setup = (ROOT / "tests/oidc_provider_site/setup.py").read_text()
    subprocess.run([*django, "shell", "-c", setup], env=env, cwd=ROOT, check=True)
    server = subprocess.Popen(
        [*django, "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/openid"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            pytest.fail("the OpenID Connect provider did not start")
        yield {"base": base, "secret": secret}
    finally:
        server.terminate()
        server.wait(timeout=20)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


@pytest.fixture
def configured(provider, personas, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(SECRET_ENV, provider["secret"])
    discovery = requests.get(
        f"{provider['base']}/.well-known/openid-configuration", timeout=10
    ).json()
    return SingleSignOnProvider.objects.create(
        authority=personas.authority,
        name="Northam staff sign-in",
        issuer=discovery["issuer"],
        authorization_endpoint=discovery["authorization_endpoint"],
        token_endpoint=discovery["token_endpoint"],
        jwks_endpoint=discovery["jwks_uri"],
        client_id="pep-portal",
        client_secret_source=f"env:{SECRET_ENV}",
        email_domains="northam.gov.example",
    )


def sign_in_at_provider(live_server, configured, email: str) -> tuple[requests.Session, str]:  # type: ignore[no-untyped-def]
    """Follow the whole journey as a browser would; the URL it ends on."""
    browser = requests.Session()
    login_page = browser.get(f"{live_server.url}/account/sign-in/")
    assert "/account/sso/" in login_page.text
    choose = browser.get(f"{live_server.url}/account/sso/")
    assert "Sign in with Northam staff sign-in (Northam Council)" in choose.text
    provider_login = browser.get(f"{live_server.url}/account/sso/{configured.pk}/")
    assert "/accounts/login/" in provider_login.url
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', provider_login.text)
    landed = browser.post(
        provider_login.url,
        data={
            "csrfmiddlewaretoken": token.group(1),
            "username": email,
            "password": "provider-password",
            "next": re.search(r'name="next" value="([^"]*)"', provider_login.text)
            .group(1)
            .replace("&amp;", "&"),
        },
    )
    return browser, landed.url


def test_single_sign_on_signs_in_an_account_matched_by_verified_email(
    live_server, configured, personas
):
    worker = UserFactory(
        email="alice.social@northam.gov.example",
        full_name="Alice Northam",
        authority=personas.authority,
    )
    browser, url = sign_in_at_provider(live_server, configured, worker.email)
    # Signed in; a social worker still gives the second factor (the provider's sign-in does
    # not count unless the authority says so and the token says a second factor was used).
    assert url.startswith(f"{live_server.url}/account/two-factor/")
    session_key = browser.cookies.get("sessionid")
    from django.contrib.sessions.backends.db import SessionStore

    assert SessionStore(session_key).get("_auth_user_id") == str(worker.pk)


def test_single_sign_on_refuses_an_address_with_no_account_and_creates_none(
    live_server, configured
):
    from pep_portal.accounts.models import User

    before = User.objects.count()
    browser, url = sign_in_at_provider(live_server, configured, "stranger@northam.gov.example")
    assert url == f"{live_server.url}/account/sso/refused/"
    page = browser.get(url)
    assert page.status_code == 403
    assert "never creates one" in page.text
    assert User.objects.count() == before
    assert browser.get(f"{live_server.url}/").url.startswith(f"{live_server.url}/account/sign-in/")


def test_single_sign_on_refuses_an_address_the_provider_has_not_verified(
    live_server, configured, personas
):
    UserFactory(email="una.verified@northam.gov.example", authority=personas.authority)
    _, url = sign_in_at_provider(live_server, configured, "una.verified@northam.gov.example")
    assert url == f"{live_server.url}/account/sso/refused/"


@pytest.mark.parametrize(
    ("claims", "second_factor"),
    [
        ({"amr": ["pwd"]}, False),
        ({}, False),
        ({"amr": ["pwd", "mfa"]}, True),
        ({"amr": ["hwk"]}, True),
        ({"acr": "http://schemas.openid.net/pape/policies/2007/06/multi-factor"}, True),
        ({"acr": "1"}, False),
    ],
)
def test_only_a_token_that_says_a_second_factor_was_used_counts_as_one(claims, second_factor):
    from pep_portal.security.oidc import claims_say_mfa

    assert claims_say_mfa(claims) is second_factor
