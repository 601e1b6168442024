"""Benchmark (not a test; `make bench-jobs`, and `make bench` runs it): the portal's jobs.
Writes bench/results-jobs.json (parts run separately keep the others' figures).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pep_bench_jobs \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python bench/bench_jobs.py \\
        [--parts scale,documents,imports] [--sizes 10000,100000]

It makes a throwaway database (test_<name>) and drops it at the end. The parts:
- scale: at each size, N children in care of one authority (Medway's rules, demo term dates)
  -- a lighter seed than `seed_demo`: children, episodes, placements, school places, a social
  worker for 30 children, a designated teacher (approved) for 25, an adviser for 500; ages 2
  to 17, a tenth with last term's PEP to carry forward. The termly set-up for Spring 2026 is
  timed, then run again (it must create nothing); then the daily deadline sweep on a day nine
  days after most of those PEPs were due (every owner's immediate e-mails queued on Redis,
  not sent), and again the same day (nothing new). Each size's sweep sees only its own
  children: the earlier sizes' children have left care by then.
- documents: a PEP PDF of each template with answers of typical length (median and max time
  of a whole render; peak memory of a render in a forked process, which includes this
  benchmark's process it was forked from; and one render in a new process started as a
  documents worker's is, bench/render_one.py, whose own peak is the goal's figure), and a ZIP
  of 100 signed-off PEPs.
- imports: the SSDA903 roll import of ../shared/data/ssda903, its rule-breaking children left
  out and the rest copied (new case IDs) up to --roll-children; and a schools' MIS
  attendance file of 5,004 rows (417 children, 12 terms each), preview and import.
- one_by_one: the old one-child-at-a-time termly set-up on a sample, for comparison.
- pdf_worker: PEP PDF jobs through a real Celery worker (one process), PDFs per minute.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import math
import os
import random
import resource
import signal
import statistics
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
from django.db.models import Max  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from children.models import (  # noqa: E402
    CareEpisode,
    Child,
    Enrolment,
    LegalStatus,
    Placement,
    PlacementType,
    School,
    TeacherApproval,
)
from pep_portal.accounts.roles import Role  # noqa: E402
from pep_portal.calendars import deadlines  # noqa: E402
from pep_portal.calendars.demo import seed_demo_calendars  # noqa: E402
from pep_portal.calendars.selectors import rules_for_authority  # noqa: E402
from pep_portal.calendars.services import rule_set_load_preset  # noqa: E402
from pep_portal.filejobs.models import FileJob, FileJobKind  # noqa: E402
from pep_portal.notifications import services as notifications  # noqa: E402
from pep_portal.notifications.models import Notification  # noqa: E402
from peps.models import Pep, PepSection, PepSnapshot, SectionStatus, Term  # noqa: E402
from tests.factories import LocalAuthorityFactory, UserFactory  # noqa: E402

SET_UP_ON = dt.date(2026, 12, 20)
TODAY = dt.date(2026, 11, 24)
RESULTS = ROOT / "bench" / "results-jobs.json"


def authority_with_rules(slug: str):  # type: ignore[no-untyped-def]
    authority = LocalAuthorityFactory(name=f"{slug.title()} Council", slug=slug)
    rule_set_load_preset(preset="medway", slug=slug)
    seed_demo_calendars(authority, today=TODAY)
    return authority


class Staff:
    """The people a lighter seed gives children: a social worker for 30, a designated teacher
    (at a school of 25, approved by the authority) and an adviser for 500."""

    def __init__(self, authority, count: int) -> None:  # type: ignore[no-untyped-def]
        from pep_portal.accounts.models import User

        slug = authority.slug

        def users(
            key: str, role: str, n: int, schools: list[School] | None = None, **extra: object
        ) -> list[User]:
            return User.objects.bulk_create(
                [
                    User(
                        email=f"{key}.{i}@{slug}.example",
                        full_name=f"{key.title()} {i}",
                        password="!",  # noqa: S106 (unusable: nobody signs in as them)
                        role=role,
                        school=schools[i] if schools else None,
                        **extra,
                    )
                    for i in range(max(1, n))
                ],
                batch_size=5000,
            )

        self.social_workers = users("sw", Role.SOCIAL_WORKER, count // 30, authority=authority)
        self.advisers = users(
            "adviser",
            Role.VIRTUAL_SCHOOL_STAFF,
            count // 500,
            authority=authority,
            is_vs_adviser=True,
        )
        base = max(8_000_000, 1 + (School.objects.aggregate(m=Max("urn"))["m"] or 0))
        self.schools = School.objects.bulk_create(
            [
                School(urn=base + i, name=f"Bench School {i}", la_code=authority.la_code)
                for i in range(max(1, count // 25))
            ],
            batch_size=5000,
        )
        teachers = users(
            "teacher", Role.DESIGNATED_TEACHER, len(self.schools), schools=self.schools
        )
        TeacherApproval.objects.bulk_create(
            [
                TeacherApproval(
                    authority=authority,
                    teacher=t,
                    school=t.school,
                    approved_by=self.advisers[0],
                )
                for t in teachers
            ],
            batch_size=5000,
        )


def make_children(  # type: ignore[no-untyped-def]
    authority, count: int, rng: random.Random, staff: Staff | None = None
) -> None:
    """Children in care, straight to the rows (set-up for a benchmark); a tenth with last
    term's PEP (sections with answers that carry forward). With `staff`: each with a social
    worker, an adviser, a foster placement and (all but one in fifty) a school place."""
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
                    social_worker=staff.social_workers[(made + n) // 30 % len(staff.social_workers)]
                    if staff
                    else None,
                    virtual_school_adviser=staff.advisers[(made + n) // 500 % len(staff.advisers)]
                    if staff
                    else None,
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
        if staff is not None:
            Placement.objects.bulk_create(
                [
                    Placement(
                        child=c,
                        started_on=dt.date(2025, 1, 6),
                        placement_type=PlacementType.FOSTER,
                        setting_name="A foster family",
                    )
                    for c in children
                ]
            )
            Enrolment.objects.bulk_create(
                [
                    Enrolment(
                        child=c,
                        school=staff.schools[(made + n) // 25 % len(staff.schools)],
                        started_on=dt.date(2025, 1, 6),
                    )
                    for n, c in enumerate(children)
                    if (made + n) % 50 != 49
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


def bench_scale(count: int, rng: random.Random) -> dict[str, object]:
    """The termly set-up, then the daily sweep, for `count` children (see the module)."""
    authority = authority_with_rules(f"bench{count}")
    t0 = time.perf_counter()
    staff = Staff(authority, count)
    make_children(authority, count, rng, staff)
    print(f"  {count:,} children made in {time.perf_counter() - t0:.1f} s", flush=True)
    rules, term = spring(authority)
    load = round(os.getloadavg()[0], 1)
    t0 = time.perf_counter()
    made = notifications._set_up_term(authority, rules, term)
    took = time.perf_counter() - t0
    sections = PepSection.objects.filter(
        pep__child__authority=authority, pep__term=Term.SPRING
    ).count()
    t0 = time.perf_counter()
    again = notifications._set_up_term(authority, rules, term)
    rerun = time.perf_counter() - t0
    set_up = {
        "children": count,
        "peps_set_up": made,
        "sections_written": sections,
        "seconds": round(took, 1),
        "ms_per_pep": round(1000 * took / max(made, 1), 2),
        "rerun_created": again,
        "rerun_seconds": round(rerun, 1),
        "load_average_at_start": load,
    }
    print(f"  set-up: {set_up}", flush=True)
    return {"set_up": set_up, "sweep": bench_sweep(authority, count)}


def bench_sweep(authority, count: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    # Only this size's children in care: the earlier sizes' have left (their PEPs are owed no
    # more reminders), so the sweep's figure is for `count` children.
    CareEpisode.objects.filter(ended_on__isnull=True).exclude(child__authority=authority).update(
        ended_on=SET_UP_ON
    )
    dues = sorted(
        Pep.objects.filter(child__authority=authority, term=Term.SPRING)
        .exclude(due_on=None)
        .values_list("due_on", flat=True)
    )
    day = dues[len(dues) // 2] + dt.timedelta(days=9)
    load = round(os.getloadavg()[0], 1)
    before = Notification.objects.count()
    t0 = time.perf_counter()
    sent = notifications.sweep_deadlines(today=day)
    took = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = notifications.sweep_deadlines(today=day)
    rerun = time.perf_counter() - t0
    result = {
        "children": count,
        "day": day.isoformat(),
        "notifications": len(sent),
        "notifications_stored": Notification.objects.count() - before,
        "people_told": len({d.recipient_id for d in sent}),
        "seconds": round(took, 1),
        "rerun_new": len(again),
        "rerun_seconds": round(rerun, 1),
        "emails": "immediate (the default): one task per 500 people queued on Redis, not sent",
        "load_average_at_start": load,
    }
    print(f"  sweep: {result}", flush=True)
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
    env = _this_database_env()
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
    from typical import fill  # the typical answers of the render benchmark

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


def _this_database_env() -> dict[str, str]:
    """The environment of a process of ours that uses this run's (test) database."""
    url = (
        f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}:"
        f"{connection.settings_dict['PORT']}/{connection.settings_dict['NAME']}"
    )
    return {**os.environ, "TEST_DATABASE_URL": url, "BENCH_DATABASE_URL": url}


def render_in_a_new_process(pep_id: int) -> dict[str, float]:
    """A new process that renders one PEP's PDF as a documents worker's process does
    (bench/render_one.py): started with what a Celery worker imports (Django, its checks, every
    app's tasks; not this benchmark's test factories), warmed up as the worker does when it
    starts (documents/receivers.py), the PEP read, its HTML built and laid out. Its figures:
    the seconds of the render; its memory as started, the floor (resident memory before the
    render, after the warm-up), the peak (the process's own peak resident size, VmHWM) and
    what the render added to the floor; how long the warm-up took, and what a first render
    without it takes."""
    figures: dict[str, float] = {}
    for warm in (True, False):
        with tempfile.TemporaryFile() as out:
            argv = [sys.executable, str(ROOT / "bench" / "render_one.py"), str(pep_id)]
            child = subprocess.Popen(  # noqa: S603 (our own arguments)
                [*argv, *([] if warm else ["--cold"])],
                cwd=ROOT,
                env=_this_database_env(),
                stdout=out,
            )
            # Not wait4's ru_maxrss: Linux counts in it the memory the child had before its
            # exec, a copy of this (large) process, so it reported this process's size.
            _, status = os.waitpid(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            if child.returncode:
                raise SystemExit(f"the render of PEP {pep_id} failed (exit {child.returncode})")
            said = json.loads(out.read().decode().strip().splitlines()[-1])
        if warm:
            figures = {
                "new_process_seconds": said["seconds"],
                "new_process_warm_up_seconds": said["warm_up_seconds"],
                "new_process_started_mb": said["started_mb"],
                "new_process_floor_mb": said["floor_mb"],
                "new_process_peak_rss_mb": said["peak_mb"],
                "new_process_peak_before_the_render_mb": said["peak_before_the_render_mb"],
                "new_process_render_adds_mb": said["peak_mb"] - said["floor_mb"],
            }
        else:
            figures["new_process_cold_seconds"] = said["seconds"]
    return figures


def bench_documents(per_template: int, bulk: int, rng: random.Random) -> dict[str, object]:
    """A PDF of each template (time of a whole render; peak memory of a render in a forked
    process), and a ZIP of `bulk` signed-off PEPs (run in this process, as its task would)."""
    sys.path.insert(0, str(ROOT / "tests" / "documents"))
    from types import SimpleNamespace

    import bench_render as render  # the forked render
    import typical  # the typical answers
    from django.utils import timezone

    from children.school_year import PepTemplate
    from documents import pdf
    from documents import services as pdf_services
    from peps.models import PepStatus
    from peps.services import pep_set_up, pep_snapshot
    from tests.children.fixtures import register
    from tests.factories import SchoolFactory

    authority = authority_with_rules("benchdocs")
    school = SchoolFactory(name="Bench High School")
    staff = SimpleNamespace(
        virtual_school_staff=UserFactory.for_role(Role.VIRTUAL_SCHOOL_STAFF, authority=authority),
        social_worker=UserFactory.for_role(Role.SOCIAL_WORKER, authority=authority),
        carer=UserFactory.for_role(Role.CARER, authority=authority),
    )
    each = max(per_template, -(-bulk // 3))
    peps: dict[str, list[Pep]] = {t: [] for t in PepTemplate}
    for template in PepTemplate:
        for n in range(each):
            child = register(  # type: ignore[arg-type]
                staff, school=school, name=f"Bench{template}{n}", initial_pep=False
            )
            Child.objects.filter(pk=child.pk).update(date_of_birth=typical.BORN[template])
            child.refresh_from_db()
            pep = pep_set_up(
                actor=staff.virtual_school_staff, child=child, academic_year=2026, term=Term.AUTUMN
            )
            typical.fill(pep, rng)
            peps[template].append(pep)
    extra = typical.typical_extra(rng)
    pdf.html_to_pdf(pdf.render_html(pdf.pep_document(peps[PepTemplate.YG][0], extra=extra)))
    forked_from = render.peak_rss_of_render(None)[1]
    templates = {}
    for template in PepTemplate:
        whole, cpu, forked, pages = [], [], [], 0
        for pep in peps[template][:per_template]:
            pep = Pep.objects.select_related("child", "child__authority").get(pk=pep.pk)
            t0, c0 = time.perf_counter(), time.process_time()
            html = pdf.render_html(pdf.pep_document(pep, extra=extra))
            data = pdf.html_to_pdf(html)
            whole.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            pages = render.page_count(data)
            forked.append(render.peak_rss_of_render(html))
        fresh = render_in_a_new_process(peps[template][0].pk)
        peak_forked = max(m for _, m in forked)
        templates[str(template)] = {
            "pdfs": len(whole),
            "pages": pages,
            "median_seconds": round(statistics.median(whole), 3),
            "max_seconds": round(max(whole), 3),
            # This process's CPU time: steadier than the wall clock on a shared machine.
            "median_cpu_seconds": round(statistics.median(cpu), 3),
            "layout_in_subprocess_median_seconds": round(
                statistics.median(s for s, _ in forked), 3
            ),
            # Includes the benchmark's own process it was forked from (its test data too).
            "peak_rss_mb": peak_forked,
            "render_adds_to_the_forked_process_mb": peak_forked - forked_from,
            **fresh,
        }
        print(f"  PDF {template}: {templates[str(template)]}", flush=True)
    # The ZIP: every PEP signed off (straight to the rows: set-up, not what is measured).
    now = timezone.now()
    for pep in Pep.objects.filter(child__authority=authority):
        pep.status, pep.meeting_on = PepStatus.SIGNED_OFF, typical.HELD
        pep.signed_off_at, pep.signed_off_by = now, staff.virtual_school_staff
        pep.save()
        PepSnapshot.objects.update_or_create(pep=pep, defaults={"content": pep_snapshot(pep)})
    ids = list(
        Pep.objects.filter(child__authority=authority).order_by("pk").values_list("pk", flat=True)
    )[:bulk]
    pdf_services._extra_for = lambda pep: extra  # type: ignore[assignment]
    pdf.prepare_rendering_process()  # as a documents worker's process does as it starts
    t0, c0 = time.perf_counter(), time.process_time()
    job = pdf_services.bulk_job_start(actor=staff.virtual_school_staff, pep_ids=ids)
    pdf_services.pep_pdfs_zip(job_id=job.pk)  # what the task does (no worker here)
    took, cpu_took = time.perf_counter() - t0, time.process_time() - c0
    job = FileJob.objects.get(pk=job.pk)
    zipped = {
        "peps": job.total,
        "state": job.state,
        "failed": len(job.failed),
        "seconds": round(took, 1),
        "seconds_each": round(took / max(job.total, 1), 2),
        "cpu_seconds": round(cpu_took, 1),
        "mb": round(job.zip_bytes / 1e6, 1),
        "note": "signed off by the rows, so no kept PDFs: every PEP rendered",
    }
    print(f"  ZIP: {zipped}", flush=True)
    return {
        "pdf_per_template": templates,
        "rss_of_the_process_forked_from_mb": forked_from,
        "bulk_zip": zipped,
        "load_average": round(os.getloadavg()[0], 1),
    }


def scaled_903(folder: Path, wanted: int) -> tuple[Path, Path, int, int]:
    """../shared/data/ssda903 without its rule-breaking children (tests/roll/oracle.py), copied
    with new case IDs ("<id>-<copy>", no UPN) until it holds `wanted` children."""
    from tests.roll import oracle

    clean = folder / "clean"
    clean.mkdir()
    header_in, episodes_in = oracle.write_clean_copy(clean)
    header = list(csv.DictReader(header_in.open(newline="")))
    episodes = list(csv.DictReader(episodes_in.open(newline="")))
    by_child: dict[str, list[dict[str, str]]] = {}
    for row in episodes:
        by_child.setdefault(row["CHILD"], []).append(row)
    header_out, episodes_out = folder / "header.csv", folder / "episodes.csv"
    children = episode_rows = 0
    with header_out.open("w", newline="") as h, episodes_out.open("w", newline="") as e:
        hw = csv.DictWriter(h, fieldnames=list(header[0]))
        ew = csv.DictWriter(e, fieldnames=list(episodes[0]))
        hw.writeheader()
        ew.writeheader()
        for copy in range(math.ceil(wanted / len(header))):
            for row in header:
                if children == wanted:
                    break
                new_id = row["CHILD"] if copy == 0 else f"{row['CHILD']}-{copy}"
                hw.writerow({**row, "CHILD": new_id, "UPN": row["UPN"] if copy == 0 else ""})
                for episode in by_child.get(row["CHILD"], []):
                    ew.writerow({**episode, "CHILD": new_id})
                    episode_rows += 1
                children += 1
    return header_out, episodes_out, children, episode_rows


def bench_roll(wanted: int) -> dict[str, object]:
    from roll.services import roll_import, summary_line
    from roll.ssda903 import parse_extract
    from tests.roll.oracle import AS_OF

    authority = authority_with_rules("bench903")
    with tempfile.TemporaryDirectory() as folder:
        header, episodes, children, rows = scaled_903(Path(folder), wanted)
        files = [(p.name, p.read_bytes()) for p in (header, episodes)]
    result: dict[str, object] = {"children": children, "episodes": rows, "as_of": str(AS_OF)}
    for key in ("first_import", "re_import"):
        t0 = time.perf_counter()
        extract = parse_extract(files, AS_OF)
        parsed = time.perf_counter() - t0
        done = roll_import(authority=authority, extract=extract, as_of=AS_OF)
        result[f"{key}_seconds"] = round(time.perf_counter() - t0, 1)
        result[f"{key}_parse_seconds"] = round(parsed, 1)
        result[f"{key}_summary"] = summary_line(done.counts)
        result[f"{key}_errors"] = len(done.errors)
    result["load_average"] = round(os.getloadavg()[0], 1)
    print(f"  SSDA903: {result}", flush=True)
    return result


def bench_mis(rows_wanted: int = 5004) -> dict[str, object]:
    """A schools' MIS attendance file: 417 children, 12 terms each (four school years)."""
    from children.upn import upn_check_letter
    from outcomes.models import TermAttendance
    from outcomes.services import mis_import, mis_preview

    authority = authority_with_rules("benchmis")
    adviser = UserFactory.for_role(Role.VIRTUAL_SCHOOL_STAFF, authority=authority)
    count = math.ceil(rows_wanted / 12)
    upns = []
    for n in range(count):
        body = f"80120012{n:04d}"[:12]
        upns.append(upn_check_letter(body) + body)
    Child.objects.bulk_create(
        Child(
            authority=authority,
            legal_first_name="Pupil",
            legal_last_name=f"Number{n}",
            date_of_birth=dt.date(2012, 1, 1),
            gender="not_known",
            upn=upn,
            virtual_school_adviser=adviser,
        )
        for n, upn in enumerate(upns)
    )
    out = io.StringIO()
    out.write(
        "UPN,From,To,Sessions possible,Sessions present,Authorised absence,Unauthorised absence\n"
    )
    for n, upn in enumerate(upns):
        for year in (2022, 2023, 2024, 2025):
            for t, (first, last) in enumerate(
                (
                    (f"{year}-09-03", f"{year}-12-19"),
                    (f"{year + 1}-01-05", f"{year + 1}-03-27"),
                    (f"{year + 1}-04-13", f"{year + 1}-07-22"),
                )
            ):
                present = 144 + (n + t) % 17
                out.write(f"{upn},{first},{last},160,{present},{160 - present},0\n")
    content = out.getvalue().encode()
    t0 = time.perf_counter()
    upload = mis_preview(actor=adviser, layout="attendance", file_name="mis.csv", content=content)
    preview = time.perf_counter() - t0
    t1 = time.perf_counter()
    written = mis_import(actor=adviser, upload=upload)
    imported = time.perf_counter() - t1
    result = {
        "rows": content.count(b"\n") - 1,
        "status_after_preview": str(upload.status),
        "written": written,
        "stored": TermAttendance.objects.filter(child__authority=authority).count(),
        "preview_seconds": round(preview, 1),
        "import_seconds": round(imported, 1),
        "seconds": round(preview + imported, 1),
        "load_average": round(os.getloadavg()[0], 1),
    }
    print(f"  MIS: {result}", flush=True)
    return result


PARTS = ("scale", "documents", "imports", "one_by_one", "pdf_worker")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="scale,documents,imports", help=", ".join(PARTS))
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--one-by-one", type=int, default=500)
    parser.add_argument("--pdfs", type=int, default=60, help="PDF jobs through the worker")
    parser.add_argument("--per-template", type=int, default=5)
    parser.add_argument("--bulk", type=int, default=100)
    parser.add_argument("--roll-children", type=int, default=10_000)
    parser.add_argument("--mis-rows", type=int, default=5004)
    options = parser.parse_args()
    parts = [p for p in options.parts.split(",") if p]
    if unknown := set(parts) - set(PARTS):
        raise SystemExit(f"unknown parts {sorted(unknown)}: choose from {', '.join(PARTS)}")
    rng = random.Random(20261220)  # noqa: S311 (made-up children)
    # Stopped (kill, or the machine's deadline): the figures so far are written and the
    # throwaway database dropped, as at the end.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    old = setup_databases(verbosity=0, interactive=False)
    results: dict[str, object] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    run = {
        "machine": f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} at start",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    # Documents first: the forked renders' peak memory includes this process, which is still
    # small then (as a worker's is), not grown by 100,000 children's set-up.
    try:
        if "documents" in parts:
            print("PDFs and a bulk ZIP:", flush=True)
            results["documents"] = {
                **bench_documents(options.per_template, options.bulk, rng),
                **run,
            }
        if "imports" in parts:
            print("Imports:", flush=True)
            results["ssda903_import"] = {**bench_roll(options.roll_children), **run}
            results["mis_import"] = {**bench_mis(options.mis_rows), **run}
        if "scale" in parts:
            print("Termly set-up and the daily sweep:", flush=True)
            set_ups: list[dict[str, object]] = []
            sweeps: list[dict[str, object]] = []
            results["set_up"], results["sweep"] = set_ups, sweeps
            for n in options.sizes.split(","):
                if n:
                    scale = bench_scale(int(n), rng)
                    set_ups.append({**scale["set_up"], **run})  # type: ignore[dict-item]
                    sweeps.append({**scale["sweep"], **run})  # type: ignore[dict-item]
                    # Kept as each size finishes: a run stopped at 100,000 keeps 10,000.
                    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        if "one_by_one" in parts:
            print("Termly set-up, one child at a time (the old path):", flush=True)
            results["set_up_one_by_one"] = {**bench_one_by_one(options.one_by_one, rng), **run}
        if "pdf_worker" in parts:
            print("PDFs through one documents worker:", flush=True)
            results["pdfs"] = {**bench_pdfs(options.pdfs, rng), **run}
        results["peak_rss_of_this_process_mb"] = (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        )
    finally:
        connection.close()
        teardown_databases(old, verbosity=0)
        from pep_portal.celery import app

        app.control.purge()  # the e-mails the sweep queued: nobody is here to send them
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(f"Results in {RESULTS}")


if __name__ == "__main__":
    main()
