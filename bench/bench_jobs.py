"""Benchmark (not a test; `make bench-jobs`): the termly set-up for 10,000 and 100,000 children,
and PEP PDFs per minute through one documents worker. Writes bench/results-jobs.json.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pep_bench_jobs \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python bench/bench_jobs.py

It makes a throwaway database (test_<name>) and drops it at the end. The set-up: N children
in care of one authority (Medway's rules, demo term dates), ages spread from 2 to 17, a tenth
with last term's PEP to carry forward; the termly set-up for Spring 2026 is timed, then run
again (it must create nothing). For comparison the one-child-at-a-time path is timed on a
sample. The PDFs: a real Celery worker (one process, "documents" queue) renders PEP PDF jobs
of PEPs filled with answers of typical length; PDFs per minute from the first job queued to
the last finished.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ["TEST_DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pep_bench_jobs"
)
os.environ["TEST_REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
os.environ["TEST_CELERY_ALWAYS_EAGER"] = "false"
os.environ.setdefault("TEST_PRIVATE_MEDIA_ROOT", tempfile.mkdtemp(prefix="pep-bench-media-"))

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from children.models import CareEpisode, Child, LegalStatus  # noqa: E402
from pep_portal.accounts.roles import Role  # noqa: E402
from pep_portal.calendars import deadlines  # noqa: E402
from pep_portal.calendars.demo import seed_demo_calendars  # noqa: E402
from pep_portal.calendars.selectors import rules_for_authority  # noqa: E402
from pep_portal.calendars.services import rule_set_load_preset  # noqa: E402
from pep_portal.filejobs.models import FileJob, FileJobKind  # noqa: E402
from pep_portal.notifications import services as notifications  # noqa: E402
from peps.models import Pep, PepSection, SectionStatus, Term  # noqa: E402
from tests.factories import LocalAuthorityFactory, UserFactory  # noqa: E402

SET_UP_ON = dt.date(2026, 12, 20)
TODAY = dt.date(2026, 11, 24)
RESULTS = ROOT / "bench" / "results-jobs.json"


def authority_with_rules(slug: str):  # type: ignore[no-untyped-def]
    authority = LocalAuthorityFactory(name=f"{slug.title()} Council", slug=slug)
    rule_set_load_preset(preset="medway", slug=slug)
    seed_demo_calendars(authority, today=TODAY)
    return authority


def make_children(authority, count: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Children in care, straight to the rows (set-up for a benchmark); a tenth with last
    term's PEP (sections with answers that carry forward)."""
    made = 0
    while made < count:
        size = min(5000, count - made)
        children = Child.objects.bulk_create(
            [
                Child(
                    authority=authority,
                    legal_first_name=f"Bench{made + n}",
                    legal_last_name="Child",
                    date_of_birth=dt.date(2009, 9, 1) + dt.timedelta(days=rng.randint(0, 15 * 365)),
                )
                for n in range(size)
            ]
        )
        CareEpisode.objects.bulk_create(
            [
                CareEpisode(
                    child=c, started_on=dt.date(2025, 1, 6), legal_status=LegalStatus.CARE_ORDER
                )
                for c in children
            ]
        )
        with_previous = [c for c in children[::10] if c.date_of_birth < dt.date(2021, 9, 1)]
        peps = Pep.objects.bulk_create(
            [
                Pep(child=c, academic_year=2026, term=Term.AUTUMN, template="yg")
                for c in with_previous
            ]
        )
        PepSection.objects.bulk_create(
            [
                PepSection(
                    pep=p,
                    key="teacher_comments",
                    answers={"comments": "Settled well; reading is improving."},
                    status=SectionStatus.COMPLETE,
                )
                for p in peps
            ]
        )
        made += size


def spring(authority):  # type: ignore[no-untyped-def]
    rules = rules_for_authority(authority)
    # Autumn is still open on that day too; Spring is the term being set up.
    terms = deadlines.review_terms_to_set_up(rules, SET_UP_ON)
    term = next(t for t in terms if (t.code, t.academic_year) == ("spring", 2026))
    return rules, term


def bench_set_up(count: int, rng: random.Random) -> dict[str, object]:
    authority = authority_with_rules(f"bench{count}")
    t0 = time.perf_counter()
    make_children(authority, count, rng)
    print(f"  {count:,} children made in {time.perf_counter() - t0:.1f} s", flush=True)
    rules, term = spring(authority)
    t0 = time.perf_counter()
    made = notifications._set_up_term(authority, rules, term)
    took = time.perf_counter() - t0
    sections = PepSection.objects.filter(
        pep__child__authority=authority, pep__term=Term.SPRING
    ).count()
    t0 = time.perf_counter()
    again = notifications._set_up_term(authority, rules, term)
    rerun = time.perf_counter() - t0
    result = {
        "children": count,
        "peps_set_up": made,
        "sections_written": sections,
        "seconds": round(took, 1),
        "ms_per_pep": round(1000 * took / max(made, 1), 2),
        "rerun_created": again,
        "rerun_seconds": round(rerun, 1),
    }
    print(f"  {result}", flush=True)
    return result


def bench_one_by_one(count: int, rng: random.Random) -> dict[str, object]:
    authority = authority_with_rules(f"onebyone{count}")
    make_children(authority, count, rng)
    rules, term = spring(authority)
    t0 = time.perf_counter()
    made = notifications.set_up_term_one_by_one(authority, rules, term)
    took = time.perf_counter() - t0
    result = {
        "children": count,
        "peps_set_up": made,
        "seconds": round(took, 1),
        "ms_per_pep": round(1000 * took / max(made, 1), 2),
    }
    print(f"  one by one: {result}", flush=True)
    return result


def start_worker(log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TEST_DATABASE_URL": (
            f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}:"
            f"{connection.settings_dict['PORT']}/{connection.settings_dict['NAME']}"
        ),
    }
    out = log.open("wb")
    argv = [sys.executable, "-m", "celery", "-A", "pep_portal", "worker", "-Q", "documents"]
    argv += ["-c", "1", "--without-gossip", "--without-mingle", "-l", "INFO"]
    return subprocess.Popen(  # noqa: S603 (our own arguments)
        argv,
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def bench_pdfs(count: int, rng: random.Random) -> dict[str, object]:
    sys.path.insert(0, str(ROOT / "tests" / "documents"))
    from bench_render import fill  # the typical answers of the render benchmark

    authority = authority_with_rules("benchpdf")
    user = UserFactory.for_role(Role.VIRTUAL_SCHOOL_STAFF, authority=authority)
    make_children(authority, count, rng)
    rules, term = spring(authority)
    notifications._set_up_term(authority, rules, term)
    peps = list(
        Pep.objects.filter(child__authority=authority, term=Term.SPRING).order_by("pk")[:count]
    )
    for pep in peps:
        fill(pep, rng)
    log = Path(tempfile.mkdtemp(prefix="pep-bench-worker-")) / "worker.log"
    worker = start_worker(log)
    try:
        deadline = time.monotonic() + 120
        while b"ready." not in log.read_bytes():
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit(f"the worker did not start; see {log}")
            time.sleep(0.5)
        from documents import services as pdf_services

        t0 = time.perf_counter()
        for pep in peps:
            with transaction.atomic():
                pdf_services.filejobs.job_start(
                    kind=FileJobKind.PEP_PDF,
                    requested_by=user,
                    authority_id=authority.pk,
                    total=1,
                    download_name="bench.pdf",
                    params={"pep_id": pep.pk},
                )
        jobs = FileJob.objects.filter(kind=FileJobKind.PEP_PDF, requested_by=user)
        while jobs.exclude(status__in=["done", "failed"]).exists():
            if time.perf_counter() - t0 > 30 * 60 or worker.poll() is not None:
                raise SystemExit(f"the PDFs did not finish; see {log}")
            time.sleep(0.5)
        took = time.perf_counter() - t0
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    done = jobs.filter(status="done").count()
    result = {
        "pdfs": count,
        "done": done,
        "failed": count - done,
        "seconds": round(took, 1),
        "pdfs_per_minute": round(60 * done / took, 1),
        "worker": "celery prefork, 1 process, queue documents",
    }
    print(f"  {result}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--one-by-one", type=int, default=500)
    parser.add_argument("--pdfs", type=int, default=60)
    options = parser.parse_args()
    rng = random.Random(20261220)  # noqa: S311 (made-up children)
    old = setup_databases(verbosity=0, interactive=False)
    results: dict[str, object] = {
        "machine": f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} at start",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    try:
        print("Termly set-up, batched:", flush=True)
        results["set_up"] = [bench_set_up(int(n), rng) for n in options.sizes.split(",")]
        if options.one_by_one:
            print("Termly set-up, one child at a time (the old path):", flush=True)
            results["set_up_one_by_one"] = bench_one_by_one(options.one_by_one, rng)
        if options.pdfs:
            print("PDFs through one documents worker:", flush=True)
            results["pdfs"] = bench_pdfs(options.pdfs, rng)
    finally:
        connection.close()
        teardown_databases(old, verbosity=0)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(f"Results in {RESULTS}")


if __name__ == "__main__":
    main()
