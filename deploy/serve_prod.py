"""`make serve-prod`: the compose stack's own commands, run as local processes.

The commands come from docker-compose.yml (and collectstatic from the Dockerfile), so what runs
here cannot drift from what the containers run: `migrate` first and to completion, then `web`,
`worker`, `worker-documents` (the PDF queue) and `beat`, each restarted if it dies (compose's
`restart: unless-stopped`), against
the PostgreSQL and Redis named by DATABASE_URL and REDIS_URL, with production settings
(DEBUG off). Only what differs between a container and this machine is changed: the programs
are this virtualenv's, gunicorn binds 127.0.0.1:PORT, beat keeps its schedule file in the run
folder.

Private files (attachments, kept PDFs, ZIPs) go to S3-compatible object storage, as on more
than one machine: the bucket named by PRIVATE_STORAGE_BUCKET (and PRIVATE_STORAGE_ENDPOINT_URL,
AWS_ACCESS_KEY_ID, …) if set; otherwise an S3 test server (moto's server mode, the one the tests
use) that serve-prod starts on a free port with an empty bucket, for as long as it runs (its
contents are lost when it stops). `--files` keeps them in PRIVATE_MEDIA_ROOT instead, as
compose's shared volume does. RUN_DIR/s3.json says which endpoint and bucket are in use.

Each service's output goes to RUN_DIR/<service>.log and its process id to RUN_DIR/<service>.pid
(a test kills the documents worker through it). Stop everything with Ctrl-C.

    python -m deploy.serve_prod [--port 8000] [--run-dir .serve-prod] [--files]
    python -m deploy.serve_prod --check web|worker|worker-documents|beat   # its health check
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
LONG_RUNNING = ("web", "worker", "worker-documents", "beat")
# Settings a container gets from .env and its secrets: here from the environment, with
# defaults good for one machine. DEBUG is always off: these are production settings.
DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/pep_serve_prod",
    "REDIS_URL": "redis://127.0.0.1:6379/14",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "BEHIND_TLS_PROXY": "true",
    "PRIVATE_MEDIA_ROOT": str(ROOT / "private_media"),
    "STATIC_ROOT": str(ROOT / "staticfiles"),
    "STATIC_MANIFEST": "true",
    "PYTHONUNBUFFERED": "1",
}


def load_compose(path: Path = COMPOSE) -> dict:  # type: ignore[type-arg]
    with path.open() as handle:
        return yaml.safe_load(handle)


def service_command(name: str, compose: dict | None = None) -> list[str]:  # type: ignore[type-arg]
    command = (compose or load_compose())["services"][name]["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def healthcheck_command(name: str, compose: dict | None = None) -> list[str]:  # type: ignore[type-arg]
    """The service's health check as an argv: CMD's list, or CMD-SHELL's line through sh."""
    test = (compose or load_compose())["services"][name]["healthcheck"]["test"]
    kind, rest = test[0], test[1:]
    if kind == "CMD":
        return list(rest)
    assert kind == "CMD-SHELL", f"unexpected health check form {kind!r}"
    # Compose turns $$ into $ before the shell sees it.
    return ["sh", "-c", rest[0].replace("$$", "$")]


def dockerfile_collectstatic() -> tuple[dict[str, str], list[str]]:
    """The Dockerfile's collectstatic step: its inline environment and its command."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if line.startswith("RUN ") and "collectstatic" in line:
            words = shlex.split(line[4:])
            env = {}
            while "=" in words[0]:
                key, value = words.pop(0).split("=", 1)
                env[key] = value
            return env, words
    raise LookupError("the Dockerfile has no collectstatic step")


def localise(argv: list[str], *, port: int, run_dir: Path) -> list[str]:
    """A container's argv for this machine: this virtualenv's programs, gunicorn on PORT."""
    program, *args = argv
    if program == "python":
        argv = [sys.executable, *args]
    elif program in ("celery", "gunicorn"):
        argv = [sys.executable, "-m", program, *args]
    out = []
    for i, word in enumerate(argv):
        previous = argv[i - 1] if i else ""
        if previous == "--bind":
            word = f"127.0.0.1:{port}"
        elif previous == "--schedule":
            word = str(run_dir / "celerybeat-schedule")
        elif "http://127.0.0.1:8000/" in word:
            word = word.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        out.append(word)
    return out


def environment() -> dict[str, str]:
    env = {**DEFAULTS, **os.environ, "DEBUG": "false"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "pep_portal.settings")
    if env["DJANGO_SETTINGS_MODULE"] != "pep_portal.settings":
        raise SystemExit("serve-prod runs the production settings (pep_portal.settings)")
    if not env.get("SECRET_KEY") and not env.get("SECRET_KEY_FILE"):
        env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # a test-only switch; production never has it
    # A health check's shell line finds this virtualenv's celery and python first.
    # Docker names each container's host; the worker's ping check addresses celery@$HOSTNAME.
    env.setdefault("HOSTNAME", socket.gethostname())
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@dataclass
class Service:
    name: str
    argv: list[str]
    run_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    starts: int = field(default=0)

    def start(self) -> None:
        log = (self.run_dir / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped (or killed) as a whole
        )
        log.close()
        self.starts += 1
        (self.run_dir / f"{self.name}.pid").write_text(f"{self.process.pid}\n")
        print(f"serve-prod: {self.name} started (pid {self.process.pid})", flush=True)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass


# The S3 test server's bucket and (made-up) credentials: moto accepts any.
S3_TEST_BUCKET = "pep-serve-prod"
S3_TEST_REGION = "eu-west-2"
S3_TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "serve-prod", "AWS_SECRET_ACCESS_KEY": "serve-prod"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_s3_test_server(run_dir: Path, env: dict[str, str]) -> tuple[Service, dict[str, str]]:
    """moto's S3 server as a local process with one empty bucket, and the settings that point
    the portal's private storage at it (README, "Files and jobs")."""
    import boto3  # django-storages[s3]'s own client library

    port = free_port()
    server = Service(
        "s3",
        [sys.executable, "-m", "moto.server", "--host", "127.0.0.1", "--port", str(port)],
        run_dir,
        env,
    )
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        if server.process is not None and server.process.poll() is not None:
            raise SystemExit(f"serve-prod: the S3 test server failed; see {run_dir / 's3.log'}")
        if time.monotonic() > deadline:
            server.stop()
            raise SystemExit("serve-prod: the S3 test server did not start within 60 s")
        time.sleep(0.2)
    storage = {
        "PRIVATE_STORAGE_BUCKET": S3_TEST_BUCKET,
        "PRIVATE_STORAGE_ENDPOINT_URL": endpoint,
        "PRIVATE_STORAGE_REGION": S3_TEST_REGION,
        **S3_TEST_CREDENTIALS,
    }
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=S3_TEST_REGION,
        aws_access_key_id=storage["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=storage["AWS_SECRET_ACCESS_KEY"],
    ).create_bucket(
        Bucket=S3_TEST_BUCKET, CreateBucketConfiguration={"LocationConstraint": S3_TEST_REGION}
    )
    return server, storage


def run_once(name: str, argv: list[str], env: dict[str, str], run_dir: Path) -> None:
    print(f"serve-prod: {name}: {shlex.join(argv)}", flush=True)
    with (run_dir / f"{name}.log").open("ab") as log:
        done = subprocess.run(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise SystemExit(f"serve-prod: {name} failed; see {run_dir / (name + '.log')}")


def serve(*, port: int, run_dir: Path, collectstatic: bool = True, files: bool = False) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    compose = load_compose()
    env = environment()
    s3_server = None
    if files:
        env.pop("PRIVATE_STORAGE_BUCKET", None)
        where = {"storage": "files", "folder": env["PRIVATE_MEDIA_ROOT"]}
    elif env.get("PRIVATE_STORAGE_BUCKET"):
        where = {
            "storage": "s3",
            "endpoint": env.get("PRIVATE_STORAGE_ENDPOINT_URL", ""),
            "bucket": env["PRIVATE_STORAGE_BUCKET"],
        }
    else:
        s3_server, storage = start_s3_test_server(run_dir, env)
        env.update(storage)
        where = {
            "storage": "s3",
            "endpoint": storage["PRIVATE_STORAGE_ENDPOINT_URL"],
            "bucket": storage["PRIVATE_STORAGE_BUCKET"],
            "region": storage["PRIVATE_STORAGE_REGION"],
            "server": "the S3 test server (moto), started by serve-prod",
        }
    (run_dir / "s3.json").write_text(json.dumps(where, indent=2) + "\n")
    print(f"serve-prod: private files in {where}", flush=True)
    try:
        _serve(port=port, run_dir=run_dir, collectstatic=collectstatic, compose=compose, env=env)
    finally:
        if s3_server is not None:
            s3_server.stop()


def _serve(
    *,
    port: int,
    run_dir: Path,
    collectstatic: bool,
    compose: dict,  # type: ignore[type-arg]
    env: dict[str, str],
) -> None:
    if collectstatic:
        build_env, argv = dockerfile_collectstatic()
        # The build's throwaway settings, except where this machine keeps its static files.
        run_once(
            "collectstatic",
            localise(argv, port=port, run_dir=run_dir),
            {**env, **build_env, "STATIC_ROOT": env["STATIC_ROOT"]},
            run_dir,
        )
    run_once(
        "migrate",
        localise(service_command("migrate", compose), port=port, run_dir=run_dir),
        env,
        run_dir,
    )
    services = [
        Service(
            name, localise(service_command(name, compose), port=port, run_dir=run_dir), run_dir, env
        )
        for name in LONG_RUNNING
    ]
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for service in services:
        service.start()
    print(f"serve-prod: http://127.0.0.1:{port}/ (logs in {run_dir})", flush=True)
    try:
        while not stopping:
            for service in services:
                if service.process is not None and service.process.poll() is not None:
                    # compose's `restart: unless-stopped`
                    print(
                        f"serve-prod: {service.name} exited "
                        f"({service.process.returncode}); restarting",
                        flush=True,
                    )
                    time.sleep(1)
                    service.start()
            time.sleep(0.5)
    finally:
        for service in services:
            service.stop()


def check(name: str, *, port: int, run_dir: Path) -> int:
    argv = localise(healthcheck_command(name), port=port, run_dir=run_dir)
    return subprocess.run(argv, cwd=ROOT, env=environment(), check=False).returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--run-dir", type=Path, default=ROOT / ".serve-prod")
    parser.add_argument("--no-collectstatic", action="store_true")
    parser.add_argument(
        "--files",
        action="store_true",
        help="private files in PRIVATE_MEDIA_ROOT, not S3-compatible object storage",
    )
    parser.add_argument("--check", choices=LONG_RUNNING, help="run one service's health check")
    options = parser.parse_args()
    if options.check:
        raise SystemExit(check(options.check, port=options.port, run_dir=options.run_dir))
    serve(
        port=options.port,
        run_dir=options.run_dir,
        collectstatic=not options.no_collectstatic,
        files=options.files,
    )


if __name__ == "__main__":
    main()
