"""Settings for the MIS Sync Wizard, all read from the environment.

Zero configuration gives a working development setup: SQLite, a Celery worker on an
embedded filesystem broker, emails written to files in var/emails/. Production sets
DATABASE_URL, REDIS_URL, SECRET_KEY, CREDENTIALS_KEY, ALLOWED_HOSTS, EMAIL_URL and DEBUG=0
(see .env.example).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str

# Lets admin and other generic classes be subscripted at run time (ModelAdmin[School]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # widget templates for FORM_RENDERER (TemplatesSetting)
    "formtools",
    "purplemash.apps.ProjectConfig",
    "misclient",
    "users",
    "wizard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # /static/ in production too, without a proxy configured for it (see STATIC_ROOT).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy (no inline scripts or styles) and Permissions-Policy.
    "purplemash.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "purplemash.urls"
# Forms render their labels, hints and errors the same way on every page (purplemash/forms.py).
FORM_RENDERER = "purplemash.forms.SiteFormRenderer"
WSGI_APPLICATION = "purplemash.wsgi.application"

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

# Database: SQLite unless DATABASE_URL names another (postgres://user@host:5432/name).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Let a worker and the web process share the file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so that a worker process started by a test sees the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "users.credentials.PupilPasswordHasher",  # generated pupil passwords: see its docstring
]
LOGIN_URL = "admin:login"
# Database sessions that a sign-in on a new device writes once, not three times.
SESSION_ENGINE = "purplemash.sessions"
# Security headers on every response (SecurityMiddleware, XFrameOptionsMiddleware): no
# address of ours is sent to other sites, no page may be framed, no file is sniffed into
# another type. The Content-Security-Policy is purplemash/security.py's.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Staff activation links are valid for 3 days (users/activation.py).
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # else WhiteNoise warns at every start until collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves the collected files (the image collects them when it is built) and,
# for a server started without collectstatic (bin/serve, the load test), the same files
# from where the finders find them.
WHITENOISE_USE_FINDERS = True

# Encrypts XoD secrets and printable pupil passwords at rest: a urlsafe base64 32-byte
# key (Fernet). Development derives one from SECRET_KEY; production must set its own, so
# that rotating SECRET_KEY never makes stored credentials unreadable.
CREDENTIALS_KEY = env_str("CREDENTIALS_KEY")
if not CREDENTIALS_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("CREDENTIALS_KEY must be set when DEBUG is off.")
    CREDENTIALS_KEY = base64.urlsafe_b64encode(
        hashlib.sha256(SECRET_KEY.encode()).digest()
    ).decode()

# --- Celery -------------------------------------------------------------------------------
# REDIS_URL makes Redis the broker and result store. Without it a real worker still runs,
# on kombu's filesystem transport under VAR_DIR: no extra service to install.
REDIS_URL = env_str("REDIS_URL")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A task's time limits, unless it sets its own (fetch_snapshot and apply_sync_run do).
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 660)
# A killed worker never loses a task. A message is acknowledged only once its task has
# finished (late acks); if the pool process running it dies (SIGKILL, out of memory), the
# worker puts the message back on the queue at once and another process runs it again.
# The tasks are safe to run twice: a second apply of a run is a no-op. (The price: a task
# that kills its process every time, e.g. out of memory, is delivered again and again.)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# If the whole worker dies, Redis hands its unacknowledged messages to another worker once
# they are CELERY_VISIBILITY_TIMEOUT seconds old (checked every 10 s). It must exceed the
# longest a task can take from delivery to acknowledgement, or a task still running would be
# started a second time: the task time limit, plus 300 s for a retry's countdown (at most
# 120 s) and a busy pool. So a lost task runs again within about 16 minutes by default.
# The system check refuses a value not above every task's time limit.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 300)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # Look for messages past their visibility timeout every 10 s (kombu's default
        # looks only every tenth time, so every 100 s).
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
else:
    # Development only: the filesystem transport requeues a task whose pool process died,
    # but a message held by a worker that dies whole is lost (it has no visibility timeout).
    _queue_dir = VAR_DIR / "celery" / "queue"
    _results_dir = VAR_DIR / "celery" / "results"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_results_dir}"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "purge-leavers": {"task": "wizard.purge_leavers", "schedule": 24 * 3600},
    "fail-stuck-runs": {"task": "wizard.fail_stuck_runs", "schedule": 5 * 60},
    "forget-sign-in-records": {"task": "users.forget_sign_in_records", "schedule": 24 * 3600},
}

# --- Email --------------------------------------------------------------------------------
# EMAIL_URL: smtp://user:password@host:587 (STARTTLS) or smtps://...:465 (TLS).
NO_EMAIL_URL = (
    "EMAIL_URL must be set when DEBUG is off, so that staff activation emails reach a mail "
    "server: smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465."
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MIS Sync Wizard <no-reply@localhost>")
EMAIL_URL = env_str("EMAIL_URL")
if EMAIL_URL:
    _email = urlsplit(EMAIL_URL)
    if _email.scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured("EMAIL_URL must start with smtp:// or smtps://")
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or (465 if _email.scheme == "smtps" else 587)
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = _email.scheme == "smtp" and EMAIL_PORT != 25
    EMAIL_TIMEOUT = 20
elif DEBUG:
    # Development: each batch of emails is a file in var/emails/, never the console, where
    # it would mix with a command's output (mis_sync --json) or a log.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "emails")
else:
    raise ImproperlyConfigured(NO_EMAIL_URL)

# --- Groupcall Xporter on Demand ----------------------------------------------------------
XOD_BASE_URL = env_str("XOD_BASE_URL", "https://xporter.groupcall.com/api/v1/")
XOD_TOKEN_URL = env_str("XOD_TOKEN_URL", "https://xporter.groupcall.com/api/oauth/GetToken")
XOD_RELYING_PARTY = env_str("XOD_RELYING_PARTY", "mis-sync-wizard.localhost")
XOD_TIMEOUT_SECONDS = env_int("XOD_TIMEOUT_SECONDS", 30)
# The app's partner account at Groupcall, for asking schools to authorise it (the
# invitation API). Both empty: the Connect page says so instead of inviting. Never logged.
GROUPCALL_APPLICATION_ID = env_str("GROUPCALL_APPLICATION_ID", "")
GROUPCALL_MANAGEMENT_SECRET = env_str("GROUPCALL_MANAGEMENT_SECRET", "")
GROUPCALL_REGISTER_URL = env_str(
    "GROUPCALL_REGISTER_URL", "https://manage.groupcall.com/API/XporterOnDemand/SchoolRegister"
)
GROUPCALL_PARTNER_NAME = env_str("GROUPCALL_PARTNER_NAME", "MIS Sync Wizard")
GROUPCALL_PARTNER_EMAIL = env_str("GROUPCALL_PARTNER_EMAIL", "")
GROUPCALL_TEST_REGISTRATION = env_bool("GROUPCALL_TEST_REGISTRATION", default=False)
# Only in the demo (bin/start): the fake Groupcall's page standing in for its consent email.
GROUPCALL_DEMO_CONSENT_URL = env_str("GROUPCALL_DEMO_CONSENT_URL", "")
# Days a sync run keeps the MIS data it read (names, ids, groups), then forgets it.
SNAPSHOT_RETENTION_DAYS = env_int("SNAPSHOT_RETENTION_DAYS", 30)
# Threads hashing a sync's new pupils' passwords, 0 for one per core. A server that runs
# as many sync worker processes as it has cores (a trust's schools overnight) may set 1.
SYNC_HASHING_THREADS = env_int("SYNC_HASHING_THREADS", 0)

# The proxies in front of the app (addresses or networks, "*" for any), trusted to say in
# X-Forwarded-For whom a request came from: the sign-in throttle counts wrong tries per
# client address, and behind a proxy every request's own address is the proxy's. The same
# variable tells gunicorn whom to trust for X-Forwarded-Proto (purplemash/gunicorn.py).
TRUSTED_PROXIES = env_list("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# --- Production hardening (on whenever DEBUG is off) --------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Neither cookie is for JavaScript: forms carry the CSRF token in a hidden field, and
# static/js/sync.js posts the form's own fields.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # The development server logs every request's path, activation links included.
    "filters": {"hide_activation_links": {"()": "users.log_filters.HideActivationLinks"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["hide_activation_links"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {
            "handlers": ["console"],
            "filters": ["hide_activation_links"],
            "level": "INFO",
            "propagate": False,
        },
        # WeasyPrint logs each step of every login-card PDF at INFO, fontTools each subset.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

AUTHENTICATION_BACKENDS = ["users.backends.SchoolUsernameBackend"]
# Usernames are unique per school (a database constraint on Lower(username), school), not
# globally, so auth's "USERNAME_FIELD should be unique" warning does not apply.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
