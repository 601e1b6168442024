"""Daily jobs are queued once per day by whichever tick first finds them due: a second tick
(another beat's) queues nothing, and a tick after a beat was down over a job's time queues it
late rather than skipping the day (pep_portal/scheduling/services.py)."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.utils import timezone

from pep_portal.audit.models import AuditAction, AuditEvent, AuditRetention
from pep_portal.outbox.models import OutboxTask
from pep_portal.scheduling import heartbeat
from pep_portal.scheduling.models import DailyRun
from pep_portal.scheduling.services import housekeeping, run_due_daily_jobs

pytestmark = pytest.mark.django_db

SWEEP = "pep_portal.notifications.tasks.sweep_deadlines_task"
TERMLY = "pep_portal.notifications.tasks.termly_set_up_task"
DIGESTS = "pep_portal.notifications.tasks.send_daily_digests_task"
HOUSEKEEPING = "pep_portal.scheduling.tasks.housekeeping_task"
RETENTION = "pep_portal.operations.tasks.apply_retention_task"
CHECK_ACCESS = "pep_portal.notifications.tasks.check_access_task"


def at(hour: int, minute: int = 0, day: int = 7) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=dt.UTC)


def queued() -> list[tuple[str, list[str]]]:
    return [(row.task_name, row.args) for row in OutboxTask.objects.order_by("pk")]


def test_a_tick_queues_the_jobs_whose_time_has_come_today_and_no_others():
    assert run_due_daily_jobs(now=at(4, 30)) == [
        "nightly-housekeeping",
        "retention",
        "termly-set-up",
        "nightly-access-check",
    ]
    assert queued() == [
        (HOUSEKEEPING, []),
        (RETENTION, []),
        (TERMLY, ["2026-12-07"]),
        (CHECK_ACCESS, ["2026-12-07"]),
    ]
    assert run_due_daily_jobs(now=at(1, 59)) == []  # nothing new is due before 02:00 anyway


def test_a_second_tick_the_same_day_queues_nothing():
    run_due_daily_jobs(now=at(7, 0))
    assert len(queued()) == 6
    assert run_due_daily_jobs(now=at(7, 5)) == []
    assert run_due_daily_jobs(now=at(23, 59)) == []
    assert len(queued()) == 6
    assert DailyRun.objects.filter(day=dt.date(2026, 12, 7)).count() == 6


def test_a_beat_down_over_the_sweeps_time_sweeps_late_for_that_day_not_never():
    run_due_daily_jobs(now=at(4, 55))  # beat then stops, and is back at 06:10
    assert run_due_daily_jobs(now=at(6, 10)) == ["daily-deadline-sweep"]
    assert queued()[-1] == (SWEEP, ["2026-12-07"])


def test_the_next_day_is_a_new_day():
    run_due_daily_jobs(now=at(8, 0))
    assert run_due_daily_jobs(now=at(8, 0, day=8)) == [
        "nightly-housekeeping",
        "retention",
        "termly-set-up",
        "daily-deadline-sweep",
        "nightly-access-check",
        "daily-digests",
    ]
    assert queued()[-3] == (SWEEP, ["2026-12-08"])
    assert queued()[-2] == (CHECK_ACCESS, ["2026-12-08"])
    assert queued()[-1] == (DIGESTS, [])


def test_times_are_utc_whatever_the_clock_in_london():
    # 04:30 in London in summer is 03:30 UTC: the access check (03:30 UTC) is due, the termly
    # set-up (04:00 UTC) not yet.
    summer = dt.datetime(2027, 7, 1, 4, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert run_due_daily_jobs(now=summer) == [
        "nightly-housekeeping",
        "retention",
        "nightly-access-check",
    ]


def test_housekeeping_removes_expired_sessions_and_year_old_claims(personas):
    now = timezone.now()
    # The record-view log (audit events) past the authority's period: Northam keeps 2 years.
    AuditRetention.objects.create(authority=personas.authority, years=2)
    old_view, kept_view = (
        AuditEvent.objects.create(
            occurred_at=now - dt.timedelta(days=days),
            action=AuditAction.CHILD_RECORD_OPENED,
            authority=personas.authority,
        )
        for days in (2 * 365 + 10, 2 * 365 - 10)
    )
    Session.objects.create(
        session_key="a" * 32, session_data="x", expire_date=now - dt.timedelta(seconds=1)
    )
    Session.objects.create(
        session_key="b" * 32, session_data="x", expire_date=now + dt.timedelta(hours=1)
    )
    DailyRun.objects.create(job="daily-digests", day=now.date() - dt.timedelta(days=401))
    DailyRun.objects.create(job="daily-digests", day=now.date() - dt.timedelta(days=399))
    report = housekeeping(now=now)
    assert (report.sessions_removed, report.daily_runs_removed) == (1, 1)
    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]
    assert DailyRun.objects.count() == 1
    assert report.audit_events_removed == 1
    opened = AuditEvent.objects.filter(action=AuditAction.CHILD_RECORD_OPENED)
    assert list(opened.values_list("pk", flat=True)) == [kept_view.pk]
    assert not AuditEvent.objects.filter(pk=old_view.pk).exists()


def test_the_beat_health_command_passes_only_with_a_recent_tick(settings):
    import time
    import uuid

    settings.HEARTBEAT_KEY_PREFIX = f"test-{uuid.uuid4().hex}:"
    with pytest.raises(CommandError, match="beat has not ticked recently"):
        call_command("beat_health")
    heartbeat.beat("beat", now=time.time() - settings.BEAT_HEARTBEAT_MAX_AGE - 5)
    with pytest.raises(CommandError):
        call_command("beat_health")
    heartbeat.beat("beat")
    call_command("beat_health")
