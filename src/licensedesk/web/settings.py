"""Django settings, read from the environment.

Environment variables:

``LICENSEDESK_DEBUG``        1/true/yes to turn DEBUG on (default off).
``LICENSEDESK_SECRET_KEY``   required to serve with DEBUG off (``wsgi.py`` refuses to start without it);
                             a fixed, visibly insecure development key is used otherwise.
``LICENSEDESK_AUDIT_KEY``    the HMAC key of the audit hash chains (at least 32 characters), or
``LICENSEDESK_AUDIT_KEY_FILE`` a file holding it (default ``<var>/audit_key``, made once with mode 0600
                             by the first audit write; ``audit verify`` never makes it). Keep it out of
                             the database and back it up separately: without it no chain verifies.
``LICENSEDESK_AUDIT_ANCHOR_FILE`` where ``audit anchor`` appends the chain heads (default
                             ``<var>/audit-anchors.jsonl``); when set, housekeeping anchors there too.
``LICENSEDESK_VAR_DIR``      where the SQLite database, collected static files and logs live
                             (default ``<repo>/var``, created on start).
``DATABASE_URL``             PostgreSQL (``postgresql://user@host:5432/name``) instead of SQLite.
``ALLOWED_HOSTS``            comma-separated (default ``localhost,127.0.0.1,[::1]``).
``CSRF_TRUSTED_ORIGINS``     comma-separated origins, when served behind a proxy on another origin.
``LICENSEDESK_BASE_URL``     the address links in emails start with (when unset, an invitation sent from a
                             page uses the address that page was served on; otherwise http://127.0.0.1:8000);
                             an ``https://`` address also turns Secure cookies on.
``LICENSEDESK_INVITATION_DAYS`` how long a client invitation link works (default 7).
``LICENSEDESK_FROM_EMAIL``   the sender of emails.
``LICENSEDESK_EMAIL_BACKEND`` ``smtp`` (default) or ``console``; ``LICENSEDESK_SMTP_HOST`` / ``_PORT`` /
``_USER`` / ``_PASSWORD`` / ``_TLS`` configure SMTP (default localhost:25, no TLS).
``LICENSEDESK_S3_BUCKET``     store client documents in S3-compatible storage (with
                             ``LICENSEDESK_S3_ENDPOINT_URL``, ``_REGION``, ``_ACCESS_KEY``, ``_SECRET_KEY``,
                             ``_PREFIX``); default: ``<var>/media``.
``LICENSEDESK_UPLOAD_MAX_MB`` per-kind upload limits, e.g. ``pdf=256,jpeg=30``;
                             ``LICENSEDESK_IMAGE_MAX_PIXELS``. ``LICENSEDESK_UPLOAD_MAX_FILES`` files per
                             upload (default 20); ``LICENSEDESK_UPLOAD_MAX_REQUEST_MB`` the most one upload
                             request may carry (default: the largest per-kind limit + 16 MB); both are
                             enforced while the body arrives (``materials/uploads.py``).
``LICENSEDESK_HOUSEKEEPING_MINUTES`` how often each server process runs the housekeeping without Celery
                             (Celery beat with it; default 30, 0: never — run ``licensedesk housekeeping``
                             from cron instead); ``LICENSEDESK_UPLOAD_TEMP_MAX_AGE_HOURS`` upload temporary
                             files older than this are removed (default 6);
                             ``LICENSEDESK_MEDIA_ORPHAN_GRACE_HOURS`` stored files no row references are
                             removed once this old (default 24). See ``housekeeping.py``.
``LICENSEDESK_REMINDERS_HOUR`` the local hour from which the day's deadline reminders are sent (default 8).
``LICENSEDESK_CLAMD_SOCKET`` / ``LICENSEDESK_CLAMD_HOST`` (+ ``_PORT``) scan uploads with ClamAV
                             (else files are marked "not scanned").
``LICENSEDESK_CELERY_BROKER_URL`` run document generation on Celery (e.g. ``redis://127.0.0.1:6379/0``);
                             default: in-process threads (``LICENSEDESK_DOCUMENT_WORKERS``, default 2).
``LICENSEDESK_WEBHOOK_ALLOW_PRIVATE`` / ``_WORKERS`` / ``_CONNECT_TIMEOUT_SECONDS`` /
``_READ_TIMEOUT_SECONDS`` / ``_RETRY_BASE_SECONDS`` / ``_RETRY_HOURS`` / ``_DISABLE_AFTER_FAILURES`` /
``_DISABLE_AFTER_HOURS``
                             webhook deliveries (see the webhooks section below).
``LICENSEDESK_JOB_HEARTBEAT_SECONDS`` how often a process beats for the generation jobs it holds
                             (default 5); ``LICENSEDESK_JOB_HEARTBEAT_TIMEOUT_SECONDS`` without a beat for
                             this long a job is marked interrupted (default 30);
                             ``LICENSEDESK_JOB_QUEUE_ALLOWANCE_SECONDS`` how much longer a Celery job may
                             wait in the broker, never started, before it is (default 900).
``LICENSEDESK_SECURE_COOKIES`` / ``LICENSEDESK_SSL_REDIRECT`` / ``LICENSEDESK_HSTS_SECONDS`` /
``LICENSEDESK_BEHIND_PROXY`` tune HTTPS behaviour (defaults: secure cookies when HTTPS is configured
— SSL redirect, HSTS or an ``https://`` ``LICENSEDESK_BASE_URL`` —, no redirect, no HSTS, no proxy
header trusted). Behind a proxy, ``LICENSEDESK_TRUSTED_PROXIES`` lists the
proxy addresses or networks whose ``X-Forwarded-For`` / ``-Proto`` are believed (default
``127.0.0.1,::1``; see ``client_address.py``); ``LICENSEDESK_HSTS_PRELOAD`` opts in to HSTS preloading.
"""

from __future__ import annotations

import contextlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
_SRC_REPO = PACKAGE_DIR.parents[2]  # src/licensedesk/web → the repository, in a source checkout
REPO_DIR = _SRC_REPO if (_SRC_REPO / "pyproject.toml").is_file() else Path.cwd()


def _private_dir(path: Path) -> Path:
    """Create ``path`` owner-only (0700), and tighten one of ours left wider by an older version: it
    holds the database, client documents and keys."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid == os.getuid() and info.st_mode & 0o077:
        path.chmod(0o700)
    return path


VAR_DIR = _private_dir(Path(os.environ.get("LICENSEDESK_VAR_DIR") or REPO_DIR / "var").resolve())

DEBUG = _env_bool("LICENSEDESK_DEBUG")

_DEV_SECRET_KEY = "django-insecure-licensedesk-development-key-never-serve-with-it"
SECRET_KEY = os.environ.get("LICENSEDESK_SECRET_KEY") or _DEV_SECRET_KEY
SECRET_KEY_FROM_ENV = bool(os.environ.get("LICENSEDESK_SECRET_KEY"))

# The audit chains' HMAC key: from the environment, else a file outside the database (audit/keys.py).
AUDIT_KEY = os.environ.get("LICENSEDESK_AUDIT_KEY", "").strip()
AUDIT_KEY_FILE = Path(os.environ.get("LICENSEDESK_AUDIT_KEY_FILE") or VAR_DIR / "audit_key")
AUDIT_ANCHOR_FILE = os.environ.get("LICENSEDESK_AUDIT_ANCHOR_FILE", "").strip()

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_htmx",
    "licensedesk.web.accounts",
    "licensedesk.web.audit",
    "licensedesk.web.cases",
    "licensedesk.web.demo",
    "licensedesk.web.portal",
    "licensedesk.web.materials",
    "licensedesk.web.documents",
    "licensedesk.web.inbox",
    "licensedesk.web.navigator",
    "licensedesk.web.webhooks",
    "licensedesk.web.exports",
    "licensedesk.web.reminders",
    "licensedesk.web.register",
    "licensedesk.web.api",
    "licensedesk.web.reports",
    "ninja",  # the API reference page's Swagger UI assets, served locally (no CDN)
]

MIDDLEWARE = [
    # Forwarded headers from anything but a trusted proxy are dropped before anything reads them.
    "licensedesk.web.client_address.ForwardedHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "licensedesk.web.middleware.ChineseFirstLocaleMiddleware",  # Chinese unless English was chosen
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "licensedesk.web.middleware.SecurityHeadersMiddleware",
    "licensedesk.web.middleware.ApplicationErrorMiddleware",
    # django-axes wants to be last: it turns a lockout raised during authentication into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "licensedesk.web.urls"
WSGI_APPLICATION = "licensedesk.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# -- database -----------------------------------------------------------------------------------------

SQLITE_PATH = VAR_DIR / "licensedesk.sqlite3"
SQLITE_OPTIONS = {
    # WAL lets readers run while one writer writes; NORMAL sync is safe with WAL.
    "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON",
    # BEGIN IMMEDIATE takes the write lock when a transaction starts, so two writers queue (up to
    # ``timeout`` seconds) instead of one failing with "database is locked" when it upgrades its lock.
    # This is also what serialises audit-chain appends on SQLite, where select_for_update is a no-op.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}

DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    # Owner-only database: create the file 0600 before Django first connects (SQLite gives its -wal and
    # -shm files the database file's mode), and tighten one an older version left world-readable. Why
    # not a process umask of 0o077: it would change the mode of everything else the process (or a test
    # run importing these settings) creates, and a umask set here comes too late for whatever ran
    # before; the mode at the one place the file is made is explicit and testable.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(SQLITE_PATH, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for _sqlite_file in (
        SQLITE_PATH,
        SQLITE_PATH.with_name(SQLITE_PATH.name + "-wal"),
        SQLITE_PATH.with_name(SQLITE_PATH.name + "-shm"),
    ):
        with contextlib.suppress(FileNotFoundError):
            if _sqlite_file.stat().st_uid == os.getuid() and _sqlite_file.stat().st_mode & 0o077:
                _sqlite_file.chmod(0o600)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": SQLITE_OPTIONS,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# -- auth ---------------------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # staff land on the board, client users in the portal (licensedesk.web.views)
LOGOUT_REDIRECT_URL = "login"

# Login throttling: 5 failures for one username from one address lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False  # attempts are global (every agency's usernames): not for agency admins
AXES_VERBOSE = False
# The address failures count against: the real client's behind a trusted proxy, never one a client
# wrote into X-Forwarded-For itself (the audit trail's auth.login events use the same function).
AXES_CLIENT_IP_CALLABLE = "licensedesk.web.client_address.client_address"

# -- sessions, CSRF, security headers ------------------------------------------------------------------


def secure_cookies_default(*, ssl_redirect: bool, hsts_seconds: int, base_url: str) -> bool:
    """Secure cookies only when this deployment says it is served over HTTPS (redirect to HTTPS, HSTS,
    or an ``https://`` base address). A Secure cookie sent over plain HTTP is dropped by the browser:
    on an office LAN address served over HTTP the CSRF cookie never comes back and sign-in fails
    without a word (a browser on 127.0.0.1 copes, which hid this). ``LICENSEDESK_SECURE_COOKIES``
    overrides either way."""
    return ssl_redirect or hsts_seconds > 0 or base_url.strip().lower().startswith("https://")


SECURE_COOKIES = _env_bool(
    "LICENSEDESK_SECURE_COOKIES",
    default=secure_cookies_default(
        ssl_redirect=_env_bool("LICENSEDESK_SSL_REDIRECT"),
        hsts_seconds=int(os.environ.get("LICENSEDESK_HSTS_SECONDS", "0") or 0),
        base_url=os.environ.get("LICENSEDESK_BASE_URL", ""),
    ),
)
SESSION_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 10  # a working day
SESSION_COOKIE_NAME = "licensedesk_session"
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True  # templates send the token from {% csrf_token %} / hx-headers, not the cookie
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "licensedesk_csrftoken"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = _env_bool("LICENSEDESK_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("LICENSEDESK_HSTS_SECONDS", "0") or 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Preloading (hstspreload.org) binds the domain and every subdomain to HTTPS in browsers for months and
# is slow to undo: the domain's owner opts in, so `check --deploy`'s reminder (W021) is silenced.
SECURE_HSTS_PRELOAD = _env_bool("LICENSEDESK_HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = ["security.W021"]
BEHIND_PROXY = _env_bool("LICENSEDESK_BEHIND_PROXY")
TRUSTED_PROXIES = _env_list("LICENSEDESK_TRUSTED_PROXIES", "127.0.0.1,::1") if BEHIND_PROXY else []
if BEHIND_PROXY:  # believed only from TRUSTED_PROXIES: client_address.ForwardedHeadersMiddleware
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Sent by licensedesk.web.middleware.SecurityHeadersMiddleware (Django 6 has its own CSP middleware).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# -- client portal ------------------------------------------------------------------------------------

# How long an invitation link works, and the address links in emails start with (emails are read away
# from any request, so the host cannot come from one).
PORTAL_INVITATION_DAYS = int(os.environ.get("LICENSEDESK_INVITATION_DAYS", "7") or 7)
LICENSEDESK_BASE_URL = os.environ.get("LICENSEDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Set explicitly: links made while answering a request (invitations) use it; when not set they use the
# address the request came to (Host checked against ALLOWED_HOSTS), not the loopback default.
LICENSEDESK_BASE_URL_SET = bool(os.environ.get("LICENSEDESK_BASE_URL", "").strip())
DEFAULT_FROM_EMAIL = os.environ.get("LICENSEDESK_FROM_EMAIL", "licensedesk <noreply@licensedesk.localhost>")

# -- email --------------------------------------------------------------------------------------------

# Django 6.1 mailers. SMTP by default; LICENSEDESK_EMAIL_BACKEND=console prints mail instead (development).
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
}
_EMAIL_BACKEND = os.environ.get("LICENSEDESK_EMAIL_BACKEND", "smtp").strip() or "smtp"
if _EMAIL_BACKEND == "console":
    MAILERS = {"default": {"BACKEND": _EMAIL_BACKENDS["console"]}}
else:
    MAILERS = {
        "default": {
            "BACKEND": _EMAIL_BACKENDS.get(_EMAIL_BACKEND, _EMAIL_BACKEND),
            "OPTIONS": {
                "host": os.environ.get("LICENSEDESK_SMTP_HOST", "localhost"),
                "port": int(os.environ.get("LICENSEDESK_SMTP_PORT", "25") or 25),
                "username": os.environ.get("LICENSEDESK_SMTP_USER", ""),
                "password": os.environ.get("LICENSEDESK_SMTP_PASSWORD", ""),
                "use_tls": _env_bool("LICENSEDESK_SMTP_TLS"),
                "timeout": 20,
            },
        }
    }

# -- i18n ---------------------------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
USE_I18N = True
# Project-wide strings (base.html, the sign-in page); each app keeps its own catalog in <app>/locale.
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# -- static files -------------------------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]  # the design system and vendored htmx (no CDN)
STATIC_ROOT = _private_dir(VAR_DIR / "static")  # served by whitenoise from inside the process
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media"},
    },
    # With DEBUG off run `python -m licensedesk.web collectstatic` first (hashed names from the manifest).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# -- materials: uploaded files, their storage, virus scan --------------------------------------------

# Client documents are stored by content (``sha256[:2]/sha256``) in STORAGES["default"] and only ever
# served through the permission-checked download view: no MEDIA_URL is routed. With LICENSEDESK_S3_BUCKET
# they go to S3-compatible object storage (django-storages); files stay private (no ACL, signed URLs are
# never handed out either).
S3_BUCKET = os.environ.get("LICENSEDESK_S3_BUCKET", "").strip()
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("LICENSEDESK_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("LICENSEDESK_S3_REGION") or None,
            "access_key": os.environ.get("LICENSEDESK_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("LICENSEDESK_S3_SECRET_KEY") or None,
            "location": os.environ.get("LICENSEDESK_S3_PREFIX", "materials").strip("/"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": True,  # names are content hashes: the same name is the same bytes
        },
    }

# Uploads are written to temporary files here (next to media/, so a local store is a rename), hashed
# while they arrive. Limits per file kind, in MB: LICENSEDESK_UPLOAD_MAX_MB="pdf=256,jpeg=30,…".
FILE_UPLOAD_TEMP_DIR = _private_dir(VAR_DIR / "tmp")
# Stored client documents and the folders FileSystemStorage makes for them: owner-only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
MATERIAL_UPLOAD_MAX_BYTES = {
    kind.strip(): int(float(mb) * 1024 * 1024)
    for kind, _, mb in (
        item.partition("=")
        for item in os.environ.get("LICENSEDESK_UPLOAD_MAX_MB", "").split(",")
        if "=" in item
    )
}
MATERIAL_IMAGE_MAX_PIXELS = int(os.environ.get("LICENSEDESK_IMAGE_MAX_PIXELS", "50000000") or 50_000_000)
# Enforced by the upload parser as the body arrives: files per upload, and the most one request may carry
# (None: the largest per-kind limit + 16 MB, uploads.max_request_bytes).
MATERIAL_UPLOAD_MAX_FILES = int(os.environ.get("LICENSEDESK_UPLOAD_MAX_FILES", "20") or 20)
MATERIAL_UPLOAD_MAX_REQUEST_BYTES = (
    int(float(os.environ["LICENSEDESK_UPLOAD_MAX_REQUEST_MB"]) * 1024 * 1024)
    if os.environ.get("LICENSEDESK_UPLOAD_MAX_REQUEST_MB", "").strip()
    else None
)
# Housekeeping (licensedesk.web.housekeeping): how often, and what counts as left behind.
HOUSEKEEPING_INTERVAL_MINUTES = float(os.environ.get("LICENSEDESK_HOUSEKEEPING_MINUTES", "30") or 30)
HOUSEKEEPING_TEMP_MAX_AGE_HOURS = float(os.environ.get("LICENSEDESK_UPLOAD_TEMP_MAX_AGE_HOURS", "6") or 6)
HOUSEKEEPING_MEDIA_GRACE_HOURS = float(os.environ.get("LICENSEDESK_MEDIA_ORPHAN_GRACE_HOURS", "24") or 24)
# The local hour after which the housekeeping sends the inbox's daily digests (inbox.services).
INBOX_DIGEST_HOUR = int(os.environ.get("LICENSEDESK_INBOX_DIGEST_HOUR") or "8")  # 0–23
# The local hour from which the housekeeping sends the deadline reminders of the day (reminders.services).
REMINDERS_SEND_HOUR = int(os.environ.get("LICENSEDESK_REMINDERS_HOUR") or "8")  # 0–23

# ClamAV: LICENSEDESK_CLAMD_SOCKET (a Unix socket path) or LICENSEDESK_CLAMD_HOST[:LICENSEDESK_CLAMD_PORT].
# Without either, uploads are stored and shown as "not scanned".
CLAMD_SOCKET = os.environ.get("LICENSEDESK_CLAMD_SOCKET", "").strip()
CLAMD_HOST = os.environ.get("LICENSEDESK_CLAMD_HOST", "").strip()
CLAMD_PORT = int(os.environ.get("LICENSEDESK_CLAMD_PORT", "3310") or 3310)

# -- background work: document generation --------------------------------------------------------------

# With LICENSEDESK_CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) generation jobs go to Celery
# (start a worker: celery -A licensedesk.web.celery worker); without it they run in-process on a thread
# pool of LICENSEDESK_DOCUMENT_WORKERS threads (default 2).
CELERY_BROKER_URL = os.environ.get("LICENSEDESK_CELERY_BROKER_URL", "").strip()
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
DOCUMENT_WORKERS = int(os.environ.get("LICENSEDESK_DOCUMENT_WORKERS", "2") or 2)
# Heartbeats of generation jobs (documents/heartbeat.py): a job of a stopped process is marked interrupted.
JOB_HEARTBEAT_SECONDS = float(os.environ.get("LICENSEDESK_JOB_HEARTBEAT_SECONDS", "5") or 5)
JOB_HEARTBEAT_TIMEOUT_SECONDS = float(os.environ.get("LICENSEDESK_JOB_HEARTBEAT_TIMEOUT_SECONDS", "30") or 30)
JOB_QUEUE_ALLOWANCE_SECONDS = float(os.environ.get("LICENSEDESK_JOB_QUEUE_ALLOWANCE_SECONDS", "900") or 900)

# -- webhooks (webhooks/) -------------------------------------------------------------------------------

# Deliveries run where document generation does (Celery, else LICENSEDESK_WEBHOOK_WORKERS threads).
# Every agency admin chooses where this server sends requests: loopback, private, link-local and
# reserved addresses are refused unless LICENSEDESK_WEBHOOK_ALLOW_PRIVATE=1 (a receiver on the same
# network, tests). Failed deliveries are retried with exponential back-off (first after
# LICENSEDESK_WEBHOOK_RETRY_BASE_SECONDS, ×4 each time, at most 8 h) for LICENSEDESK_WEBHOOK_RETRY_HOURS;
# a subscription failing LICENSEDESK_WEBHOOK_DISABLE_AFTER_FAILURES attempts in a row over at least
# LICENSEDESK_WEBHOOK_DISABLE_AFTER_HOURS is disabled and its agency's admins emailed.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = _env_bool("LICENSEDESK_WEBHOOK_ALLOW_PRIVATE")
WEBHOOK_WORKERS = int(os.environ.get("LICENSEDESK_WEBHOOK_WORKERS", "2") or 2)
WEBHOOK_CONNECT_TIMEOUT_SECONDS = float(
    os.environ.get("LICENSEDESK_WEBHOOK_CONNECT_TIMEOUT_SECONDS", "5") or 5
)
WEBHOOK_READ_TIMEOUT_SECONDS = float(os.environ.get("LICENSEDESK_WEBHOOK_READ_TIMEOUT_SECONDS", "10") or 10)
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("LICENSEDESK_WEBHOOK_RETRY_BASE_SECONDS", "10") or 10)
WEBHOOK_RETRY_HOURS = float(os.environ.get("LICENSEDESK_WEBHOOK_RETRY_HOURS", "24") or 24)
WEBHOOK_DISABLE_AFTER_FAILURES = int(os.environ.get("LICENSEDESK_WEBHOOK_DISABLE_AFTER_FAILURES", "15") or 15)
WEBHOOK_DISABLE_AFTER_HOURS = float(os.environ.get("LICENSEDESK_WEBHOOK_DISABLE_AFTER_HOURS", "24") or 24)

# -- the REST API (licensedesk.web.api) ---------------------------------------------------------------

# Calls per API token (Django Ninja's throttle: "<n>/<s|min|hour|day>", e.g. "600/min"), answered
# with 429 and Retry-After past it. The counts live in Django's cache: Redis with LICENSEDESK_CACHE_URL
# (redis://127.0.0.1:6379/1), shared by every worker process; else each process counts its own.
API_RATE_LIMIT = os.environ.get("LICENSEDESK_API_RATE_LIMIT", "600/min").strip() or "600/min"
# How long a new token lives unless its admin picks otherwise (days), and the longest allowed.
API_TOKEN_DEFAULT_DAYS = int(os.environ.get("LICENSEDESK_API_TOKEN_DAYS", "90") or 90)
API_TOKEN_MAX_DAYS = 366
CACHE_URL = os.environ.get("LICENSEDESK_CACHE_URL", "").strip()
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}

# -- logging ------------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LICENSEDESK_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
