"""/healthz (liveness: the web process answers) and /readyz (readiness: the database and Redis
answer), against the real services, and against broken ones in a separate process with
production settings (so the outage is real, not a mock)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_live_and_ready_when_database_and_redis_answer(client, db):
    live = client.get("/healthz")
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    # The suite runs tasks eagerly: no worker or beat is expected (test_readiness.py has them).
    assert ready.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "redis": "ok"},
    }
    for response in (live, ready):
        assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert client.head("/healthz").status_code == 200  # some load balancers probe with HEAD
    assert client.post("/healthz").status_code == 405


def get_in_subprocess(path: str, host: str = "testserver", **env: str) -> tuple[int, str, str]:
    """GET `path` through the whole middleware stack with production settings (DEBUG off) in
    a fresh process; returns (status, Location header, body)."""
    script = (
        "import json, django; django.setup();"
        "from django.test import Client;"
        f"r = Client(raise_request_exception=False).get({path!r}, HTTP_HOST={host!r});"
        "print(json.dumps([r.status_code, r.get('Location', '-'), r.content.decode()]))"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pep_portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "pep.example.gov.uk",
        "STATIC_MANIFEST": "false",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    status, location, body = json.loads(done.stdout.strip().splitlines()[-1])
    return status, location, body


def probe(path: str, **env: str) -> tuple[int, dict[str, object]]:
    status, _, body = get_in_subprocess(path, host="pep.example.gov.uk", **env)
    return status, json.loads(body)


def migrated_database_url() -> str:
    """The test database (migrated by pytest-django), for a probe in another process."""
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


REDIS_DOWN = {"REDIS_URL": "redis://127.0.0.1:1/0", "SECURE_SSL_REDIRECT": "false"}


@pytest.mark.smoke
def test_defect_09_healthz_answers_200_when_only_redis_is_down(db):
    """A load balancer must keep a web server that still serves pages: Redis being down is
    readiness news (/readyz), not a dead process."""
    database = {"DATABASE_URL": migrated_database_url()}
    assert probe("/healthz", **database, **REDIS_DOWN) == (200, {"status": "ok"})
    status, body = probe("/readyz", **database, **REDIS_DOWN)
    assert status == 503
    # Without Redis no heartbeat can be read: the worker and beat are not known to be alive.
    assert body == {
        "status": "unavailable",
        "checks": {
            "database": "ok",
            "migrations": "ok",
            "redis": "unavailable",
            "worker": "unavailable",
            "worker-documents": "unavailable",
            "beat": "unavailable",
        },
    }
    assert "127.0.0.1" not in json.dumps(body)  # no addresses or errors leak


@pytest.mark.smoke
def test_readyz_unavailable_when_the_database_is_down():
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere", "REDIS_URL": ""}
    status, body = probe("/readyz", SECURE_SSL_REDIRECT="false", **env)
    assert status == 503
    assert body["checks"]["database"] == "unavailable"
    assert body["checks"]["migrations"] == "unavailable"  # cannot be known
    assert "127.0.0.1" not in json.dumps(body) and "nowhere" not in json.dumps(body)
    # The process itself is alive: liveness asks nothing of the database.
    assert probe("/healthz", SECURE_SSL_REDIRECT="false", **env) == (200, {"status": "ok"})


@pytest.mark.smoke
def test_redis_not_configured_is_not_a_failure(db):
    status, body = probe(
        "/readyz",
        DATABASE_URL=migrated_database_url(),
        REDIS_URL="",
        CELERY_BROKER_URL="",
        SECURE_SSL_REDIRECT="false",
    )
    assert status == 200
    assert body["checks"]["redis"] == "not configured"


@pytest.mark.smoke
def test_the_containers_own_probe_reaches_healthz_with_production_settings(tmp_path):
    """docker-compose probes http://127.0.0.1:8000/healthz from inside the container: plain
    HTTP, and a Host that is rightly not an allowed host. Liveness answers anyway; every page
    still redirects to HTTPS and still refuses a host it does not know."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite3'}", "REDIS_URL": ""}
    status, location, body = get_in_subprocess("/healthz", host="127.0.0.1:8000", **env)
    assert (status, location, json.loads(body)) == (200, "-", {"status": "ok"})
    assert get_in_subprocess("/account/sign-in/", host="127.0.0.1:8000", **env)[0] == 400
    status, location, _ = get_in_subprocess("/account/sign-in/", host="pep.example.gov.uk", **env)
    assert (status, location) == (301, "https://pep.example.gov.uk/account/sign-in/")
