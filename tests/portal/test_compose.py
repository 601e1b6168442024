"""docker-compose.yml and the Dockerfile, read as data: there is no Docker engine here, so the
properties the README promises are checked by parsing (PyYAML, which also resolves the `<<:`
merge keys as compose does). `make serve-prod` runs the same commands for real
(tests/portal/test_serve_prod.py)."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from deploy import serve_prod

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "worker-documents", "beat")
LONG_RUNNING = ("web", "worker", "worker-documents", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:  # type: ignore[type-arg]
    return serve_prod.load_compose()


@pytest.fixture(scope="module")
def services(compose):  # type: ignore[no-untyped-def]
    return compose["services"]


def command(services, name: str) -> str:  # type: ignore[no-untyped-def]
    return " ".join(serve_prod.service_command(name, {"services": services}))


def test_a_one_off_migrate_service_runs_before_web_worker_and_beat(services):
    assert command(services, "migrate") == "python manage.py migrate --noinput"
    assert services["migrate"]["restart"] == "no"  # a job: it finishes, it is not restarted
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in LONG_RUNNING:
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
        # Nothing long-running migrates or collects static files as it starts.
        assert "migrate" not in command(services, name), name
        assert "collectstatic" not in command(services, name), name


def test_web_runs_gunicorn_and_its_health_check_asks_healthz_over_plain_http(services):
    assert command(services, "web").startswith("gunicorn -c gunicorn.conf.py pep_portal.wsgi")
    check = serve_prod.healthcheck_command("web", {"services": services})
    assert check[:2] == ["python", "-c"]
    assert "http://127.0.0.1:8000/healthz" in check[2]
    # The probe's path is exempt from the HTTPS redirect, and answered before the host check.
    from django.conf import settings

    assert any(re.match(pattern, "healthz") for pattern in settings.SECURE_REDIRECT_EXEMPT)
    position = settings.MIDDLEWARE.index
    assert position("pep_portal.middleware.HealthProbeMiddleware") < position(
        "django.middleware.common.CommonMiddleware"
    )


def test_the_worker_is_checked_by_a_ping_and_beat_by_its_last_tick(services):
    worker = serve_prod.healthcheck_command("worker", {"services": services})
    assert worker[:2] == ["sh", "-c"]
    assert shlex.split(worker[2])[:5] == ["celery", "-A", "pep_portal", "inspect", "ping"]
    assert "celery@$HOSTNAME" in worker[2]  # this container's worker, not any worker
    assert serve_prod.healthcheck_command("beat", {"services": services}) == [
        "python",
        "manage.py",
        "beat_health",
    ]
    assert command(services, "worker").startswith("celery -A pep_portal worker")
    documents = serve_prod.healthcheck_command("worker-documents", {"services": services})
    assert "documents@$HOSTNAME" in documents[2]  # its own node name, checked by name
    assert command(services, "beat").startswith("celery -A pep_portal beat")
    assert services["beat"]["deploy"]["replicas"] == 1
    for name in ("web", "worker", "worker-documents", "beat", "postgres", "redis"):
        assert services[name]["healthcheck"]["retries"] >= 3, name


def test_pdfs_have_their_own_queue_and_worker_and_the_other_worker_does_not_take_them(services):
    """Settings route every PDF task to "documents"; only worker-documents consumes it."""
    from django.conf import settings

    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed == {"documents"}
    assert "pep_portal.filejobs.tasks.file_job_task" in settings.CELERY_TASK_ROUTES
    assert shlex.split(command(services, "worker"))[-1] == "--queues=celery"
    words = shlex.split(command(services, "worker-documents"))
    assert "--queues=documents" in words and "--hostname=documents@%h" in words


def test_web_and_worker_share_one_volume_for_files(compose, services):
    mounts = {}
    for name in ("web", "worker", "worker-documents"):
        media = services[name]["environment"]["PRIVATE_MEDIA_ROOT"]
        (volume,) = [v.split(":")[0] for v in services[name]["volumes"] if v.endswith(media)]
        mounts[name] = (volume, media)
    assert mounts["web"] == mounts["worker"] == mounts["worker-documents"]
    assert mounts["web"] == ("files", "/data/files")
    assert "files" in compose["volumes"]
    # A fresh named volume takes the image folder's owner: the app's user can write to it.
    assert "mkdir -p /data/files && chown portal /data/files" in (ROOT / "Dockerfile").read_text()


def test_every_service_has_cpu_and_memory_limits(services):
    for name, service in services.items():
        limits = service["deploy"]["resources"]["limits"]
        assert float(limits["cpus"]) > 0, name
        assert re.fullmatch(r"\d+[MG]", limits["memory"]), name


def test_secrets_come_from_files_never_from_the_environment(compose, services):
    assert set(compose["secrets"]) == {"secret_key", "postgres_password"}
    for secret in compose["secrets"].values():
        assert secret["file"].startswith("./secrets/")
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert "SECRET_KEY" not in env and "DATABASE_PASSWORD" not in env, name
        assert env["SECRET_KEY_FILE"] == "/run/secrets/secret_key", name
        assert env["DATABASE_PASSWORD_FILE"] == "/run/secrets/postgres_password", name
        assert ":@" not in env["DATABASE_URL"] and env["DATABASE_URL"].count(":") == 2, name
        assert set(services[name]["secrets"]) == {"secret_key", "postgres_password"}, name
    postgres = services["postgres"]
    assert postgres["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert "POSTGRES_PASSWORD" not in postgres["environment"]
    example = (ROOT / ".env.example").read_text()
    assert not re.search(r"^(SECRET_KEY|POSTGRES_PASSWORD)=", example, re.MULTILINE)
    assert "secrets/" in (ROOT / ".gitignore").read_text()
    assert "secrets" in (ROOT / ".dockerignore").read_text().split()


def test_the_image_holds_the_locked_dependencies_and_no_local_data():
    """The image installs requirements.lock with its hashes (what the tests ran on and `make
    audit` checked), then the portal without resolving anything else; the build context leaves
    out the local folders that hold children's files and databases."""
    steps = [
        shlex.split(line[4:])
        for line in (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
        if line.startswith("RUN pip install")
    ]
    assert steps == [
        ["pip", "install", "--no-cache-dir", "--require-hashes", "-r", "requirements.lock"],
        ["pip", "install", "--no-cache-dir", "--no-deps", "."],
    ]
    ignored = (ROOT / ".dockerignore").read_text().split()
    for local in ("private_media", "media", "*.sqlite3", ".serve-prod", "secrets", "backups"):
        assert local in ignored, local
    # The folder serve-prod (and the demo, by default) keeps files in is one of them.
    assert Path(serve_prod.DEFAULTS["PRIVATE_MEDIA_ROOT"]).name in ignored


def settings_in_subprocess(expression: str, **env: str) -> str:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pep_portal.settings",
        "DEBUG": "false",
        **env,
    }
    environment.pop("SECRET_KEY", None)
    done = subprocess.run(
        [sys.executable, "-c", f"from django.conf import settings; print(repr({expression}))"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.smoke
def test_settings_read_the_secret_key_and_database_password_from_files(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("from-a-file-" + "q" * 50 + "\n")
    password_file = tmp_path / "postgres_password"
    password_file.write_text("pg-password-from-a-file\n")
    got = settings_in_subprocess(
        "(settings.SECRET_KEY, settings.DATABASES['default']['PASSWORD'],"
        " settings.DATABASES['default']['USER'])",
        SECRET_KEY_FILE=str(key_file),
        DATABASE_PASSWORD_FILE=str(password_file),
        DATABASE_URL="postgres://pep@postgres:5432/pep",
    )
    assert got == str(("from-a-file-" + "q" * 50, "pg-password-from-a-file", "pep"))


def test_the_image_collects_static_files_at_build_and_runs_as_its_own_user():
    text = (ROOT / "Dockerfile").read_text()
    env, argv = serve_prod.dockerfile_collectstatic()
    assert argv == ["python", "manage.py", "collectstatic", "--noinput"]
    assert env["DEBUG"] == "false"
    # The build happens after the code is copied in, and before the image's user is set.
    lines = [line for line in text.splitlines() if line.strip()]
    collect = next(i for i, line in enumerate(lines) if "collectstatic" in line)
    assert lines.index("COPY . .") < collect < lines.index("USER portal")
    assert "ENV DEBUG=false STATIC_MANIFEST=true" in text


@pytest.mark.smoke
def test_the_dockerfiles_collectstatic_step_succeeds_with_hashed_names(tmp_path):
    """Run the build step as the Dockerfile writes it (into a scratch folder): with hashed
    names, every file the CSS refers to must exist, or the image build would fail."""
    env, argv = serve_prod.dockerfile_collectstatic()
    environment = {**os.environ, **env, "STATIC_ROOT": str(tmp_path / "static")}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.pop("SECRET_KEY_FILE", None)
    done = subprocess.run(
        [sys.executable, *argv[1:]],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert '"pep_portal/favicon.svg"' in manifest
    assert '"govuk/govuk-frontend.min.css"' in manifest


def test_an_example_tls_proxy_forwards_the_scheme_and_the_client(services):
    proxy = services["proxy"]
    assert proxy["image"].startswith("caddy:")
    assert proxy["profiles"] == ["proxy"]  # optional: a council may have its own proxy
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert proxy["depends_on"] == {"web": {"condition": "service_healthy"}}
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy web:8000" in caddyfile
    assert "header_up X-Forwarded-Proto {scheme}" in caddyfile
    assert "header_up X-Forwarded-For {remote_host}" in caddyfile
    # The portal believes those headers only when told it is behind the proxy.
    assert re.search(r"^BEHIND_TLS_PROXY=true$", (ROOT / ".env.example").read_text(), re.M)


def test_redis_never_evicts_queued_work(services):
    redis_command = services["redis"]["command"]
    assert "--maxmemory-policy noeviction" in redis_command
    assert "--appendonly yes" in redis_command
