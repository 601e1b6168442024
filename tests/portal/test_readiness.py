"""/readyz where a worker and beat are expected (production, not the eager demo): each of the
database, the schema, Redis, a worker's heartbeat and beat's is reported, and each failing turns
the answer into 503. Heartbeats are written to the real Redis under a key prefix of the test's
own, as the worker and beat write them (tests/scheduling/test_beat_and_worker.py runs those)."""

import time
import uuid

import pytest
from django.db import connection

from pep_portal.scheduling import heartbeat

# Written out by hand: the default queue's worker, the documents (PDF) queue's, and beat.
ALL_OK = {
    "database": "ok",
    "migrations": "ok",
    "redis": "ok",
    "worker": "ok",
    "worker-documents": "ok",
    "beat": "ok",
}


@pytest.fixture
def expects_workers(settings):  # type: ignore[no-untyped-def]
    settings.READINESS_CHECKS_WORKERS = True
    settings.HEARTBEAT_KEY_PREFIX = f"test-{uuid.uuid4().hex}:heartbeat:"
    return settings


def ready(client):  # type: ignore[no-untyped-def]
    response = client.get("/readyz")
    return response.status_code, response.json()["checks"]


def test_ready_when_a_worker_and_beat_have_just_written_their_heartbeats(
    client, db, expects_workers
):
    heartbeat.beat("worker")
    heartbeat.beat("worker-documents")
    heartbeat.beat("beat")
    assert ready(client) == (200, ALL_OK)


def test_unready_when_no_worker_has_answered_within_a_minute(client, db, expects_workers):
    heartbeat.beat("beat")
    heartbeat.beat("worker-documents")
    assert ready(client) == (503, {**ALL_OK, "worker": "unavailable"})  # never beat at all
    heartbeat.beat("worker", now=time.time() - 61)
    assert ready(client) == (503, {**ALL_OK, "worker": "unavailable"})
    heartbeat.beat("worker", now=time.time() - 50)
    assert ready(client) == (200, ALL_OK)


def test_unready_when_beat_has_not_ticked_within_its_period(client, db, expects_workers):
    heartbeat.beat("worker")
    heartbeat.beat("worker-documents")
    # Beat wakes at least every 30 s; two missed loops and a margin (90 s) is too long.
    heartbeat.beat("beat", now=time.time() - 91)
    assert ready(client) == (503, {**ALL_OK, "beat": "unavailable"})
    heartbeat.beat("beat", now=time.time() - 80)
    assert ready(client) == (200, ALL_OK)


def test_unready_while_a_migration_is_not_applied(client, db, expects_workers):
    heartbeat.beat("worker")
    heartbeat.beat("worker-documents")
    heartbeat.beat("beat")
    # As if the code were newer than the schema: its last migration not recorded as applied.
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'scheduling' AND name = '0001_initial'"
        )
    assert ready(client) == (503, {**ALL_OK, "migrations": "unavailable"})


def test_unready_when_redis_is_down_says_which_and_nothing_more(client, db, expects_workers):
    expects_workers.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    status, checks = ready(client)
    assert status == 503
    assert checks == {
        **ALL_OK,
        "redis": "unavailable",
        "worker": "unavailable",
        "worker-documents": "unavailable",
        "beat": "unavailable",
    }


def test_unready_when_no_worker_takes_the_documents_queue(client, db, expects_workers):
    """The default queue's worker alive does not make up for the PDF workers all gone."""
    heartbeat.beat("worker")
    heartbeat.beat("beat")
    assert ready(client) == (503, {**ALL_OK, "worker-documents": "unavailable"})
    heartbeat.beat("worker-documents", now=time.time() - 61)
    assert ready(client) == (503, {**ALL_OK, "worker-documents": "unavailable"})
    heartbeat.beat("worker-documents")
    assert ready(client) == (200, ALL_OK)


def test_a_worker_writes_a_heartbeat_for_each_queue_it_takes(expects_workers):
    """pep_portal.celery's bootstep, given a worker started with --queues=documents (its
    queues and its timer; the heartbeats go to the real Redis): "worker-documents" only. One
    started with no --queues takes the default queue: "worker"."""
    from types import SimpleNamespace

    from pep_portal.celery import WorkerHeartbeat

    class Timer:
        def call_repeatedly(self, seconds, write):  # type: ignore[no-untyped-def]
            self.every = (seconds, write)
            return SimpleNamespace(cancel=lambda: None)

    def a_worker(queues):  # type: ignore[no-untyped-def]
        amqp = SimpleNamespace(queues=SimpleNamespace(consume_from=queues))
        return SimpleNamespace(app=SimpleNamespace(amqp=amqp), timer=Timer())

    documents = a_worker({"documents": None})
    step = WorkerHeartbeat(documents)
    step.start(documents)
    assert heartbeat.age("worker-documents") is not None
    assert heartbeat.age("worker") is None
    assert documents.timer.every[0] == expects_workers.WORKER_HEARTBEAT_SECONDS
    step.stop(documents)

    default = a_worker({})  # no --queues: the queues Celery knows of by default, none here
    WorkerHeartbeat(default).start(default)
    assert heartbeat.age("worker") is not None


def test_the_eager_demo_expects_no_worker_or_beat(client, db, settings):
    settings.READINESS_CHECKS_WORKERS = False
    assert ready(client) == (200, {"database": "ok", "migrations": "ok", "redis": "ok"})
