"""The Celery app. Tasks live in each app's tasks.py and stay thin: they call services."""

import os
from typing import Any

from celery import Celery, bootsteps
from django.db import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pep_portal.settings")

# E-mail goes through a relay that can be away for a while: retry with a doubling, jittered
# backoff for about a day. Every e-mail task's sending is guarded, so a retry never sends twice.
EMAIL_RETRY: dict[str, Any] = {
    "autoretry_for": (OSError, OperationalError),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 8,
}

app = Celery("pep_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Write the worker's heartbeat to Redis every few seconds, from the worker's own timer
    (its main process, not a task): /readyz reads it. A worker busy with long tasks still
    beats; a dead or wedged one stops. One heartbeat for each queue the worker takes (its
    --queues), so /readyz notices a queue nobody takes: the documents workers all gone while
    the default queue's worker lives."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(worker, **kwargs)
        self.timer_ref = None

    def start(self, worker):  # type: ignore[no-untyped-def]
        from django.conf import settings

        from pep_portal.scheduling import heartbeat

        # The worker's --queues; without them, the queues it knows of (the default one).
        queues = worker.app.amqp.queues.consume_from or {heartbeat.default_queue(): None}
        kinds = sorted({heartbeat.worker_kind(queue) for queue in queues})

        def write() -> None:
            for kind in kinds:
                heartbeat.beat(kind)

        write()
        self.timer_ref = worker.timer.call_repeatedly(settings.WORKER_HEARTBEAT_SECONDS, write)

    def stop(self, worker):  # type: ignore[no-untyped-def]
        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None


app.steps["worker"].add(WorkerHeartbeat)
