"""Running the same work on several threads at once, and proving every thread finished.

A concurrency test that only looks at the database afterwards passes when a thread died
early (its exception is printed and swallowed by `threading`) or is still stuck on a lock:
each thread here waits at a barrier so they really start together, and the caller gets back
every thread's result, or the test fails naming the thread that raised or never finished."""

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def run_at_once(work: Callable[[], T], *, threads: int = 2, timeout: float = 60) -> list[T]:
    start = threading.Barrier(threads, timeout=timeout)
    results: dict[int, T] = {}
    errors: dict[int, BaseException] = {}

    def run(n: int) -> None:
        try:
            start.wait()
            results[n] = work()
        except BaseException as error:  # reported to the test below
            errors[n] = error
        finally:
            connection.close()

    running = [threading.Thread(target=run, args=(n,), name=f"worker-{n}") for n in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout)
    stuck = [t.name for t in running if t.is_alive()]
    assert not stuck, f"{stuck} did not finish within {timeout} s"
    assert not errors, f"threads raised: {errors!r}"
    assert sorted(results) == list(range(threads)), f"only {sorted(results)} returned"
    return [results[n] for n in range(threads)]
