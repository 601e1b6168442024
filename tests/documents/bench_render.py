"""Benchmark: rendering PEPs to PDF, and a bulk ZIP of 100 signed-off PEPs.

Not a test (pytest collects only test_*.py): run it by hand, on PostgreSQL, for the README.

    TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pep_bench \\
        .venv/bin/python tests/documents/bench_render.py --per-template 20

It makes a throwaway test database (test_<name>), fills PEPs of each template with answers of
typical length (a few sentences per text box), a meeting with attendees and actions, four
targets with reviews and a QA record, then reports for each template:

- the time of a whole render (read the PEP, build the HTML, lay out the PDF): median, p95, max;
- the peak resident memory (RSS) of a process rendering one PEP: each sample is laid out in a
  forked child, whose peak RSS the kernel reports (it includes the Django process it forked
  from, as a worker's would);

then the time of a bulk ZIP of 100 signed-off PEPs (run in-process, as the eager demo does),
and one PEP at the form's limits (every text box full, 40 targets).
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django
from pypdf import PdfReader

django.setup()

from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

from children.school_year import PepTemplate  # noqa: E402
from documents import pdf  # noqa: E402
from documents import services as pdf_services  # noqa: E402
from pep_portal.accounts.roles import Role  # noqa: E402
from pep_portal.calendars.demo import seed_demo_calendars  # noqa: E402
from pep_portal.calendars.services import rule_set_load_preset  # noqa: E402
from peps.models import Pep, PepSnapshot, PepStatus, Term  # noqa: E402
from peps.services import pep_set_up, pep_snapshot  # noqa: E402
from tests.children.fixtures import register  # noqa: E402
from tests.documents.typical import BORN, HELD, TODAY, fill, typical_extra  # noqa: E402
from tests.factories import LocalAuthorityFactory, SchoolFactory, UserFactory  # noqa: E402


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def peak_rss_of_render(html: str | None) -> tuple[float, int]:
    """(seconds, peak RSS in MB) of laying out `html` in a forked child process; with no
    HTML, of a child that does nothing (the baseline: the process it was forked from)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no database, no Django teardown; just the layout
        os.close(read)
        started = time.perf_counter()
        size = len(pdf.html_to_pdf(html)) if html is not None else 0
        os.write(write, f"{time.perf_counter() - started} {size}".encode())
        os._exit(0)
    os.close(write)
    seconds = float(os.read(read, 100).split()[0])
    os.close(read)
    _, _, usage = os.wait4(pid, 0)
    return seconds, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-template", type=int, default=20)
    parser.add_argument("--bulk", type=int, default=100)
    parser.add_argument("--rss-samples", type=int, default=5)
    options = parser.parse_args()

    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        run(options)
    finally:
        teardown_databases(old_config, verbosity=0)


def run(options: argparse.Namespace) -> None:
    logging.getLogger("documents.services").setLevel(logging.WARNING)
    logging.getLogger("celery").setLevel(logging.WARNING)
    rng = random.Random(20261124)  # noqa: S311 (made-up answers, not secrets)
    authority = LocalAuthorityFactory(name="Benchshire Council", slug="benchshire", la_code="801")
    school = SchoolFactory(name="Bench High School")
    staff = SimpleNamespace(
        virtual_school_staff=UserFactory.for_role(
            Role.VIRTUAL_SCHOOL_STAFF, authority=authority, full_name="Vic School"
        ),
        social_worker=UserFactory.for_role(Role.SOCIAL_WORKER, authority=authority),
        carer=UserFactory.for_role(Role.CARER, authority=authority),
    )
    rule_set_load_preset(preset="medway", slug=authority.slug)
    seed_demo_calendars(authority, today=TODAY)

    per_template = max(options.per_template, -(-options.bulk // 3))
    peps: dict[str, list[Pep]] = {t: [] for t in PepTemplate}
    started = time.perf_counter()
    for template in PepTemplate:
        for n in range(per_template):
            child = register(  # type: ignore[arg-type]
                staff, school=school, name=f"Bench{template}{n}", initial_pep=False
            )
            child.date_of_birth = BORN[template]
            child.save()
            pep = pep_set_up(
                actor=staff.virtual_school_staff,
                child=child,
                academic_year=2026,
                term=Term.AUTUMN,
            )
            fill(pep, rng)
            peps[template].append(pep)
    print(f"Set up {per_template * 3} PEPs in {time.perf_counter() - started:.1f} s\n")

    extra = typical_extra(rng)
    pdf.html_to_pdf(pdf.render_html(pdf.pep_document(peps[PepTemplate.YG][0], extra=extra)))
    baseline = peak_rss_of_render(None)[1]
    print(f"Baseline RSS of the process before a render (Django, WeasyPrint loaded): {baseline} MB")

    print(
        f"{'template':<9} {'n':>3} {'pages':>5} {'median s':>9} {'p95 s':>7} {'max s':>7} "
        f"{'layout only median s':>21} {'peak RSS MB':>12}"
    )
    for template in PepTemplate:
        sample = peps[template][: options.per_template]
        whole, pages = [], 0
        for pep in sample:
            pep = Pep.objects.select_related("child", "child__authority").get(pk=pep.pk)
            t0 = time.perf_counter()
            data = pdf.html_to_pdf(pdf.render_html(pdf.pep_document(pep, extra=extra)))
            whole.append(time.perf_counter() - t0)
            pages = page_count(data)
        htmls = [
            pdf.render_html(pdf.pep_document(pep, extra=extra))
            for pep in sample[: options.rss_samples]
        ]
        forked = [peak_rss_of_render(html) for html in htmls]
        print(
            f"{template:<9} {len(whole):>3} {pages:>5} {statistics.median(whole):>9.3f} "
            f"{percentile(whole, 95):>7.3f} {max(whole):>7.3f} "
            f"{statistics.median(s for s, _ in forked):>21.3f} {max(m for _, m in forked):>12}"
        )

    # The bulk ZIP: sign every PEP off (straight to the rows, as above), then one job.
    now = timezone.now()
    for pep in Pep.objects.all():
        pep.status, pep.meeting_on = PepStatus.SIGNED_OFF, HELD
        pep.signed_off_at, pep.signed_off_by = now, staff.virtual_school_staff
        pep.save()
        PepSnapshot.objects.update_or_create(pep=pep, defaults={"content": pep_snapshot(pep)})
    ids = list(Pep.objects.order_by("pk").values_list("pk", flat=True)[: options.bulk])
    pdf_services._extra_for = lambda pep: extra  # type: ignore[assignment]
    t0 = time.perf_counter()
    # CELERY_TASK_ALWAYS_EAGER (tests.settings): the task runs as the job is started.
    job = pdf_services.bulk_job_start(actor=staff.virtual_school_staff, pep_ids=ids)
    took = time.perf_counter() - t0
    job = pdf_services.FileJob.objects.get(pk=job.pk)
    assert job.state == "done", job
    print(
        f"\nBulk ZIP of {job.total} signed-off PEPs: {took:.1f} s "
        f"({took / job.total:.2f} s each), {job.zip_bytes / 1e6:.1f} MB, "
        f"{len(job.failed)} failed"
    )

    # One PEP at the limits: every text box full (5,000 characters), 40 targets.
    huge = peps[PepTemplate.YG][0]
    fill(huge, rng, full=True)
    huge.status = PepStatus.IN_PROGRESS
    huge.save()
    html = pdf.render_html(pdf.pep_document(huge, extra=typical_extra(rng, targets=40)))
    seconds, rss = peak_rss_of_render(html)
    data = pdf.html_to_pdf(html)
    print(
        f"A PEP at the form's limits: {seconds:.2f} s, {page_count(data)} pages, peak RSS {rss} MB"
    )
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"This process's peak RSS (Django, test data, all renders): {self_rss} MB")


if __name__ == "__main__":
    main()
