"""Daily jobs that run once a day, even with two beats, and even after a beat was down.

Celery beat only sends a tick (`run_due_daily_jobs`, every few minutes). The tick looks at the
clock: each daily job whose time has come today (UTC, settings.DAILY_JOBS) is claimed with a
row keyed (job, day) and, in the same transaction, queued through the outbox. So:

- two beats (a deployment mistake, or an old one still stopping beside its replacement) send
  two ticks, and the second finds the claim and does nothing: a day is never doubled;
- a beat restarted over a job's time (or down for hours) sends a tick within minutes of coming
  back, which finds the day unclaimed and queues it: a day is never skipped (only a day on
  which beat never ran at all after the job's time is left out: the next day's run does its
  own day's work);
- the claim and the queued work commit together, so a tick that dies half-way leaves
  neither, and the next tick does both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from celery.utils.imports import symbol_by_name
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from pep_portal.outbox.services import enqueue_after_commit

from .models import DailyRun


@dataclass(frozen=True)
class DailyJob:
    name: str
    task: str
    at: dt.time
    # Whether the task takes the day it is run for ("YYYY-MM-DD"), so a late run does that
    # day's work, not the next day's.
    takes_day: bool


def daily_jobs() -> list[DailyJob]:
    jobs = cast(dict[str, dict[str, Any]], settings.DAILY_JOBS)
    return [
        DailyJob(
            name=name,
            task=spec["task"],
            at=dt.time.fromisoformat(spec["at"]),
            takes_day=spec.get("takes_day", False),
        )
        for name, spec in jobs.items()
    ]


def run_due_daily_jobs(*, now: dt.datetime | None = None) -> list[str]:
    """Queue every daily job that is due today and not yet claimed; return their names."""
    now = (now or timezone.now()).astimezone(dt.UTC)
    today = now.date()
    queued = []
    for job in daily_jobs():
        if now.time() < job.at:
            continue
        try:
            with transaction.atomic():
                DailyRun.objects.create(job=job.name, day=today, claimed_at=now)
                args = [today.isoformat()] if job.takes_day else []
                # The task's name is its import path (a shared_task's default).
                enqueue_after_commit(symbol_by_name(job.task), *args)
        except IntegrityError:
            continue  # claimed already: by an earlier tick, or by another beat's
        queued.append(job.name)
    return queued


def prune_daily_runs(*, now: dt.datetime | None = None, keep_days: int = 400) -> int:
    """Claims older than about a year say nothing anyone needs."""
    cutoff = (now or timezone.now()).date() - dt.timedelta(days=keep_days)
    return DailyRun.objects.filter(day__lt=cutoff).delete()[0]


@dataclass(frozen=True)
class HousekeepingReport:
    """Counts only: the report goes to the logs."""

    sessions_removed: int
    daily_runs_removed: int
    audit_events_removed: int = 0


def housekeeping(*, now: dt.datetime | None = None) -> HousekeepingReport:
    """The nightly tidy-up: expired sessions (Django's `clearsessions`), old daily-run claims,
    and audit events (the record-view log among them) past their authority's retention period
    (pep_portal/audit/services.py audit_purge, itself audited)."""
    from django.contrib.sessions.models import Session

    from pep_portal.audit.services import audit_purge

    now = now or timezone.now()
    # What `manage.py clearsessions` does for the database backend, counted.
    sessions = Session.objects.filter(expire_date__lt=now).delete()[0]
    return HousekeepingReport(
        sessions_removed=sessions,
        daily_runs_removed=prune_daily_runs(now=now),
        audit_events_removed=audit_purge(now=now),
    )
