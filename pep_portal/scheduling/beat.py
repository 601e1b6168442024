"""Celery beat's scheduler (settings.CELERY_BEAT_SCHEDULER): the stock one, plus a heartbeat
on every tick, so /readyz and the beat container's health check can tell that beat is alive."""

from celery.beat import PersistentScheduler

from . import heartbeat


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        heartbeat.beat(heartbeat.BEAT)
        return super().tick(*args, **kwargs)
