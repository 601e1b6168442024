"""Time every page of issue 20's list in-process, as each role, against a seeded database.

    DATABASE_URL=postgres://…/pep_big .venv/bin/python scripts/profile_pages.py [--repeat 5]
        [--only SUBSTRING] [--json out.json] [--profile SUBSTRING]

The database is one seeded by `manage.py seed_demo --children N` (authority "bulk-1"). The
people and pages are bench/pages.py's, as `make bench` measures them, then a few more visits
(`more_pages`: the bench's two baselines, other roles, the meeting page, PP+ decide).
Production-like settings (DEBUG off, connections kept, no debug toolbar), the Django test
client signed in with a verified second factor, as `make bench` does; each page is opened once
to warm per-process caches, then `--repeat` times: the median and fastest time (ms), the
process's CPU time and the queries of the last visit are printed. Not a test and not the
benchmark (bench/bench.py serves the pages under gunicorn); a quick way to find which page
is slow and why (`--profile` prints cProfile's top functions for the matching pages).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for name, value in {
    "DJANGO_SETTINGS_MODULE": "pep_portal.settings",
    "DEBUG": "false",
    "SECRET_KEY": "profile-only-" + "x" * 50,
    "ALLOWED_HOSTS": "testserver",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "STATIC_MANIFEST": "false",
    "RECENT_AUTHENTICATION_SECONDS": "86400",
    "EMAIL_URL": "consolemail://",
    "LOG_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(name, value)

from bench.pages import more_pages, pages, personas, signed_in_session  # noqa: E402


def _clients(users: dict[str, Any]) -> dict[str, Any]:
    """A test client per role, signed in with a verified second factor (as bench/bench.py)."""
    from django.conf import settings
    from django.test import Client

    clients = {}
    for role, user in users.items():
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = signed_in_session(user)
        clients[role] = client
    return clients


def _get(client: Any, path: str) -> tuple[int, int]:
    response = client.get(path)
    size = 0
    if response.streaming:  # a streamed CSV reads its rows as it is sent
        size = len(b"".join(response.streaming_content))
    else:
        size = len(response.content)
    return response.status_code, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="")
    parser.add_argument("--profile", default="")
    parser.add_argument("--json", default="")
    options = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found = personas()
    clients = _clients(found.pop("users"))
    results = {}
    # The pages (bench/bench.py measures the same), then more roles and pages.
    for name, role, path in pages(found) + more_pages(found):
        if options.only and options.only not in name:
            continue
        _get(clients[role], path)  # warm
        times, cpu = [], []
        for _ in range(options.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as queries:
                status, size = _get(clients[role], path)
            times.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - started_cpu))
        # On a shared machine the fastest visit says most about the page; the median is also
        # given, and the Python process's own CPU time (the database's is not in it).
        results[name] = {
            "ms": round(statistics.median(times), 1),
            "min_ms": round(min(times), 1),
            "cpu_ms": round(min(cpu), 1),
            "queries": len(queries),
            "status": status,
            "kb": round(size / 1024, 1),
        }
        print(f"{name:38} {results[name]}", flush=True)
        if options.profile and options.profile in name:
            profiler = cProfile.Profile()
            profiler.enable()
            _get(clients[role], path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            slow = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:8]
            for query in slow:
                print(f"  {query['time']} s  {query['sql'][:600]}")
    if options.json:
        Path(options.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
