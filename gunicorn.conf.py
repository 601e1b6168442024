"""gunicorn's settings for the portal (docker-compose's `web`; gunicorn also reads this file by
itself when started from this folder). Command-line options override it."""

import math
import os
from pathlib import Path

from gunicorn.http import wsgi


def _cores() -> int:
    """The cores this process may use: its CPU set, capped by a container's CPU limit (cgroup v2
    cpu.max, e.g. docker-compose's `cpus`), so a small container on a large host does not start
    a worker per host core."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return cores


# The shape of the web process (README "Scaling"; docs/performance-notes.md, "Task D"): a worker
# per core and one more, two threads each, so a request waiting on PostgreSQL leaves its core to
# another (with 2 sync workers on 2 cores, CPU sat idle). Measured on 2 cores at 10,000 children,
# 8 clients, each run beside 2 sync workers minutes apart on a shared machine: the PEP and child
# pages 1.05-3.6x the throughput in all three pairs, the home page and children list ahead in two
# of three; 3 processes of about 150 MB. WEB_CONCURRENCY (gunicorn's
# own variable) and GUNICORN_THREADS change it; --workers/--threads on the command line override
# both. The code is thread-safe for this: the per-request memo is a context variable, and PDF
# renders stop by a watchdog thread, not SIGALRM.
workers = int(os.environ.get("WEB_CONCURRENCY") or 0) or _cores() + 1
threads = int(os.environ.get("GUNICORN_THREADS") or 0) or 2

# gunicorn names itself in a Server header on every response and has no setting to stop it
# (its maintainers declined one). Naming the server only helps someone looking for a known
# flaw, so the header is left out. The test starts gunicorn and checks (defect 15, issue 12).
_default_headers = wsgi.Response.default_headers


def _default_headers_without_server(self: wsgi.Response) -> list[str]:
    return [line for line in _default_headers(self) if not line.startswith("Server:")]


wsgi.Response.default_headers = _default_headers_without_server  # type: ignore[method-assign]
