"""Benchmark helper (bench/bench_jobs.py runs it): one PEP's PDF in a new process started as a
documents worker's is, and that process's own memory, printed as JSON.

    TEST_DATABASE_URL=... .venv/bin/python bench/render_one.py PEP_ID [--cold]

The process imports what a Celery worker's does as it starts (`app.loader.import_default_modules`:
Django set up, its checks, so every URL and view, and every app's tasks.py) and nothing of the
benchmark's (no test factories), warms up as a documents worker's process does
(documents/receivers.py; not with --cold), reads the PEP and renders it. Its figures: the
render's seconds, the warm-up's, the floor (resident memory before the render), the peak
(VmHWM: the process's own peak resident size, from its start) and the peak before the render.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")  # its database: the bench's


def memory_mb() -> tuple[int, int]:
    """(resident now, peak resident so far) of this process, in MB (Linux's VmRSS, VmHWM)."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(status["VmRSS"].split()[0]) // 1024, int(status["VmHWM"].split()[0]) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pep_id", type=int)
    parser.add_argument("--cold", action="store_true", help="no warm-up before the render")
    options = parser.parse_args()

    from pep_portal.celery import app

    app.loader.import_default_modules()  # what a worker imports as it starts
    started_process = memory_mb()[0]

    from documents import pdf
    from peps.models import Pep
    from tests.documents import typical  # the portal's own modules only

    started = time.perf_counter()
    if not options.cold:
        pdf.prepare_rendering_process()  # as a documents worker's process does as it starts
    warm_up_seconds = time.perf_counter() - started
    extra = typical.typical_extra(random.Random(options.pep_id))  # noqa: S311 (made-up answers)
    pep = Pep.objects.select_related("child", "child__authority").get(pk=options.pep_id)
    floor, peak_before = memory_mb()
    started = time.perf_counter()
    pdf.html_to_pdf(pdf.render_html(pdf.pep_document(pep, extra=extra)))
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": round(seconds, 3),
                "warm_up_seconds": round(warm_up_seconds, 3),
                "started_mb": started_process,
                "floor_mb": floor,
                "peak_before_the_render_mb": peak_before,
                "peak_mb": memory_mb()[1],
            }
        )
    )


if __name__ == "__main__":
    main()
