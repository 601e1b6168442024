"""`make serve-prod` for real: the compose file's own commands (deploy/serve_prod.py) as local
processes with production settings, against the test's PostgreSQL database, a Redis of the
test's own and the S3 test server serve-prod starts (moto's server mode) for the private files.
It becomes ready, the compose health checks pass against it, a sign-off's PDF and a bulk ZIP go
through its worker into the bucket (nothing into the local folder), and a worker killed mid-ZIP
(the whole process group, as a lost container) is restarted and the job finishes: the task was
acknowledged late and comes back after the visibility timeout (shortened here to 10 s; 35
minutes in production)."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import boto3
import pytest
from django.db import connection

from documents import services as pdf_services
from documents.models import KeptPdf
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
        if not key.startswith(("TEST_", "DJANGO_SETTINGS_MODULE", "PRIVATE_STORAGE_", "AWS_"))
    }
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=own_redis.url,
        # Unused: the files go to the S3 test server (the folder must stay empty).
        PRIVATE_MEDIA_ROOT=str(tmp_path / "local-files"),
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
    settings,
    tmp_path,
):
    port, run_dir, check, output = serve_prod
    readyz = f"http://127.0.0.1:{port}/readyz"
    wait_for(lambda: ready(readyz), "serve-prod ready (/readyz 200)", timeout=150)
    # The S3 test server serve-prod started; this process (which signs off and reads the job)
    # keeps its files there too, and a client of the test's own looks into the bucket.
    s3 = json.loads((run_dir / "s3.json").read_text())
    assert (s3["storage"], s3["bucket"]) == ("s3", "pep-serve-prod")
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": s3["bucket"],
                "endpoint_url": s3["endpoint"],
                "region_name": s3["region"],
                "access_key": "serve-prod",
                "secret_key": "serve-prod",
                "file_overwrite": True,
            },
        },
    }
    bucket = boto3.client(
        "s3",
        endpoint_url=s3["endpoint"],
        region_name=s3["region"],
        aws_access_key_id="serve-prod",
        aws_secret_access_key="serve-prod",
    )

    def keys() -> list[str]:
        listed = bucket.list_objects_v2(Bucket=s3["bucket"]).get("Contents", [])
        return sorted(item["Key"] for item in listed)

    assert keys() == []
    assert get(readyz) == (
        200,
        {
            "status": "ok",
            "checks": {
                "database": "ok",
                "migrations": "ok",
                "redis": "ok",
                "worker": "ok",
                "worker-documents": "ok",
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
    wait_for(lambda: kept in keys(), "the worker keeping the signed-off PDF in the bucket", 60)
    assert private_storage().exists(kept)

    # A bulk ZIP; the worker is killed (all its processes) as soon as the job is running.
    signed = [first] + [sign_off(personas, pep) for pep in rest]
    names = sorted(pdf_services.signed_off_pdf_name(pep) for pep in signed)
    wait_for(lambda: set(names) <= set(keys()), "the worker keeping every signed-off PDF", 60)
    # With every PDF kept the ZIP takes a tenth of a second, too quick to kill it in for sure:
    # without them the job makes each PDF again (about half a second each), as for PEPs signed
    # off before PDFs were kept.
    KeptPdf.objects.filter(pep__in=signed).delete()
    for name in names:
        bucket.delete_object(Bucket=s3["bucket"], Key=name)
    assert keys() == []
    job = pdf_services.bulk_job_start(
        actor=personas.virtual_school_staff, pep_ids=[p.pk for p in signed]
    )

    def state() -> str:
        return pdf_services.bulk_job_get_for_user(
            user=personas.virtual_school_staff, job_id=job.pk.hex
        ).state

    wait_for(lambda: state() == "running", "the bulk job starting on the worker", 60, every=0.02)
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
    # Taken over on redelivery though its heartbeat was fresh (the killed worker's): at least a
    # second attempt (a third when the 10-second visibility timeout redelivers it once more).
    assert (finished.done, finished.failed) == (3, []) and finished.attempts >= 2
    with zipfile.ZipFile(finished.file.open("rb")) as archive:
        assert len(archive.namelist()) == 3
    assert finished.file.name in keys()
    # Nothing went to the local folder: web and workers share the bucket alone.
    local = tmp_path / "local-files"
    assert not local.exists() or not any(p.is_file() for p in local.rglob("*"))
    print(f"job finished {took:.1f} s after the worker was killed")
