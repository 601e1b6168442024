import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.smoke
def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pep_portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-production-secret-" + "k7Qx" * 10,
        "ALLOWED_HOSTS": "pep.example.gov.uk",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # a test-only switch; production never has it
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.smoke
def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pep_portal.settings", "DEBUG": "false"}
    env.pop("SECRET_KEY", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("weakened", "warning"),
    [
        ({"SESSION_COOKIE_SECURE": "false"}, "security.W012"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
    ],
)
def test_check_deploy_fails_when_a_production_setting_is_weakened(weakened, warning):
    """The check above is live: a weakened setting fails it at WARNING level."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pep_portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-production-secret-" + "k7Qx" * 10,
        "ALLOWED_HOSTS": "pep.example.gov.uk",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        **weakened,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert warning in done.stdout + done.stderr
