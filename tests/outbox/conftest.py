"""Real outages for the outbox tests: a Redis of the test's own that it stops and starts, a
real Celery worker, and a real SMTP server (aiosmtpd) that is absent, then present."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from kombu import pools as kombu_pools

from pep_portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
WORKER_OPTIONS = ["-P", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat"]
WORKER_OPTIONS += ["-Q", "celery,documents"]  # PDFs have their own queue
WORKER_OPTIONS += ["-l", "INFO"]  # the test reads the worker's log for its retries


def free_port() -> int:
    """A port nothing listens on (the OS's choice, so parallel runs never collide)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(
    check: Callable[[], object], what: str, timeout: float = 60, every: float = 0.2
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout:.0f} s"
        time.sleep(every)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class OwnRedis:
    """A redis-server on a port of its own, which the test stops and starts again (empty:
    whatever it held is gone, as after a crash without persistence)."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed (make services installs it)"
        options = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        options += ["--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(
            [binary, *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: listening(self.port), "Redis starting", timeout=20)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None
        wait_for(lambda: not listening(self.port), "Redis stopping", timeout=20)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    redis = OwnRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


def _reset_broker_connections() -> None:
    # Celery keeps a pool of broker connections (kombu's, shared by URL); a new broker URL
    # needs new pools. Close them all and forget them, as after a fork: they are made again
    # on next use, for whichever broker is configured then.
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker(own_redis: OwnRedis) -> Iterator[OwnRedis]:
    """This process publishes to `own_redis` for real (not eager), as the web process does."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = own_redis.url, False
    _reset_broker_connections()
    yield own_redis
    conf.broker_url, conf.task_always_eager = saved
    _reset_broker_connections()


def queued_task_names(
    redis: OwnRedis, queues: tuple[str, ...] = ("celery", "documents")
) -> list[str]:
    """Names of the tasks waiting in the broker's queues (the default queue, then the
    documents queue that CELERY_TASK_ROUTES sends PDF and file work to), each in the order a
    worker takes them (kombu pushes on the left and pops on the right)."""
    import json

    import redis as redis_client

    client = redis_client.Redis.from_url(redis.url)
    try:
        return [
            json.loads(message)["headers"]["task"]
            for queue in queues
            for message in reversed(client.lrange(queue, 0, -1))
        ]
    finally:
        client.close()


@dataclass
class Worker:
    log: Path
    process: subprocess.Popen[bytes]

    def said(self, text: str) -> bool:
        return text in self.log.read_text(errors="replace")


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start a real Celery worker on a broker, with the test's database and files, and the
    given environment (EMAIL_URL, …); stopped at the end of the test."""
    started: list[Worker] = []

    def start(broker_url: str, **env: str) -> Worker:
        db = connection.settings_dict
        log = tmp_path / f"worker-{len(started)}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "TEST_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "TEST_REDIS_URL": broker_url,
            "TEST_CELERY_ALWAYS_EAGER": "false",
            "TEST_PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
            **env,
        }
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "pep_portal", "worker", *WORKER_OPTIONS],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(log, process)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        os.killpg(worker.process.pid, signal.SIGTERM)
        try:
            worker.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.process.pid, signal.SIGKILL)


class Collect:
    """aiosmtpd handler: keep every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


@dataclass
class SmtpServer:
    """A real SMTP server that is not there until `start()`: connections are refused."""

    port: int = field(default_factory=free_port)
    handler: Collect = field(default_factory=Collect)
    controller: object | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[Message]:
        return self.handler.messages

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()
