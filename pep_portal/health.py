"""Checks behind /readyz: does each backing service answer right now? (/healthz, liveness,
asks nothing of them: pep_portal/views.py.)"""

import redis
from django.conf import settings
from django.db import DatabaseError, connection


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
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


def readiness_report() -> tuple[bool, dict[str, str]]:
    checks = {"database": "ok" if database_ok() else "unavailable"}
    url = redis_url()
    checks["redis"] = ("ok" if redis_ok(url) else "unavailable") if url else "not configured"
    healthy = all(state != "unavailable" for state in checks.values())
    return healthy, checks
