"""Time every page of issue 20's list in-process, as each role, against a seeded database.

    DATABASE_URL=postgres://…/pep_big .venv/bin/python scripts/profile_pages.py [--repeat 5]
        [--only SUBSTRING] [--json out.json] [--profile SUBSTRING]

The database is one seeded by `manage.py seed_demo --children N` (authority "bulk-1").
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


def _personas() -> dict[str, Any]:
    from children.models import Child
    from meetings.models import Meeting, MeetingStatus
    from pep_portal.accounts.models import User
    from peps.models import Pep, PepStatus
    from pupil_premium.models import PpRequest, PpStatus

    adviser = User.objects.get(email="head.1@bulk-1.example")
    # The first child with a carer and a school place (as bench/bench.py picks them).
    child = (
        Child.objects.filter(
            authority__slug="bulk-1",
            placements__carers__isnull=False,
            enrolments__ended_on__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    assert child is not None
    pep = Pep.objects.filter(child=child).order_by("-academic_year", "-pk").first()
    teacher = User.objects.filter(
        school__enrolments__child=child, email__startswith="teacher."
    ).first()
    carer = User.objects.filter(placements__child=child, placements__ended_on__isnull=True).first()
    held = Meeting.objects.filter(pep__child=child, status=MeetingStatus.HELD).first()
    submitted = Pep.objects.filter(
        child__authority=child.authority, status=PepStatus.SUBMITTED
    ).first()
    pp = PpRequest.objects.filter(
        child__authority=child.authority, status=PpStatus.REQUESTED
    ).first()
    assert pep and teacher and carer and held and submitted and pp
    return {
        "users": {
            "adviser": adviser,
            "social_worker": child.social_worker,
            "teacher": teacher,
            "carer": carer,
        },
        "child": child.pk,
        "pep": pep.pk,
        "meeting": held.pk,
        "submitted": submitted.pk,
        "pp": pp.pk,
        "year": pep.academic_year,
        "children": Child.objects.filter(authority=child.authority).count(),
    }


def _pages(p: dict[str, Any]) -> list[tuple[str, str, str]]:
    last = max(1, p["children"] // 25)
    pep, child = p["pep"], p["child"]
    # The fixed cost: /healthz is answered before sessions and sign-in (as bench's baseline);
    # the help page is the smallest page that pays the whole signed-in stack.
    rows = [("baseline: /healthz", "social_worker", "/healthz")]
    rows += [("help page (signed in)", "social_worker", "/help/")]
    rows += [(f"home ({role})", role, "/") for role in p["users"]]
    rows += [
        ("children list, first page", "adviser", "/children/"),
        ("children list, a late page", "adviser", f"/children/?page={last - 1}"),
        ("children list, a search", "adviser", "/children/?q=Rowan"),
        ("children list (social_worker)", "social_worker", "/children/"),
        ("children list (teacher)", "teacher", "/children/"),
        ("child page (social_worker)", "social_worker", f"/children/{child}/"),
        ("child page (adviser)", "adviser", f"/children/{child}/"),
    ]
    rows += [(f"PEP page ({role})", role, f"/peps/{pep}/") for role in p["users"]]
    rows += [
        ("section edit (teacher)", "teacher", f"/peps/{pep}/sections/teacher_comments/"),
        ("meeting record", "social_worker", f"/meetings/{p['meeting']}/record/"),
        ("meeting page", "social_worker", f"/meetings/{p['meeting']}/"),
        ("meetings calendar (social_worker)", "social_worker", "/meetings/"),
        ("meetings calendar (adviser)", "adviser", "/meetings/"),
        ("people list", "adviser", "/people/"),
        ("QA queue", "adviser", "/quality-assurance/"),
        ("QA review", "adviser", f"/quality-assurance/review/{p['submitted']}/"),
        ("PP+ list", "adviser", "/pupil-premium/"),
        ("PP+ decide", "adviser", f"/pupil-premium/{p['pp']}/"),
        ("PP+ totals", "adviser", "/pupil-premium/totals/"),
        ("dashboard", "adviser", "/quality-assurance/dashboard/"),
        ("dashboard CSV", "adviser", "/quality-assurance/dashboard.csv"),
        ("notifications (social_worker)", "social_worker", "/notifications/"),
        ("notifications (adviser)", "adviser", "/notifications/"),
        ("calendars", "adviser", "/calendars/"),
        ("calendar year", "adviser", f"/calendars/{p['year']}/"),
        ("audit trail", "adviser", f"/children/{child}/audit/"),
        ("work list", "adviser", "/work/no_meeting/"),
        ("PP+ finance CSV", "adviser", "/pupil-premium/export.csv"),
        ("audit CSV", "adviser", "/audit/export.csv"),
    ]
    return rows


def _clients(users: dict[str, Any]) -> dict[str, Any]:
    """A test client per role, signed in with a verified second factor (as bench/bench.py)."""
    from importlib import import_module

    import django_otp
    from django.conf import settings
    from django.contrib.auth import login
    from django.http import HttpRequest
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from pep_portal.security.signin import AUTHENTICATED_AT

    clients = {}
    for role, user in users.items():
        device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=True
        )
        request = HttpRequest()
        request.session = import_module(settings.SESSION_ENGINE).SessionStore()
        request.META["REMOTE_ADDR"] = "127.0.0.1"
        request.user = user
        login(request, user, "django.contrib.auth.backends.ModelBackend")
        django_otp.login(request, device)
        request.session[AUTHENTICATED_AT] = time.time()
        request.session.save()
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = request.session.session_key
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

    found = _personas()
    clients = _clients(found.pop("users"))
    found["users"] = clients
    results = {}
    for name, role, path in _pages(found):
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
