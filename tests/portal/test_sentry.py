"""Optional error reporting: with SENTRY_DSN set, an error reaches the Sentry endpoint (here a
small HTTP server of the test's own that records what it is sent) without personal data: no
local variables, no query string or cookies, no user, and no e-mail address."""

import gzip
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import brotli
import pytest

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = "zara.quill@example.org"

SCRIPT = """
import django; django.setup()
import sentry_sdk
from django.test import Client
from django.urls import path
from django.http import HttpResponse

def broken(request):
    childs_name = "Zara Quill"
    raise ValueError("could not send to %s" % request.GET["to"])

from pep_portal import urls
urls.urlpatterns.append(path("broken/", broken))
Client(raise_request_exception=False).get(
    "/broken/?to=zara.quill@example.org", HTTP_HOST="127.0.0.1", secure=True,
    HTTP_COOKIE="sessionid=secret-session", HTTP_X_REQUEST_ID="req-12345678",
)
sentry_sdk.flush(timeout=10)
"""


class Recorder(http.server.BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            body = brotli.decompress(body)
        Recorder.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.smoke
def test_an_error_is_reported_without_personal_data(db):
    from django.db import connection

    database = connection.settings_dict
    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TEST_")},
        "DJANGO_SETTINGS_MODULE": "pep_portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "s" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**database),
        "REDIS_URL": "",
        "STATIC_MANIFEST": "false",
        "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/1",
    }
    try:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stderr
    sent = b"\n".join(Recorder.received).decode()
    events = [json.loads(line) for line in sent.splitlines() if '"exception"' in line]
    assert len(events) == 1, sent[:2000]
    (exception,) = events[0]["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["value"] == "could not send to [email]"
    assert events[0]["transaction"] == "/broken/"  # where it happened: the route
    assert events[0]["tags"]["request_id"] == "req-12345678"
    for secret in (ADDRESS, "Zara Quill", "secret-session", "to=zara"):
        assert secret not in sent
    assert "user" not in events[0]
