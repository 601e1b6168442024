"""Headers every response carries (issue 12, defect 15): a Permissions-Policy that turns off
the browser features the portal never uses, and no Server header naming gunicorn."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
DENIED = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth"]


def assert_permissions_policy(value: str) -> None:
    features = dict(item.strip().split("=", 1) for item in value.split(","))
    for feature in DENIED:
        assert features[feature] == "()", feature
    # Passkeys (issue 17) will need WebAuthn on the portal's own pages, and only there.
    assert features["publickey-credentials-get"] == "(self)"
    assert features["publickey-credentials-create"] == "(self)"


@pytest.mark.parametrize(
    "path",
    [
        reverse("login"),  # a page
        reverse("home"),  # a redirect to sign in
        "/no-such-page/",  # an error page
        "/static/govuk/VERSION.md",  # a static file, served by WhiteNoise
        "/healthz",
    ],
)
def test_defect_15_every_response_has_a_permissions_policy(client, db, path):
    response = client.get(path)
    assert "Permissions-Policy" in response, f"{path} ({response.status_code})"
    assert_permissions_policy(response["Permissions-Policy"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str]]:
    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=5) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}


@pytest.mark.smoke
def test_defect_15_gunicorn_sends_no_server_header(tmp_path):
    """Real gunicorn, as docker-compose starts it, with production settings."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pep_portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-production-secret-" + "k7Qx" * 10,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "REDIS_URL": "",
        "STATIC_MANIFEST": "false",
        "BEHIND_TLS_PROXY": "true",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "pep_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        while True:
            try:
                status, headers = fetch(
                    f"{base}/account/sign-in/", **{"X-Forwarded-Proto": "https"}
                )
                break
            except OSError:
                if server.poll() is not None or time.monotonic() - started > 30:
                    pytest.fail(
                        "gunicorn did not start:\n" + (tmp_path / "gunicorn.log").read_text()
                    )
                time.sleep(0.3)
        assert status == 200
        assert "server" not in headers, headers.get("server")
        assert_permissions_policy(headers["permissions-policy"])
        # Plain HTTP is redirected to HTTPS before any view runs: still no Server, still a policy.
        status, headers = fetch(f"{base}/account/sign-in/")
        assert status == 301
        assert "server" not in headers, headers.get("server")
        assert_permissions_policy(headers["permissions-policy"])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        log.close()
