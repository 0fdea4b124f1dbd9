"""Django settings for DynaLab, read from the environment.

Every setting an operator may change comes from an environment variable with a default that
suits one person running ``make run`` on their own machine:

- ``DATABASE_URL``: any URL dj-database-url understands; defaults to SQLite in ``db.sqlite3``.
- ``DJANGO_SECRET_KEY``: required for any server other people can reach.
- ``DJANGO_DEBUG``: ``1``/``true``/``yes``/``on`` to turn debug on (``make run`` does).
- ``DJANGO_ALLOWED_HOSTS``: comma-separated host names the server answers for.
- ``DJANGO_CSRF_TRUSTED_ORIGINS``: comma-separated origins, needed behind an HTTPS proxy.
- ``DYNALAB_SANDBOX_SNAPSHOT_EVERY`` (200), ``DYNALAB_SANDBOX_CACHE_SIZE`` (32 engines per
  worker), ``DYNALAB_SANDBOX_JOURNAL_READS`` (off) and ``DYNALAB_SANDBOX_DEBUG_API`` (off;
  tests only): see dynalab/sandboxes.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, *, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# DEVELOPMENT-ONLY DEFAULT. The "django-insecure-" prefix makes `manage.py check --deploy`
# flag it; set DJANGO_SECRET_KEY on any server other people can reach.
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY",
    "django-insecure-dynalab-development-only-key-never-use-on-a-shared-server",
)

# Off unless asked for, so a forgotten variable never exposes tracebacks; `make run` sets it.
DEBUG = _env_bool("DJANGO_DEBUG", default=False)

ALLOWED_HOSTS = _env_list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = _env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "tailwind",
    "dynalab.theme",
    "dynalab.console",
    "dynalab.sandboxes",
    "dynalab.api",
    "dynalab.course",
]

MIDDLEWARE = [
    # DynamoDB calls (a POST to / with X-Amz-Target, or /dynamodb/) are answered here, before
    # the site's middleware: they authenticate with SigV4, not sessions or CSRF tokens.
    "dynalab.api.middleware.RootEndpointMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Gives every request a lazy `request.sandbox`: the visitor's sandbox, looked up once.
    "dynalab.sandboxes.middleware.SandboxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Gives every request `request.htmx`, read in one place: dynalab.rendering.
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "dynalab.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "dynalab.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=600,
        conn_health_checks=True,
    ),
}

# SQLite under several worker processes (dynalab.sandboxes): writers queue for the database
# lock for up to 20 s instead of failing at once, and IMMEDIATE transactions take the write
# lock when they begin, so a sandbox's writes are serialised as PostgreSQL's row lock does.
# Write-ahead logging lets readers go on while a writer commits. With synchronous=NORMAL a
# commit is a write to the log without an fsync: an acknowledged write survives any crash of
# the server process (SIGKILL included: tests/sandboxes prove it), and only a crash of the
# operating system or a power cut can lose the last moments. Every recorded call is a commit,
# so this is most of a call's time (bench/endpoint_bench.py, bench/load_bench.py). A classroom
# that needs more uses PostgreSQL (DATABASE_URL), which syncs every commit.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files: the project's own (vendored htmx) in static/, Tailwind's built CSS in the
# theme app's static/ folder; `collectstatic` gathers both into STATIC_ROOT for a deployment.
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# django-tailwind: the theme app whose static_src/ holds package.json and the CSS source.
TAILWIND_APP_NAME = "dynalab.theme"
TAILWIND_CSS_PATH = "css/dist/styles.css"

# Sandboxes (dynalab.sandboxes): limits that protect a shared server, answered with the
# service's own errors; how often the journal is snapshotted; engines cached per worker.
DYNALAB_SANDBOX_LIMITS = {
    "tables": 25,
    "items": 50_000,
    "bytes": 50 * 1024 * 1024,
    "request_bytes": 1 * 1024 * 1024,
}
DYNALAB_SANDBOX_SNAPSHOT_EVERY = int(os.environ.get("DYNALAB_SANDBOX_SNAPSHOT_EVERY", "200"))
DYNALAB_SANDBOX_CACHE_SIZE = int(os.environ.get("DYNALAB_SANDBOX_CACHE_SIZE", "32"))
# Journal reads too, so several workers agree on read throttling (each read then writes).
DYNALAB_SANDBOX_JOURNAL_READS = _env_bool("DYNALAB_SANDBOX_JOURNAL_READS", default=False)
# POST /sandboxes/<id>/execute, unauthenticated: for tests and local scripting only.
DYNALAB_SANDBOX_DEBUG_API = _env_bool("DYNALAB_SANDBOX_DEBUG_API", default=False)

# The DynamoDB wire endpoint (dynalab.api). A classroom server checks every request's SigV4
# signature against the sandbox's keys; `make run` turns on DYNALAB_API_ACCEPT_ANY_KEY, where
# any key works unchecked and each access key id gets its own sandbox. Bodies over
# DYNALAB_API_MAX_REQUEST_BYTES are refused unread; each sandbox may send
# DYNALAB_API_REQUESTS_PER_SECOND with bursts of DYNALAB_API_BURST per worker (0: no limit).
DYNALAB_API_ACCEPT_ANY_KEY = _env_bool("DYNALAB_API_ACCEPT_ANY_KEY", default=False)
DYNALAB_API_MAX_REQUEST_BYTES = int(
    os.environ.get("DYNALAB_API_MAX_REQUEST_BYTES", str(1024 * 1024))
)
DYNALAB_API_RATE_LIMIT = {
    "requests_per_second": float(os.environ.get("DYNALAB_API_REQUESTS_PER_SECOND", "50")),
    "burst": float(os.environ.get("DYNALAB_API_BURST", "100")),
}

# The course (dynalab.course): folders of lesson files, read in file-name order across all of
# them. DYNALAB_LESSON_DIRS (comma-separated; relative paths are from the project folder)
# replaces the default, so to add a second folder list both: DYNALAB_LESSON_DIRS=lessons,../my-lessons
DYNALAB_LESSON_DIRS = [
    BASE_DIR / folder for folder in _env_list("DYNALAB_LESSON_DIRS", default=["lessons"])
]
