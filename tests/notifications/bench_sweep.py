"""Benchmark: the daily sweep over 50,000 children in care, each with an open PEP.

Run:  TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pep_bench \\
      .venv/bin/python tests/notifications/bench_sweep.py [--children 50000]
It creates (and afterwards drops) its own database. Not collected by pytest."""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=50_000)
    n = parser.parse_args().children
    config = setup_databases(verbosity=0, interactive=False)
    try:
        run(n)
    finally:
        teardown_databases(config, verbosity=0)


def run(n: int) -> None:
    from children.models import CareEpisode, Child
    from pep_portal.accounts.models import LocalAuthority, User
    from pep_portal.calendars.services import rule_set_load_preset
    from pep_portal.notifications.models import Notification
    from pep_portal.notifications.services import sweep_deadlines
    from peps.models import Pep

    rule_set_load_preset(preset="medway", slug="medway")
    # Everyone on daily digests: this measures the sweep itself, not 100,000 e-mails rendered
    # inline (Celery runs eagerly here; in production each e-mail is a queued task).
    authority = LocalAuthority.objects.get(slug="medway")
    workers = [
        User.objects.create_user(
            f"sw{i}@bench.example",
            None,
            full_name=f"SW {i}",
            role="social_worker",
            email_notifications="daily",
            authority=authority,
        )
        for i in range(200)
    ]
    adviser = User.objects.create_user(
        "vs@bench.example",
        None,
        full_name="VS",
        role="virtual_school_staff",
        email_notifications="daily",
        authority=authority,
    )
    started = time.perf_counter()
    children = Child.objects.bulk_create(
        [
            Child(
                authority=authority,
                legal_first_name=f"C{i}",
                legal_last_name="Bench",
                date_of_birth=dt.date(2015, 1, 1),
                gender="not_known",
                social_worker=workers[i % 200],
                virtual_school_adviser=adviser,
            )
            for i in range(n)
        ],
        batch_size=5000,
    )
    CareEpisode.objects.bulk_create(
        [CareEpisode(child=c, started_on=dt.date(2025, 1, 6), legal_status="co") for c in children],
        batch_size=5000,
    )
    Pep.objects.bulk_create(
        [
            Pep(
                child=c,
                academic_year=2026,
                term="autumn",
                template="yg",
                due_on=dt.date(2026, 12, 31),
            )
            for c in children
        ],
        batch_size=5000,
    )
    print(f"made {n} children with open PEPs in {time.perf_counter() - started:.1f} s")
    for day in (dt.date(2027, 1, 9), dt.date(2027, 1, 9)):
        connection.queries_log.clear()
        started = time.perf_counter()
        sent = sweep_deadlines(today=day)
        print(
            f"sweep {day}: {len(sent)} new notifications in {time.perf_counter() - started:.1f} s"
        )
    print(f"{Notification.objects.count()} notifications stored")


if __name__ == "__main__":
    main()
