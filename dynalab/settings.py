"""Django settings for DynaLab, read from the environment.

Every setting an operator may change comes from an environment variable with a default that
suits one person running ``make run`` on their own machine:

- ``DATABASE_URL``: any URL dj-database-url understands; defaults to SQLite in ``db.sqlite3``.
- ``DJANGO_SECRET_KEY``: required for any server other people can reach.
- ``DJANGO_DEBUG``: ``1``/``true``/``yes``/``on`` to turn debug on (``make run`` does).
- ``DJANGO_ALLOWED_HOSTS``: comma-separated host names the server answers for.
- ``DJANGO_CSRF_TRUSTED_ORIGINS``: comma-separated origins, needed behind an HTTPS proxy.
- ``DYNALAB_SANDBOX_SNAPSHOT_EVERY`` (200), ``DYNALAB_SANDBOX_CACHE_SIZE`` (500 engines per
  worker), ``DYNALAB_SANDBOX_JOURNAL_READS`` (off) and ``DYNALAB_SANDBOX_DEBUG_API`` (off;
  tests only): see dynalab/sandboxes.
- Serving a class over HTTPS, email, rate limits and the classroom: see the README's settings
  table; each is read below where it is used.
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
# flag it; with debug off a server refuses to start on it (dynalab/security.py).
DEVELOPMENT_SECRET_KEY = "django-insecure-dynalab-development-only-key-never-use-on-a-shared-server"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip() or DEVELOPMENT_SECRET_KEY
SECRET_KEY_IS_DEVELOPMENT_DEFAULT = SECRET_KEY == DEVELOPMENT_SECRET_KEY

# Off unless asked for, so a forgotten variable never exposes tracebacks; `make run` sets it.
DEBUG = _env_bool("DJANGO_DEBUG", default=False)

ALLOWED_HOSTS = _env_list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = _env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # First: its runserver (debug pages only on loopback) wins over staticfiles' own.
    "dynalab.classroom",
    "django.contrib.admin",
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
    # Static files (CSS, htmx) with debug off, from STATIC_ROOT or the apps' static folders.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dynalab.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Each visitor's page rate (as the endpoint limits each sandbox's calls).
    "dynalab.sandboxes.middleware.PageRateLimitMiddleware",
    # DYNALAB_REQUIRE_LOGIN: no sandbox for anonymous visitors; they are sent to log in.
    "dynalab.classroom.middleware.LoginRequiredForSandboxMiddleware",
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
                "dynalab.classroom.context_processors.classroom",
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
# theme app's static/ folder; `collectstatic` (make serve) gathers both, compressed, into
# STATIC_ROOT, and WhiteNoise serves them with debug off. With finders on, it also serves them
# before any collectstatic (tests, a first start).
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Serving a class -----------------------------------------------------------------------
# Behind an HTTPS proxy (DJANGO_HTTPS=1): cookies only over HTTPS, the proxy's
# X-Forwarded-Proto believed, plain HTTP redirected; HSTS for DJANGO_HSTS_SECONDS (0: none;
# raise it only once HTTPS works, browsers remember it).
HTTPS = _env_bool("DJANGO_HTTPS", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS and _env_bool("DJANGO_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts only from this server (htmx and the workbench's script are files); inline style
# attributes stay allowed (bars drawn to a width). DYNALAB_CONTENT_SECURITY_POLICY replaces it
# ("" sends none).
DYNALAB_CONTENT_SECURITY_POLICY = os.environ.get(
    "DYNALAB_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)

# Errors: with debug off Django logs a page's 500 only to mail_admins, which nobody set up, so
# the traceback was lost; it goes to the console (the server's log) instead.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "dynalab": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- Accounts ------------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "classroom:classes"
LOGOUT_REDIRECT_URL = "console:home"
# Password reset mail: Django's backends, configured from the environment; the console backend
# (the message printed in the server's log) until an operator sets one.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("DJANGO_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "dynalab@localhost")
# DYNALAB_REQUIRE_LOGIN: a sandbox only for signed-in people, so every limit applies per
# person rather than per cookie (recommended for a class; off for one person's machine).
DYNALAB_REQUIRE_LOGIN = _env_bool("DYNALAB_REQUIRE_LOGIN", default=False)

# django-tailwind: the theme app whose static_src/ holds package.json and the CSS source.
TAILWIND_APP_NAME = "dynalab.theme"
TAILWIND_CSS_PATH = "css/dist/styles.css"

# Sandboxes (dynalab.sandboxes): limits that protect a shared server, answered with the
# service's own errors; how often the journal is snapshotted; engines cached per worker.
# Storage per sandbox is bounded too: the journal behind snapshots (journal_bytes since the
# newest), the activity log (activity_rows, activity_notable_rows, activity_days) and the
# estimated memory of its engine (memory_bytes); see dynalab/sandboxes/conf.py.
DYNALAB_SANDBOX_LIMITS = {
    "tables": 25,
    "items": 50_000,
    "bytes": 50 * 1024 * 1024,
    "request_bytes": 1 * 1024 * 1024,
    "memory_bytes": 256 * 1024 * 1024,
    "journal_bytes": 4 * 1024 * 1024,
    "activity_rows": 2_000,
    "activity_notable_rows": 1_000,
    "activity_days": 180,
}
DYNALAB_SANDBOX_SNAPSHOT_EVERY = int(os.environ.get("DYNALAB_SANDBOX_SNAPSHOT_EVERY", "200"))
DYNALAB_SANDBOX_CACHE_SIZE = int(os.environ.get("DYNALAB_SANDBOX_CACHE_SIZE", "500"))
# Each worker's engines together, in estimated megabytes (least recently used go first).
DYNALAB_SANDBOX_CACHE_MEGABYTES = float(os.environ.get("DYNALAB_SANDBOX_CACHE_MEGABYTES", "1024"))
# New sandboxes per client address: a token bucket (a class behind one NAT address shares
# it, hence the burst). 0 turns it off.
DYNALAB_SANDBOX_CREATION_RATE = {
    "per_minute": float(os.environ.get("DYNALAB_SANDBOX_CREATIONS_PER_MINUTE", "30")),
    "burst": float(os.environ.get("DYNALAB_SANDBOX_CREATION_BURST", "100")),
}
# Pages per visitor (signed-in user, else session, else address), as the endpoint limits
# each sandbox's calls; past it, 429. 0 turns it off.
DYNALAB_PAGE_RATE_LIMIT = {
    "requests_per_second": float(os.environ.get("DYNALAB_PAGE_REQUESTS_PER_SECOND", "10")),
    "burst": float(os.environ.get("DYNALAB_PAGE_BURST", "40")),
}
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
