"""Heartbeats in Redis, for /readyz and the containers' health checks: each Celery worker
writes one for each queue it takes every few seconds (pep_portal.celery's bootstep), and beat
one on every tick of its scheduler (pep_portal.scheduling.beat). A heartbeat is the time it was
written, in seconds since the epoch, with an expiry so a stopped process's key goes away on its
own."""

from __future__ import annotations

import time

import redis
from django.conf import settings

from pep_portal.health import redis_url

WORKER, BEAT = "worker", "beat"


def default_queue() -> str:
    return getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", None) or "celery"


def queues_in_use() -> list[str]:
    """Every queue tasks are sent to: the default one and those settings route tasks to
    (documents). Each needs a live worker taking it."""
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    return sorted({default_queue(), *routed})


def worker_kind(queue: str) -> str:
    """The heartbeat (and /readyz check) of the workers taking `queue`: "worker" for the
    default queue, "worker-<queue>" for another, as docker-compose.yml names the services
    (worker-documents)."""
    return WORKER if queue == default_queue() else f"{WORKER}-{queue}"


def _client() -> redis.Redis:
    return redis.Redis.from_url(redis_url(), socket_connect_timeout=1, socket_timeout=1)


def beat(kind: str, *, now: float | None = None) -> None:
    """Record that a `kind` process is alive now. Never raises: a heartbeat that cannot be
    written is the news, and /readyz reports it."""
    client = _client()
    try:
        client.set(
            settings.HEARTBEAT_KEY_PREFIX + kind,
            f"{now or time.time():.3f}",
            ex=settings.HEARTBEAT_EXPIRY,
        )
    except redis.RedisError:
        pass
    finally:
        client.close()


def age(kind: str, *, now: float | None = None) -> float | None:
    """Seconds since a `kind` process last wrote its heartbeat; None if none is on record."""
    client = _client()
    try:
        value = client.get(settings.HEARTBEAT_KEY_PREFIX + kind)
    except redis.RedisError:
        return None
    finally:
        client.close()
    if value is None:
        return None
    return max(0.0, (now or time.time()) - float(value))
