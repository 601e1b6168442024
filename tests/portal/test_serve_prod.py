"""`make serve-prod` for real: the compose file's own commands (deploy/serve_prod.py) as local
processes with production settings, against the test's PostgreSQL database and a Redis of the
test's own. It becomes ready, the compose health checks pass against it, a sign-off's PDF and
a bulk ZIP go through its worker, and a worker killed mid-ZIP (the whole process group, as a
lost container) is restarted and the job finishes: the task was acknowledged late and comes
back after the visibility timeout (shortened here to 10 s; 35 minutes in production)."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from documents import services as pdf_services
from pep_portal.celery import app as celery_app
from peps.models import private_storage
from tests.documents.conftest import peps_by_template, sign_off  # noqa: F401 (a fixture)
from tests.outbox.conftest import OwnRedis, _reset_broker_connections, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.smoke,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:task_always_eager has no effect"),
]


@pytest.fixture
def own_redis(tmp_path: Path):  # type: ignore[no-untyped-def]
    redis = OwnRedis(tmp_path)
    redis.start()
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    # This process publishes to it for real, as the web process does.
    conf.broker_url, conf.task_always_eager = redis.url, False
    _reset_broker_connections()
    yield redis
    conf.broker_url, conf.task_always_eager = saved
    _reset_broker_connections()
    redis.stop()


def get(url: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def ready(url: str) -> bool:
    try:
        return get(url)[0] == 200
    except OSError:
        return False


@pytest.fixture
def serve_prod(own_redis, tmp_path):  # type: ignore[no-untyped-def]
    db = connection.settings_dict
    port = free_port()
    run_dir = tmp_path / "run"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TEST_", "DJANGO_SETTINGS_MODULE"))
    }
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=own_redis.url,
        PRIVATE_MEDIA_ROOT=str(settings.PRIVATE_MEDIA_ROOT),
        # The image's collectstatic is tested on its own (test_compose.py); here plain names.
        STATIC_MANIFEST="false",
        CELERY_VISIBILITY_TIMEOUT="10",
    )
    out = (tmp_path / "serve-prod.out").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deploy.serve_prod",
            "--port",
            str(port),
            "--run-dir",
            str(run_dir),
            "--no-collectstatic",
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def check(service: str) -> int:
        argv = [sys.executable, "-m", "deploy.serve_prod", "--port", str(port), "--check", service]
        return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, timeout=60).returncode

    try:
        yield port, run_dir, check, tmp_path / "serve-prod.out"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        out.close()


def test_serve_prod_runs_the_compose_services_and_a_killed_worker_loses_no_job(
    serve_prod,
    personas,
    peps_by_template,  # noqa: F811
):
    port, run_dir, check, output = serve_prod
    readyz = f"http://127.0.0.1:{port}/readyz"
    wait_for(lambda: ready(readyz), "serve-prod ready (/readyz 200)", timeout=150)
    assert get(readyz) == (
        200,
        {
            "status": "ok",
            "checks": {
                "database": "ok",
                "migrations": "ok",
                "redis": "ok",
                "worker": "ok",
                "beat": "ok",
            },
        },
    )
    # The compose file's own health checks pass against it.
    assert [check(name) for name in ("web", "worker", "worker-documents", "beat")] == [0] * 4

    # A sign-off queues its PDF (through the outbox) and the worker keeps it.
    first, *rest = peps_by_template.values()
    first = sign_off(personas, first)
    kept = pdf_services.signed_off_pdf_name(first)
    wait_for(lambda: private_storage().exists(kept), "the worker keeping the signed-off PDF", 60)

    # A bulk ZIP; the worker is killed (all its processes) as soon as the job is running.
    signed = [first] + [sign_off(personas, pep) for pep in rest]
    job = pdf_services.bulk_job_start(
        actor=personas.virtual_school_staff, pep_ids=[p.pk for p in signed]
    )

    def state() -> str:
        return pdf_services.bulk_job_get_for_user(
            user=personas.virtual_school_staff, job_id=job.pk.hex
        ).state

    wait_for(lambda: state() == "running", "the bulk job starting on the worker", 60)
    worker_pid = int((run_dir / "worker-documents.pid").read_text())
    os.killpg(worker_pid, signal.SIGKILL)
    killed_at = time.monotonic()
    assert state() == "running"  # killed mid-task: nothing finished it

    # serve-prod restarts the worker (compose's restart policy); Redis gives the unacknowledged
    # task back after the visibility timeout, and the job runs again to the end.
    wait_for(lambda: state() == "done", "the bulk job finishing after the worker's restart", 120)
    took = time.monotonic() - killed_at
    # The restart (a few seconds), the visibility timeout (10 s), the next scan (every 10 s).
    assert took < 60, took
    assert int((run_dir / "worker-documents.pid").read_text()) != worker_pid
    assert "worker-documents exited (-9); restarting" in output.read_text()
    finished = pdf_services.bulk_job_get_for_user(
        user=personas.virtual_school_staff, job_id=job.pk.hex
    )
    # Taken over on redelivery (its fresh heartbeat was the killed worker's): a second attempt.
    assert (finished.done, finished.failed, finished.attempts) == (3, [], 2)
    with zipfile.ZipFile(finished.file.open("rb")) as archive:
        assert len(archive.namelist()) == 3
    print(f"job finished {took:.1f} s after the worker was killed")
