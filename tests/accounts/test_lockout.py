"""Lockout on the real sign-in URL: look-alike spellings of one address, and the client's
address behind the TLS proxy (issue 12, defects 5 and 6)."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from pep_portal.accounts.lockout import username_for_lockout
from pep_portal.accounts.models import User
from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]
SIGN_IN = reverse("login")
LOCKED = "lock.tiki@example.org"

# Ways of typing lock.tiki@example.org that some layer might fold onto it.
SPELLINGS = {
    "dotless i": "lock.t\u0131ki@example.org",  # PostgreSQL's UPPER() turns U+0131 into I
    "dotted capital I": "LOCK.T\u0130K\u0130@EXAMPLE.ORG",  # PostgreSQL's LOWER() turns İ into i
    "capitals": "LOCK.TIKI@EXAMPLE.ORG",
    "spaces around": "  lock.tiki@example.org \u00a0",
    "fullwidth": "\uff4c\uff4f\uff43\uff4b\uff0e\uff54\uff49\uff4b\uff49\uff20example.org",
    "Kelvin sign": "loc\u212a.tiki@example.org",  # NFKC makes it K
    "Cyrillic e": "lock.tiki@exampl\u0435.org",  # a different address that looks the same
    "sharp s": "lock.tiki\u00df@example.org",
}


def sign_in(client, email, password=PASSWORD, **extra):  # type: ignore[no-untyped-def]
    return client.post(SIGN_IN, {"username": email, "password": password}, **extra)


def signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return "_auth_user_id" in client.session


@pytest.fixture
def tiki(db):  # type: ignore[no-untyped-def]
    return UserFactory(email=LOCKED, full_name="Lock Tiki")


@pytest.mark.parametrize("spelling", list(SPELLINGS.values()), ids=list(SPELLINGS))
def test_defect_05_lockout_counts_look_alike_addresses_as_one_account(
    client, tiki, settings, spelling
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, LOCKED, "guess")
    assert sign_in(client, LOCKED).status_code == 429  # locked, as it should be
    response = sign_in(client, spelling)  # the right password, typed another way
    assert response.status_code != 302
    assert not signed_in(client)


def test_failures_typed_in_different_spellings_share_one_counter(client, tiki, settings):
    spellings = [LOCKED, SPELLINGS["capitals"], SPELLINGS["fullwidth"], SPELLINGS["Kelvin sign"]]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, spellings[attempt % len(spellings)], "guess")
    assert sign_in(client, SPELLINGS["spaces around"]).status_code == 429
    assert not signed_in(client)


@pytest.mark.parametrize("spelling", list(SPELLINGS.values()), ids=list(SPELLINGS))
def test_lockout_and_the_database_agree_on_which_spellings_reach_the_account(tiki, spelling):
    """Whatever signs in to the account is counted against the account, and nothing else is."""
    request = RequestFactory().post(SIGN_IN, {"username": spelling, "password": PASSWORD})
    request.axes_locked_out = False
    reaches_account = authenticate(request, username=spelling, password=PASSWORD) == tiki
    counted_as_account = username_for_lockout(request, {"username": spelling}) == (
        f"account:{tiki.pk}"
    )
    assert reaches_account == counted_as_account


def test_addresses_are_stored_normalised_and_found_in_any_case(db):
    from pep_portal.accounts.addresses import normalise_email

    user = UserFactory(email="  Mixed.Case@Example.ORG ")
    user.refresh_from_db()
    assert user.email == "mixed.case@example.org"
    assert normalise_email("\uff2d\uff49\uff58\uff45\uff44.case@EXAMPLE.org") == user.email


# --- Defect 6: the client's own address behind the documented TLS proxy --------------------

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.5"
ALICE_AT_HOME = "198.51.100.7"


@pytest.fixture
def behind_proxy(settings):  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_ADDRESSES = [PROXY]


def via_proxy(client_address: str) -> dict[str, str]:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_address}


def test_defect_06_lockout_behind_the_tls_proxy_counts_each_client_address(
    client, personas, behind_proxy, settings
):
    alice = personas.social_worker.email
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, alice, "guess", **via_proxy(ATTACKER))
    # The guesser is locked out, even with the right password …
    assert sign_in(client, alice, **via_proxy(ATTACKER)).status_code == 429
    assert not signed_in(client)
    # … but Alice, coming through the same proxy from her own address, is not.
    response = sign_in(client, alice, **via_proxy(ALICE_AT_HOME))
    assert response.status_code == 302
    assert signed_in(client)


def test_a_spoofed_address_added_before_the_proxy_earns_no_more_guesses(
    client, personas, behind_proxy, settings
):
    alice = personas.social_worker.email
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The proxy appends the address it saw; whatever the client sent stays on the left.
        spoofed = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"192.0.2.{n}, {ATTACKER}"}
        sign_in(client, alice, "guess", **spoofed)
    fresh = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"192.0.2.99, {ATTACKER}"}
    assert sign_in(client, alice, **fresh).status_code == 429


def test_x_forwarded_for_from_anyone_but_the_trusted_proxy_is_ignored(
    client, personas, behind_proxy, settings
):
    alice = personas.social_worker.email
    for n in range(settings.AXES_FAILURE_LIMIT):
        direct = {"REMOTE_ADDR": ATTACKER, "HTTP_X_FORWARDED_FOR": f"192.0.2.{n}"}
        sign_in(client, alice, "guess", **direct)
    direct = {"REMOTE_ADDR": ATTACKER, "HTTP_X_FORWARDED_FOR": ALICE_AT_HOME}
    assert sign_in(client, alice, **direct).status_code == 429


def test_x_forwarded_for_is_ignored_when_not_behind_a_proxy(client, personas, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    alice = personas.social_worker.email
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, alice, "guess", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    locked = sign_in(client, alice, REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=ALICE_AT_HOME)
    assert locked.status_code == 429


def request_from(remote_addr: str, forwarded_for: str | None = None):  # type: ignore[no-untyped-def]
    meta = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("count", "trusted", "remote_addr", "forwarded_for", "expected"),
    [
        # Not behind a proxy: the socket's address, whatever the header says.
        (0, [], "203.0.113.5", "192.0.2.1", "203.0.113.5"),
        # One proxy: the address it appended.
        (1, ["10.0.0.2"], "10.0.0.2", "203.0.113.5", "203.0.113.5"),
        (1, ["10.0.0.2"], "10.0.0.2", "192.0.2.1, 203.0.113.5", "203.0.113.5"),
        (1, ["10.0.0.0/8"], "10.9.8.7", "203.0.113.5", "203.0.113.5"),
        # A connection that did not come from the proxy: the header is the client's own.
        (1, ["10.0.0.2"], "203.0.113.9", "192.0.2.1", "203.0.113.9"),
        # Two proxies (a CDN, then the load balancer): two hops back.
        (
            2,
            ["10.0.0.0/8", "198.18.0.0/15"],
            "10.0.0.2",
            "192.0.2.1, 203.0.113.5, 198.18.0.1",
            "203.0.113.5",
        ),
        # The second hop is not a trusted proxy: it is the client.
        (2, ["10.0.0.0/8"], "10.0.0.2", "192.0.2.1, 203.0.113.5", "203.0.113.5"),
        # The proxy forwarded no header: the proxy's own address (all its clients share it).
        (1, ["10.0.0.2"], "10.0.0.2", None, "10.0.0.2"),
        # Rubbish where the proxy's entry should be: never stored, never trusted.
        (1, ["10.0.0.2"], "10.0.0.2", "192.0.2.1, not-an-address", "10.0.0.2"),
        (1, ["10.0.0.2"], "10.0.0.2", "", "10.0.0.2"),
        # IPv6, written in any form, comes back in one form.
        (1, ["fd00::/8"], "fd00::2", "2001:DB8:0:0::1", "2001:db8::1"),
        # Any address counts as the proxy when none are listed.
        (1, [], "172.18.0.1", "203.0.113.5", "203.0.113.5"),
    ],
)
def test_client_ip_walks_back_through_trusted_proxies_only(
    settings, count, trusted, remote_addr, forwarded_for, expected
):
    from pep_portal.proxies import client_ip

    settings.TRUSTED_PROXY_COUNT = count
    settings.TRUSTED_PROXY_ADDRESSES = trusted
    assert client_ip(request_from(remote_addr, forwarded_for)) == expected


def settings_in_subprocess(**env: str) -> subprocess.CompletedProcess[str]:
    script = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.TRUSTED_PROXY_COUNT, settings.TRUSTED_PROXY_ADDRESSES)"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTED_PROXY")}
    environment.pop("BEHIND_TLS_PROXY", None)
    environment.update(DJANGO_SETTINGS_MODULE="pep_portal.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.smoke
def test_the_forwarded_address_is_read_only_behind_the_tls_proxy():
    assert settings_in_subprocess().stdout.split()[0] == "0"
    assert settings_in_subprocess(BEHIND_TLS_PROXY="true").stdout.split()[0] == "1"
    two = settings_in_subprocess(
        BEHIND_TLS_PROXY="true", TRUSTED_PROXY_COUNT="2", TRUSTED_PROXY_ADDRESSES="10.1.2.3"
    )
    assert two.stdout.strip() == "2 ['10.1.2.3']"
    refused = settings_in_subprocess(TRUSTED_PROXY_COUNT="1")
    assert refused.returncode != 0
    assert "TRUSTED_PROXY_COUNT needs BEHIND_TLS_PROXY=true" in refused.stderr
    typo = settings_in_subprocess(BEHIND_TLS_PROXY="true", TRUSTED_PROXY_ADDRESSES="10.0.0.300")
    assert typo.returncode != 0
    assert "'10.0.0.300' is not an IP address or network" in typo.stderr


def test_the_migration_brings_stored_addresses_to_the_normalised_form(db):
    from django.apps import apps

    migration = importlib.import_module(
        "pep_portal.accounts.migrations.0004_normalise_email_addresses"
    )
    made_in_admin = UserFactory()
    # update() bypasses save(), as rows written before the normalised form did.
    User.objects.filter(pk=made_in_admin.pk).update(email=" Made.In@Admin.EXAMPLE ")
    migration.normalise(apps, None)
    made_in_admin.refresh_from_db()
    assert made_in_admin.email == "made.in@admin.example"


def test_the_migration_stops_on_two_accounts_with_one_normalised_address(db):
    from django.apps import apps

    migration = importlib.import_module(
        "pep_portal.accounts.migrations.0004_normalise_email_addresses"
    )
    first, second = UserFactory(), UserFactory()
    User.objects.filter(pk=first.pk).update(email="ab@example.org")
    User.objects.filter(pk=second.pk).update(email="\uff41\uff42@example.org")  # fullwidth ab
    with pytest.raises(RuntimeError, match="same once normalised"):
        migration.normalise(apps, None)


@given(st.text())
def test_normalising_an_address_twice_changes_nothing(text):
    from pep_portal.accounts.addresses import normalise_email

    once = normalise_email(text)
    assert normalise_email(once) == once
