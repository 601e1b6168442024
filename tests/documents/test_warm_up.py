"""A documents worker's process makes the stylesheet, fonts and templates as it starts, and
freezes what it holds for the garbage collector; other workers' processes do neither."""

import gc
import threading
from typing import Any

import pytest
from celery import current_app
from kombu import Queue

from documents import layout, pdf
from documents.receivers import warm_up_pdf_rendering


def _in_a_new_thread(monkeypatch: pytest.MonkeyPatch, queues: list[str]) -> dict[str, Any]:
    """Start a worker process's hook with these --queues, in a thread of its own (the
    stylesheet is made once per thread), and say what it left behind."""
    monkeypatch.setattr(current_app.amqp.queues, "_consume_from", {q: Queue(q) for q in queues})
    seen: dict[str, Any] = {}

    def start() -> None:
        warm_up_pdf_rendering()
        seen["stylesheet"] = getattr(layout._prepared, "stylesheet", None)

    thread = threading.Thread(target=start)
    thread.start()
    thread.join()
    seen["frozen"] = gc.get_freeze_count()
    return seen


@pytest.fixture
def unfrozen():  # type: ignore[no-untyped-def]
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_documents_workers_process_warms_up_and_freezes(monkeypatch, unfrozen):
    seen = _in_a_new_thread(monkeypatch, ["documents"])

    assert seen["stylesheet"] is not None
    assert seen["frozen"] > 10_000  # Django and the portal: far more objects than that


def test_another_queues_worker_does_not(monkeypatch, unfrozen):
    seen = _in_a_new_thread(monkeypatch, ["celery"])

    assert seen["stylesheet"] is None
    assert seen["frozen"] == 0


def test_a_failed_warm_up_does_not_stop_the_worker(monkeypatch, unfrozen):
    def broken() -> None:
        raise OSError("no fonts")

    monkeypatch.setattr(pdf, "warm_up", broken)
    seen = _in_a_new_thread(monkeypatch, ["documents"])

    assert seen["frozen"] > 10_000
