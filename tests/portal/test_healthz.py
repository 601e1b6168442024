"""/healthz against the real services, and against broken ones in a separate process (so the
outage is real, not a mock)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_healthy_when_database_and_redis_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def healthz_in_subprocess(**env: str) -> tuple[int, dict[str, object]]:
    script = (
        "import json, django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code); print(r.content.decode())"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pep_portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "testserver",
        "STATIC_MANIFEST": "false",
        "SECURE_SSL_REDIRECT": "false",
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
    status, body = done.stdout.strip().splitlines()[-2:]
    return int(status), json.loads(body)


@pytest.mark.smoke
def test_unhealthy_when_the_database_is_down():
    status, body = healthz_in_subprocess(
        DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere", REDIS_URL=""
    )
    assert status == 503
    assert body["checks"]["database"] == "unavailable"
    assert "127.0.0.1" not in json.dumps(body)  # no hostnames or errors leak


@pytest.mark.smoke
def test_unhealthy_when_redis_is_down(tmp_path):
    status, body = healthz_in_subprocess(
        DATABASE_URL=f"sqlite:///{tmp_path / 'h.sqlite3'}", REDIS_URL="redis://127.0.0.1:1/0"
    )
    assert status == 503
    assert body["checks"] == {"database": "ok", "redis": "unavailable"}


@pytest.mark.smoke
def test_redis_not_configured_is_not_a_failure(tmp_path):
    status, body = healthz_in_subprocess(
        DATABASE_URL=f"sqlite:///{tmp_path / 'h.sqlite3'}", REDIS_URL="", CELERY_BROKER_URL=""
    )
    assert status == 200
    assert body["checks"]["redis"] == "not configured"
