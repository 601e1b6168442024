"""A real Celery worker, started by the test, takes a task through real Redis and writes its
notifications to the test database: not only eager mode."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from pep_portal.accounts.models import User
from pep_portal.celery import app as celery_app
from pep_portal.notifications.models import EVENT_KINDS, Notification

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.smoke,
    pytest.mark.django_db(transaction=True),
    # Celery says send_task ignores eager mode: that is the point, the task goes to Redis.
    pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task"),
]


@pytest.fixture
def pep_setting(pep_setting):  # type: ignore[no-untyped-def]
    """These tests are about the sweep: what setting Zara up told people (she is new to care,
    Dee delegated her) is put aside; tests/notifications/test_events.py tests it."""
    Notification.objects.filter(kind__in=EVENT_KINDS).delete()
    User.objects.update(unread_notifications=0)
    return pep_setting


@pytest.fixture
def worker():  # type: ignore[no-untyped-def]
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "TEST_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TEST_REDIS_URL": settings.CELERY_BROKER_URL,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pep_portal",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield queue
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def test_a_sweep_sent_through_redis_runs_on_the_worker(worker, pep_setting):
    celery_app.send_task(
        "pep_portal.notifications.tasks.sweep_deadlines_task", args=["2027-01-09"], queue=worker
    )
    deadline = time.monotonic() + 60
    while not Notification.objects.exists():
        assert time.monotonic() < deadline, "the worker did not run the task within 60 s"
        time.sleep(0.5)
    time.sleep(1)  # let the task finish its batch
    # Zara's Autumn PEP, due 31 December with no meeting, is escalated on 9 January to her
    # social worker and her adviser: exactly those two, written by the worker.
    assert set(Notification.objects.values_list("kind", "stage", "recipient__full_name")) == {
        ("no_meeting_arranged", "escalated", "Alice Social"),
        ("no_meeting_arranged", "escalated", "Vic School"),
    }
