"""Test settings: the real settings, pointed at the real local PostgreSQL and Redis."""

import environ

from pep_portal.settings import *  # noqa: F403
from pep_portal.settings import _private_storage, _ratelimit_cache

env = environ.Env()

# Never SQLite: the suite runs on PostgreSQL (pytest-django creates test_<name> itself).
DATABASES = {
    "default": env.db("TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/pep_portal")
}
# Threads and live servers in tests close their connections as they finish (the portal's own
# default keeps them for a minute, with health checks: pep_portal/settings.py).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("TEST_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
REDIS_URL = env.str("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_URL = REDIS_URL
# Rate limits count in the real Redis (each test under its own key prefix: tests/conftest.py).
CACHES = {**CACHES, "ratelimit": _ratelimit_cache(REDIS_URL)}  # noqa: F405
# Tasks run in-process unless a test starts a real worker (which runs with this off).
CELERY_TASK_ALWAYS_EAGER = env.bool("TEST_CELERY_ALWAYS_EAGER", default=True)

# collectstatic does not run for tests: plain file names.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Hashing is deliberately slow in production; tests hash thousands of passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PORTAL_BASE_URL = "https://pep-portal.test"
# Tests never run collectstatic; WhiteNoise serves from the finders instead, looking each file
# up when it is asked for (autorefresh) rather than listing every static file whenever a test
# client builds its middleware (every new Client did: about 8 ms of CPU each, thousands of times).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
import tempfile  # noqa: E402

# Attachments written by tests go to a throwaway folder (shared with a worker a test starts).
PRIVATE_MEDIA_ROOT = env.str("TEST_PRIVATE_MEDIA_ROOT", default="") or tempfile.mkdtemp(
    prefix="pep-portal-test-media-"
)
# The local folder by default; the storage tests switch to a real S3 API server (moto).
STORAGES = {**STORAGES, "private": _private_storage("", PRIVATE_MEDIA_ROOT)}

# A test that starts real beats makes every daily job due from midnight, so it need not wait
# for 04:00 (tests/scheduling/test_beat_and_worker.py).
if env.bool("TEST_DAILY_JOBS_DUE_ALL_DAY", default=False):
    DAILY_JOBS = {name: {**job, "at": "00:00"} for name, job in DAILY_JOBS.items()}  # noqa: F405
