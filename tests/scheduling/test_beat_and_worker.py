"""Two real beats, one real worker, a Redis of the test's own: every daily job runs once, and
the worker's and beat's heartbeats (which /readyz reads) are written by the processes
themselves."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from pep_portal.outbox.models import OutboxTask
from pep_portal.scheduling import heartbeat
from pep_portal.scheduling.models import DailyRun
from tests.outbox.conftest import OwnRedis, wait_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]
SWEEP = "pep_portal.notifications.tasks.sweep_deadlines_task"


@pytest.fixture
def own_redis(tmp_path: Path):  # type: ignore[no-untyped-def]
    redis = OwnRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


def start(argv: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "pep_portal", *argv],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def test_two_beats_queue_each_daily_job_once_and_the_worker_runs_it_once(
    own_redis, tmp_path, settings
):
    prefix = f"test-{uuid.uuid4().hex}:heartbeat:"
    settings.HEARTBEAT_KEY_PREFIX = prefix
    settings.CELERY_BROKER_URL = own_redis.url  # where this process reads the heartbeats
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "TEST_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TEST_REDIS_URL": own_redis.url,
        "TEST_CELERY_ALWAYS_EAGER": "false",
        "TEST_DAILY_JOBS_DUE_ALL_DAY": "true",
        "DAILY_JOBS_TICK_SECONDS": "1",
        "HEARTBEAT_KEY_PREFIX": prefix,
    }
    worker_log = tmp_path / "worker.log"
    processes = [
        start(
            ["worker", "-c", "1", "--without-gossip", "--without-mingle", "-l", "INFO"],
            worker_log,
            env,
        )
    ]
    beat_logs = [tmp_path / f"beat-{n}.log" for n in (1, 2)]
    for n, log in enumerate(beat_logs, start=1):
        schedule = str(tmp_path / f"beat-{n}-schedule")
        processes.append(start(["beat", "-l", "INFO", "--schedule", schedule], log, env))
    try:
        wait_for(lambda: DailyRun.objects.count() == 6, "six daily jobs claimed", timeout=90)
        # Both beats keep ticking; give them a few more ticks to double anything they could.
        ticks = lambda: [log.read_text().count("Sending due task daily-jobs") for log in beat_logs]  # noqa: E731
        start_ticks = ticks()
        wait_for(
            lambda: all(now >= then + 3 for now, then in zip(ticks(), start_ticks, strict=True)),
            "both beats ticking three more times",
            timeout=60,
        )
        wait_for(
            lambda: f"{SWEEP}[" in worker_log.read_text() and "succeeded" in worker_log.read_text(),
            "the sweep run",
            timeout=60,
        )
        time.sleep(2)
        assert Counter(DailyRun.objects.values_list("job", flat=True)) == {
            "nightly-housekeeping": 1,
            "retention": 1,
            "termly-set-up": 1,
            "daily-deadline-sweep": 1,
            "nightly-access-check": 1,
            "daily-digests": 1,
        }
        assert OutboxTask.objects.filter(task_name=SWEEP).count() == 1
        succeeded = [
            line
            for line in worker_log.read_text().splitlines()
            if f"{SWEEP}[" in line and "succeeded" in line
        ]
        assert len(succeeded) == 1, succeeded
        # The processes wrote their own heartbeats: /readyz would see both alive.
        worker_age, beat_age = heartbeat.age("worker"), heartbeat.age("beat")
        assert worker_age is not None and worker_age < settings.WORKER_HEARTBEAT_MAX_AGE
        assert beat_age is not None and beat_age < settings.BEAT_HEARTBEAT_MAX_AGE
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
