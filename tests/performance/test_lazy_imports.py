"""Libraries only some pages or tasks need are imported by them, not by every process as it
starts: a web process (gunicorn: the WSGI application, its middleware and every URL) and a
worker's process (Celery: Django's checks and every app's tasks) leave them out, so each
process is smaller (docs/performance-notes.md, "Task 21F"). Each process is a new Python, as
gunicorn's and Celery's are: this test process has imported everything already."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Each with who needs it, and so imports it when it is needed.
LAZY = {
    "weasyprint": "documents/layout.py: a PEP's PDF (a documents worker imports it as it starts)",
    "fontTools": "WeasyPrint's font subsetting",
    "openpyxl": "pep_portal/xlsx_export.py: the education outcomes workbook",
    "icalendar": "pep_portal/notifications/ics.py: a meeting e-mail's calendar entry",
    "holidays": "pep_portal/calendars/deadlines.py: counting working days",
    "segno": "pep_portal/security/views.py: the QR code of a new authenticator app",
    "mozilla_django_oidc": "pep_portal/security/urls.py: single sign-on (and its backend)",
}

WEB = """
from pep_portal.wsgi import application  # noqa: F401 (Django set up, middleware loaded)
from django.urls import get_resolver
get_resolver().url_patterns  # every app's URLs and views, as the first request loads them
"""

WORKER = """
from pep_portal.celery import app
app.loader.import_default_modules()  # as a worker starts: Django's checks, every tasks.py
"""


def _loaded(code: str) -> dict[str, bool]:
    probe = (
        code
        + f"\nimport json, sys\nprint(json.dumps({{m: m in sys.modules for m in {list(LAZY)}}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded: dict[str, bool] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize("process", ["web", "worker"])
def test_a_new_process_does_not_import_what_only_some_pages_and_tasks_need(process: str) -> None:
    loaded = _loaded(WEB if process == "web" else WORKER)

    assert [m for m, is_loaded in loaded.items() if is_loaded] == []


def test_the_probe_sees_an_import() -> None:
    # The probe itself: a module imported in the process is reported.
    loaded = _loaded(WEB + "\nfrom documents import layout  # noqa: F401")

    assert loaded["weasyprint"] is True
    assert loaded["fontTools"] is True


def _worker_main_process_taking(queue: str) -> str:
    # A worker's main process as its pool is about to start: its --queues set, worker_init sent.
    return (
        WORKER
        + f"""
from celery.signals import worker_init
from kombu import Queue
app.amqp.queues._consume_from = {{{queue!r}: Queue({queue!r})}}
worker_init.send(sender=None)
"""
    )


def test_a_documents_workers_main_process_imports_weasyprint_for_its_pool() -> None:
    # Once, before the pool's processes are forked, so they share it (documents/receivers.py).
    assert _loaded(_worker_main_process_taking("documents"))["weasyprint"] is True


def test_another_queues_worker_does_not_import_weasyprint() -> None:
    assert _loaded(_worker_main_process_taking("celery"))["weasyprint"] is False
