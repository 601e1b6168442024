"""Checks behind /readyz: does each backing service answer right now, is the schema current,
and are a worker for each queue and beat alive? (/healthz, liveness, asks nothing of them:
pep_portal/views.py.)"""

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def migrations_applied() -> bool:
    """True when every migration in the code has been applied: a web server started before
    the `migrate` job finished (or without it) would run new code on an old schema."""
    try:
        executor = MigrationExecutor(connection)
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return False


def redis_url() -> str:
    """Redis as configured, for the broker or directly; empty when the portal runs without it."""
    broker = settings.CELERY_BROKER_URL
    if broker.startswith(("redis://", "rediss://")):
        return broker
    return settings.REDIS_URL


def redis_ok(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _recent(kind: str, max_age: float) -> str:
    from pep_portal.scheduling import heartbeat

    seconds = heartbeat.age(kind)
    return "ok" if seconds is not None and seconds <= max_age else "unavailable"


def readiness_report() -> tuple[bool, dict[str, str]]:
    database = database_ok()
    checks = {"database": "ok" if database else "unavailable"}
    checks["migrations"] = "ok" if database and migrations_applied() else "unavailable"
    url = redis_url()
    redis_up = bool(url) and redis_ok(url)
    checks["redis"] = ("ok" if redis_up else "unavailable") if url else "not configured"
    if url and settings.READINESS_CHECKS_WORKERS:
        from pep_portal.scheduling import heartbeat

        # A worker taking each queue answered within a minute ("worker": the default queue,
        # "worker-documents": the PDFs); beat ticked within two of its loops.
        for queue in heartbeat.queues_in_use():
            kind = heartbeat.worker_kind(queue)
            checks[kind] = _recent(kind, settings.WORKER_HEARTBEAT_MAX_AGE)
        checks["beat"] = _recent("beat", settings.BEAT_HEARTBEAT_MAX_AGE)
    healthy = all(state != "unavailable" for state in checks.values())
    return healthy, checks
