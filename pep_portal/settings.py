"""Settings for PEP Portal.

Everything that differs between a laptop demo and production comes from the environment
(README, "Configuration"). With nothing set, the portal runs as the `make run` demo: DEBUG on,
an embedded SQLite file, Celery tasks run eagerly in the web process, e-mail printed to the
console.
"""

import ipaddress
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


class _SecretFiles(environ.FileAwareMapping):
    """django-environ's NAME_FILE lookup, without the line end a secret file usually has
    (`echo … > secrets/secret_key`), which would otherwise become part of the key or password."""

    def __getitem__(self, key: str) -> str:
        value = super().__getitem__(key)
        return value.rstrip("\r\n") if self.env.get(key + "_FILE") else value


# Every variable can come from a file instead: NAME_FILE=/run/secrets/name (Docker and
# Kubernetes secrets), so no secret need sit in the environment.
env = environ.Env()
env.ENVIRON = _SecretFiles()
# A local .env file is a convenience for developers; production sets real environment variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# The demo key is only ever used with DEBUG on; production refuses to start without a real one.
_DEMO_SECRET_KEY = "demo-only-not-secret-pep-portal-key-change-me-in-production-0123456789"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEMO_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Where links in e-mails point. E-mails carry only links, never a child's details.
# localhost rather than 127.0.0.1: passkeys need a host name (pep_portal/security/webauthn.py).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://localhost:8000")
SERVICE_NAME = "PEP Portal"

INSTALLED_APPS = [
    "pep_portal.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_forms_gds",
    "guardian",
    "simple_history",
    "axes",
    "csp",
    "pep_portal.audit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "pep_portal.accounts",
    "pep_portal.security",
    "pep_portal.calendars",
    "pep_portal.notifications",
    "pep_portal.outbox",
    "pep_portal.scheduling",
    "pep_portal.filejobs",
    "children",
    "roll",
    "peps",
    "outcomes",
    "meetings",
    "quality_assurance",
    "pep_portal.operations",
    "pupil_premium",
    "documents",
    "dashboards",
    "pep_portal.subject_access",
    "pep_portal.home",
]

MIDDLEWARE = [
    # First: every log line written while a request is handled carries its id.
    "pep_portal.logs.RequestIdMiddleware",
    # First, so that every response carries it: redirects to HTTPS and static files too.
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Liveness and readiness probes, answered before the host check (README, "Health").
    "pep_portal.middleware.HealthProbeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads a submitted value or a cookie (sessions, CSRF, lockout, views).
    "pep_portal.middleware.DropNulCharactersMiddleware",
    # A page load's repeated questions (rules, permissions) asked once: GET and HEAD only.
    "pep_portal.request_memo.RequestMemoMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The idle timeout, with the session written at most once a minute (not every request).
    "pep_portal.middleware.SessionIdleRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A password alone reaches no page; sessions end after an absolute lifetime.
    "pep_portal.security.middleware.SignInSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "pep_portal.middleware.NoStoreForSignedInMiddleware",
    # django-axes must come last so it sees the outcome of the login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pep_portal.urls"
WSGI_APPLICATION = "pep_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pep_portal.context_processors.portal",
            ],
            # Shared template pieces: status tags (pep_portal/ui.py).
            "libraries": {"portal": "pep_portal.ui"},
        },
    },
]

# The demo runs on an embedded SQLite file; tests and production use PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# The password may be kept apart from the URL (DATABASE_PASSWORD_FILE, a mounted secret).
if env.str("DATABASE_PASSWORD", default=""):
    DATABASES["default"]["PASSWORD"] = env.str("DATABASE_PASSWORD")
# Connections are kept between requests (a new one per request halves the throughput) and
# checked before reuse, so one the database dropped is replaced, not an error.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# PostgreSQL's JIT compiler is for long analytic queries: on a page's queries (the home
# page's counts by kind of work, the dashboard) it spent 5 s compiling a query that runs in
# 0.2 s at 10,000 children (docs/performance-notes.md). JIT_OFF=false gives it back.
if "postgresql" in DATABASES["default"]["ENGINE"] and env.bool("JIT_OFF", default=True):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses locked-out credentials before any other backend runs.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (OpenID Connect), per authority: pep_portal/security/oidc.py.
    "pep_portal.security.oidc.ProviderBackend",
    "guardian.backends.ObjectPermissionBackend",
]
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
OIDC_RP_SCOPES = "openid email"
OIDC_CREATE_USER = False
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
# No AnonymousUser row: anonymous visitors never hold object permissions here.
GUARDIAN_ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Django's checks worded for the portal, and an offline list of common and leaked passwords
# with the patterns people build on them (pep_portal/accounts/password_validation.py).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "pep_portal.accounts.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {
        "NAME": "pep_portal.accounts.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["email", "full_name"]},
    },
    {"NAME": "pep_portal.accounts.password_validation.NumericPasswordValidator"},
    {"NAME": "pep_portal.accounts.password_validation.GuessablePasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2  # a reset link works for two hours

# Lockout after repeated failures, per e-mail address and IP, so one attacker cannot lock a
# colleague out from elsewhere.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The sign-in form's field is "username" even though people type their e-mail address.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "pep_portal.accounts.lockout.username_for_lockout"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind the TLS proxy, count the client's own address, not the proxy's (pep_portal/proxies.py).
AXES_CLIENT_IP_CALLABLE = "pep_portal.proxies.client_ip"

# Sessions: sign out after an hour without activity; the cookie never outlives the browser.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=60 * 60)
# Not written on every request (a write per page at scale): SessionIdleRefreshMiddleware
# pushes the expiry on at most once a SESSION_REFRESH_SECONDS.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# However active, a session ends this long after the password was given (README, "Security").
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
# Changing an e-mail address or second factor (and other sensitive steps) asks for the password
# and second factor again unless they were given this recently.
RECENT_AUTHENTICATION_SECONDS = env.int("RECENT_AUTHENTICATION_SECONDS", default=10 * 60)
# Second factor (django-otp): the name authenticator apps show beside the codes.
OTP_TOTP_ISSUER = "PEP Portal"
# Security keys and passkeys (django-otp-webauthn): a second factor only, never a sign-in by
# themselves; bound to the portal's own address (PORTAL_BASE_URL), not to the request's.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = "PEP Portal"
OTP_WEBAUTHN_RP_ID_CALLABLE = "pep_portal.security.webauthn.relying_party_id"
OTP_WEBAUTHN_HELPER_CLASS = "pep_portal.security.webauthn.PortalWebAuthnHelper"
OTP_WEBAUTHN_ALLOWED_ORIGINS = ["{0.scheme}://{0.netloc}".format(urlsplit(PORTAL_BASE_URL))]
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "pep_portal.views.csrf_failure"

# Production hardening follows DEBUG; each can be overridden (README, "Configuration").
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Health probes come over plain HTTP from inside (the container, the load balancer).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Preloading HSTS binds the council's whole parent domain for years; that is the council's
# decision, not the portal's (README, "Deploying"). So the reminder is silenced, not the setting.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Which X-Forwarded-For entry is the client (pep_portal/proxies.py): walk back this many proxies,
# each of which must connect from one of these addresses (private and loopback by default, as a
# proxy in front of docker-compose's port does). Without a proxy the header is never read.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if BEHIND_TLS_PROXY else 0)
TRUSTED_PROXY_ADDRESSES = env.list(
    "TRUSTED_PROXY_ADDRESSES",
    default=["127.0.0.0/8", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
)
if TRUSTED_PROXY_COUNT and not BEHIND_TLS_PROXY:
    raise environ.ImproperlyConfigured("TRUSTED_PROXY_COUNT needs BEHIND_TLS_PROXY=true.")
for _address in TRUSTED_PROXY_ADDRESSES:
    try:
        ipaddress.ip_network(_address.strip(), strict=False)
    except ValueError:
        raise environ.ImproperlyConfigured(
            f"TRUSTED_PROXY_ADDRESSES: {_address!r} is not an IP address or network."
        ) from None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Browser features the portal never uses are off for it and anything it might embed. WebAuthn
# stays on for the portal's own pages: passkeys (issue 17) will need it.
PERMISSIONS_POLICY = {
    **dict.fromkeys(
        [
            "accelerometer",
            "ambient-light-sensor",
            "autoplay",
            "bluetooth",
            "browsing-topics",
            "camera",
            "display-capture",
            "encrypted-media",
            "geolocation",
            "gyroscope",
            "hid",
            "idle-detection",
            "interest-cohort",
            "local-fonts",
            "magnetometer",
            "microphone",
            "midi",
            "otp-credentials",
            "payment",
            "picture-in-picture",
            "screen-wake-lock",
            "serial",
            "usb",
            "window-management",
            "xr-spatial-tracking",
        ],
        (),
    ),
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
}

# A strict Content-Security-Policy: no inline script or style, nothing from other hosts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Uploaded attachments: outside the web root, served only through permission-checked views.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private_media")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Django refuses larger request bodies before a view sees them (forms; files stream to disk).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed file names in production; plain names where collectstatic has not run (demo, tests).
# Private files (attachments, kept PDFs, ZIPs) go through STORAGES["private"] only
# (pep_portal/files.py): a local folder by default; S3-compatible object storage when
# PRIVATE_STORAGE_BUCKET is set, so web and workers on several machines share them. Credentials
# come the usual AWS ways (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a role), never settings.
PRIVATE_STORAGE_BUCKET = env.str("PRIVATE_STORAGE_BUCKET", default="")


def _private_storage(bucket: str, location: object) -> dict[str, object]:
    if not bucket:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            # A re-run writes the same name again, never a second copy beside it.
            "OPTIONS": {"location": location, "base_url": None, "allow_overwrite": True},
        }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "location": env.str("PRIVATE_STORAGE_PREFIX", default=""),
            # MinIO, Ceph, a cloud's S3-compatible service; unset for AWS itself.
            "endpoint_url": env.str("PRIVATE_STORAGE_ENDPOINT_URL", default="") or None,
            "region_name": env.str("PRIVATE_STORAGE_REGION", default="") or None,
            "default_acl": "private",
            "file_overwrite": True,
            # Files are served through permission-checked views, never by a link to the store.
            "querystring_auth": True,
            "querystring_expire": 60,
        },
    }


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": _private_storage(PRIVATE_STORAGE_BUCKET, PRIVATE_MEDIA_ROOT),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

if DEBUG:
    # The demo serves static files from the source folders; no collectstatic, so no warning.
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# E-mail: printed to the console in the demo; SMTP (or a relay) from EMAIL_URL in production.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
# Also told when the nightly access check finds access rows that differ from the care teams
# (besides the portal's operators, in their notifications): an operations mailbox, optional.
ACCESS_CHECK_ALERT_EMAIL = env.str("ACCESS_CHECK_ALERT_EMAIL", default="")
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="PEP Portal <no-reply@pep-portal.invalid>"
)

# Redis: the Celery broker and the health check. Unset means "no Redis": tasks run eagerly in
# the web process, which is what `make run` wants.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL) or "memory://"

# Rate limits (pep_portal/ratelimit.py), per hour. They count in Redis when there is one (shared
# by every web process); the demo, without Redis, counts in each process's memory.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=3)
PASSWORD_RESET_LIMIT_PER_IP = env.int("PASSWORD_RESET_LIMIT_PER_IP", default=30)
INVITATION_LIMIT_PER_ACTOR = env.int("INVITATION_LIMIT_PER_ACTOR", default=40)


def _ratelimit_cache(redis_url: str) -> dict[str, object]:
    if not redis_url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl"}
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": redis_url,
        "KEY_PREFIX": "ratelimit",
        # A missing Redis must not hold a request up: the limit gives way instead.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": _ratelimit_cache(REDIS_URL),
}
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://"
)
CELERY_TASK_EAGER_PROPAGATES = True
# /readyz asks for a live worker and beat only where there are any (not in the eager demo).
READINESS_CHECKS_WORKERS = env.bool(
    "READINESS_CHECKS_WORKERS", default=not CELERY_TASK_ALWAYS_EAGER
)
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# The worker and beat log through LOGGING below (JSON, request ids), not Celery's own set-up.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged when it has finished, not when it starts: a worker that dies (killed,
# out of memory, its machine lost) leaves the task for another. So every task must be safe to
# run twice (each guards its own work; the outbox asks the same). A worker process killed
# under a live worker is noticed at once (reject_on_worker_lost requeues its task); a whole
# worker lost is noticed by Redis after the visibility timeout, when the task is delivered
# again. That timeout must outlast the longest task (or a slow task would run twice at once):
# the hard time limit plus five minutes, so a lost worker's task is back within 35 minutes.
CELERY_TASK_ACKS_LATE = True
# PDFs (one PEP's, ZIPs of many, subject access exports) on their own queue and workers, so a
# term's ZIPs never hold up e-mails and the daily jobs (docker-compose.yml: worker-documents).
CELERY_TASK_ROUTES = {
    "pep_portal.filejobs.tasks.file_job_task": {"queue": "documents"},
    "peps.tasks.*": {"queue": "documents"},
    "pep_portal.subject_access.tasks.*": {"queue": "documents"},
}
# Each PDF render stops after this many seconds of wall-clock time, in any worker type
# (documents/pdf.py time_limit; README, "PEPs as PDF", says why wall-clock, not CPU).
PEP_PDF_RENDER_SECONDS = env.float("PEP_PDF_RENDER_SECONDS", default=30.0)
# A file job whose worker went quiet this long is handed to another (pep_portal/filejobs);
# every step (one PDF) is far shorter, each render being limited to PEP_PDF_RENDER_SECONDS.
FILE_JOB_STALE_MINUTES = env.int("FILE_JOB_STALE_MINUTES", default=5)
FILE_JOB_KEEP_HOURS = 24
# A school's data file's rows (UPNs and figures, as uploaded) are kept this long after the
# upload, for the preview and the import; then the nightly retention job removes them, keeping
# the counts, the row numbers and messages of its errors, and what was imported (README,
# "Education outcomes").
MIS_IMPORT_ROWS_KEEP_DAYS = env.int("MIS_IMPORT_ROWS_KEEP_DAYS", default=30)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One task at a time per process: a prefetched task would wait behind a long one, and be
# held (unacknowledged) by a worker that may die.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 30)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60 * 5
CELERY_VISIBILITY_TIMEOUT = env.int(
    "CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 60 * 5
)
# Retried e-mails wait longer than this (up to two hours) and may then be delivered twice;
# sending is guarded (emailed_at under a row lock), so a second delivery sends nothing.
# Workers look for such tasks every 10 s (kombu's default scan is every 100 s: ten calls at
# 10 s, throttled), so one is back within the timeout and ten seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT and not env.bool("DEBUG", default=True):
    warnings.warn(
        "CELERY_VISIBILITY_TIMEOUT is not longer than CELERY_TASK_TIME_LIMIT: a long task may be "
        "delivered to a second worker while the first still runs it.",
        stacklevel=1,
    )
# The schedule lives in settings (not django-celery-beat's database): it is part of the code,
# reviewed and tested like it. Daily jobs are not sent by beat directly: beat sends a tick every
# few minutes and the tick queues each job due today exactly once, claiming (job, day) in the
# database (pep_portal/scheduling/services.py). So two beats never double a day and a beat
# restarted over a job's time never skips it (docs/adr/0007-daily-jobs-claimed-once.md). Times
# are UTC (CELERY_TIMEZONE) so the clock change in March and October moves nothing.
DAILY_JOBS = {
    "nightly-housekeeping": {
        "task": "pep_portal.scheduling.tasks.housekeeping_task",
        "at": "02:00",
    },
    "retention": {
        "task": "pep_portal.operations.tasks.apply_retention_task",
        "at": "02:30",
    },
    "termly-set-up": {
        "task": "pep_portal.notifications.tasks.termly_set_up_task",
        "at": "04:00",
        "takes_day": True,
    },
    "daily-deadline-sweep": {
        "task": "pep_portal.notifications.tasks.sweep_deadlines_task",
        "at": "05:00",
        "takes_day": True,
    },
    # Access rows against the care teams; the operators are told of any difference.
    "nightly-access-check": {
        "task": "pep_portal.notifications.tasks.check_access_task",
        "at": "03:30",
        "takes_day": True,
    },
    "daily-digests": {
        "task": "pep_portal.notifications.tasks.send_daily_digests_task",
        "at": "07:00",
    },
}
DAILY_JOBS_TICK_SECONDS = env.float("DAILY_JOBS_TICK_SECONDS", default=300.0)
CELERY_BEAT_SCHEDULER = "pep_portal.scheduling.beat:HeartbeatScheduler"
# Beat wakes at least this often (and writes its heartbeat), even with nothing due.
CELERY_BEAT_MAX_LOOP_INTERVAL = 30
# Heartbeats (pep_portal/scheduling/heartbeat.py): a worker writes one every
# WORKER_HEARTBEAT_SECONDS; /readyz wants one no older than a minute from some worker, and one
# from beat no older than two of its loops.
WORKER_HEARTBEAT_SECONDS = 15.0
WORKER_HEARTBEAT_MAX_AGE = 60
BEAT_HEARTBEAT_MAX_AGE = 2 * CELERY_BEAT_MAX_LOOP_INTERVAL + 30
HEARTBEAT_EXPIRY = 60 * 60
HEARTBEAT_KEY_PREFIX = env.str("HEARTBEAT_KEY_PREFIX", default="pep-portal:heartbeat:")
CELERY_BEAT_SCHEDULE = {
    "daily-jobs": {
        "task": "pep_portal.scheduling.tasks.run_due_daily_jobs_task",
        "schedule": DAILY_JOBS_TICK_SECONDS,
        "options": {"expires": DAILY_JOBS_TICK_SECONDS * 0.9},
    },
    "requeue-stale-file-jobs": {
        "task": "pep_portal.filejobs.tasks.requeue_stale_file_jobs_task",
        "schedule": 120.0,
        "options": {"expires": 110},
    },
    # Work queued while Redis was away (pep_portal/outbox): published within a minute of its
    # return. A relay not started within the minute is dropped; the next one does its work.
    "relay-outbox": {
        "task": "pep_portal.outbox.tasks.relay_outbox_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
# The invitation e-mail is retried with this backoff (seconds, doubling, with jitter) while
# the mail server is down (pep_portal/accounts/tasks.py).
INVITATION_RETRY_BACKOFF = env.int("INVITATION_RETRY_BACKOFF", default=60)
# Days after a meeting that the e-mail address of an invitee without an account is kept with
# the e-mails sent to them (for a move or a cancellation, and the mail server's replies); the
# nightly retention job then removes it (pep_portal/operations/retention.py).
INVITEE_EMAIL_KEEP_DAYS = env.int("INVITEE_EMAIL_KEEP_DAYS", default=30)

# JSON lines with a request id in production (pep_portal/logs.py); readable lines in the demo.
# Either way e-mail addresses are redacted and the portal's own messages carry only ids.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "pep_portal.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "()": "pep_portal.logs.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "pep_portal.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint reports every step of every render at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Error reporting (optional): Sentry, or anything that speaks its protocol (GlitchTip), when
# SENTRY_DSN is set. No personal data: no request bodies, cookies or users, no local variables
# (they hold children's details), and e-mail addresses scrubbed (pep_portal/logs.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    from pep_portal.logs import scrub_sentry_event

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_sentry_event,
        traces_sample_rate=0.0,
    )
