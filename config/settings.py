"""Baozhang settings: one file, every knob an environment variable (see docs/configuration.md)."""

import os
import tempfile
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = BASE_DIR / "baozhang"
DATA_DIR = Path(os.environ.get("BAOZHANG_DATA_DIR", "data")).resolve()

DEBUG = env_bool("BAOZHANG_DEBUG", False)
_INSECURE_KEY = "baozhang-insecure-development-key-change-me-in-production"
SECRET_KEY = os.environ.get("BAOZHANG_SECRET_KEY", _INSECURE_KEY)
HTTPS = env_bool("BAOZHANG_HTTPS", False)
if HTTPS and SECRET_KEY == _INSECURE_KEY:
    raise ImproperlyConfigured("BAOZHANG_SECRET_KEY must be set when BAOZHANG_HTTPS is on.")

ALLOWED_HOSTS = env_list("BAOZHANG_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("BAOZHANG_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "axes",
    "django_ratelimit",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "baozhang.core",
    "baozhang.orgs",
    "baozhang.standards",
    "baozhang.inspections",
    "baozhang.rectification",
    "baozhang.notifications",
    "baozhang.reports",
    "baozhang.accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "baozhang.core.middleware.NulCharacterMiddleware",
    "baozhang.core.middleware.ResponseHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "baozhang.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "orgs.User"

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
                "baozhang.accounts.context_processors.baozhang",
            ],
        },
    }
]

# Database: PostgreSQL through DATABASE_URL, else SQLite in the data folder.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # How long a writer waits for another to finish before it fails with "database is locked".
    SQLITE_BUSY_SECONDS = float(os.environ.get("BAOZHANG_SQLITE_BUSY_TIMEOUT", "20"))
    DATABASES = {
        "default": {
            # Django's SQLite backend with writers queued on a lock file: baozhang/core/sqlite.
            "ENGINE": "baozhang.core.sqlite",
            "NAME": DATA_DIR / "baozhang.sqlite3",
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": SQLITE_BUSY_SECONDS,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)};"
                ),
            },
            # Tests use a file, as production does, not SQLite's in-memory database: the backup
            # tests need a file to copy, and WAL and the busy timeout get exercised. The process id
            # keeps concurrent test runs apart; pytest-django adds _gw0… for xdist workers.
            "TEST": {
                "NAME": os.environ.get("BAOZHANG_TEST_SQLITE_NAME")
                or str(Path(tempfile.gettempdir()) / f"baozhang-test-{os.getpid()}.sqlite3")
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "orgs:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes)
AXES_FAILURE_LIMIT = int(os.environ.get("BAOZHANG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("BAOZHANG_LOGIN_COOLOFF_HOURS", "0.25"))
# A login is locked for one address at a time, so that failures elsewhere, or made-up names from
# a shared address, never lock out its owner.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "baozhang.accounts.lockout.lockout_response"
# The client's address is read from X-Forwarded-For only when the connection comes from one of
# these proxies (addresses or networks); see docs/deployment.md.
BAOZHANG_TRUSTED_PROXIES = env_list("BAOZHANG_TRUSTED_PROXIES", "")
AXES_CLIENT_IP_CALLABLE = "baozhang.core.addresses.client_address"
AXES_ENABLED = env_bool("BAOZHANG_LOGIN_THROTTLING", True)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("BAOZHANG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("BAOZHANG_MEDIA_DIR", str(DATA_DIR / "media"))).resolve()
# Static files are served from the package itself; no collectstatic step is needed to run.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at")
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads: imports are checked against these limits before they are parsed: the file, what one
# part of the workbook unpacks to, and all its parts together (docs/formats.md). A genuine
# 100,000-row findings workbook unpacks to about 70 MB.
IMPORT_MAX_BYTES = int(os.environ.get("BAOZHANG_IMPORT_MAX_MB", "10")) * 1024 * 1024
IMPORT_MAX_PART_BYTES = int(os.environ.get("BAOZHANG_IMPORT_MAX_PART_MB", "150")) * 1024 * 1024
IMPORT_MAX_UNPACKED_BYTES = (
    int(os.environ.get("BAOZHANG_IMPORT_MAX_UNPACKED_MB", "200")) * 1024 * 1024
)
# A larger file is imported by the background worker (orgs/imports.py), its findings stored in
# batches of IMPORT_BATCH_ROWS, each in its own short transaction.
IMPORT_BACKGROUND_BYTES = int(os.environ.get("BAOZHANG_IMPORT_BACKGROUND_KB", "100")) * 1024
IMPORT_BATCH_ROWS = int(os.environ.get("BAOZHANG_IMPORT_BATCH_ROWS", "1000"))
# An export of more rows is written by the background worker (orgs/exports.py); its file is kept
# under the media folder for EXPORT_KEEP_HOURS.
EXPORT_BACKGROUND_ROWS = int(os.environ.get("BAOZHANG_EXPORT_BACKGROUND_ROWS", "5000"))
EXPORT_KEEP_HOURS = int(os.environ.get("BAOZHANG_EXPORT_KEEP_HOURS", "24"))
# A QR label sheet of more labels is written by the background worker as an export job.
LABELS_BACKGROUND = int(os.environ.get("BAOZHANG_LABELS_BACKGROUND", "50"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Photos (baozhang/core/photos.py): decoded whole under a pixel limit, re-encoded as a JPEG whose
# longest edge is capped, and counted per user and hour.
BAOZHANG_PHOTO_MAX_MEGAPIXELS = int(os.environ.get("BAOZHANG_PHOTO_MAX_MEGAPIXELS", "50"))
BAOZHANG_PHOTO_MAX_EDGE = int(os.environ.get("BAOZHANG_PHOTO_MAX_EDGE", "2048"))
BAOZHANG_PHOTO_UPLOADS_PER_HOUR = int(os.environ.get("BAOZHANG_PHOTO_UPLOADS_PER_HOUR", "200"))

# The cache holds the upload counts; in the database, every web process sees the same counts
# (`baozhang migrate` creates its table). django-ratelimit warns that this cache does not add
# atomically: two uploads of one user at the same instant may count as one, which lets a user
# past the limit by at most the uploads they send at once.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "baozhang_cache",
        "OPTIONS": {"MAX_ENTRIES": 10000},
    }
}
RATELIMIT_USE_CACHE = "default"
# Public pages (the notice board) are kept in the cache this long, or until what they show changes
# (baozhang/core/public_pages.py); 0 makes them on every request.
BAOZHANG_PUBLIC_PAGE_SECONDS = int(os.environ.get("BAOZHANG_PUBLIC_PAGE_SECONDS", "60"))
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

TASKS = {
    "default": {
        "BACKEND": os.environ.get("BAOZHANG_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Background jobs (baozhang/core/background.py): a running job's lease, renewed every third of it;
# a job whose lease ran out lost its worker. Each worker records a heartbeat this often; three
# missed beats and it counts as stopped (docs/deployment.md).
BAOZHANG_JOB_LEASE_SECONDS = float(os.environ.get("BAOZHANG_JOB_LEASE_SECONDS", "120"))
BAOZHANG_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("BAOZHANG_WORKER_HEARTBEAT_SECONDS", "30"))

EMAIL_BACKEND = os.environ.get(
    "BAOZHANG_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("BAOZHANG_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("BAOZHANG_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("BAOZHANG_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("BAOZHANG_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("BAOZHANG_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("BAOZHANG_EMAIL_FROM", "baozhang@localhost")

# Notifications: links in e-mails and robot messages start with this address.
BAOZHANG_BASE_URL = os.environ.get("BAOZHANG_BASE_URL", "http://127.0.0.1:8000")
BAOZHANG_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("BAOZHANG_WEBHOOK_TIMEOUT", "5"))
BAOZHANG_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("BAOZHANG_NOTIFY_MAX_ATTEMPTS", "5"))
BAOZHANG_NOTIFY_BACKOFF_SECONDS = float(os.environ.get("BAOZHANG_NOTIFY_BACKOFF_SECONDS", "60"))

SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Scripts only from the server's own files (no inline script anywhere); see core/middleware.py.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("BAOZHANG_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("BAOZHANG_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BAOZHANG_LOG_LEVEL", "WARNING")},
}

PAGE_SIZE = 25
BAOZHANG_SITE_NAME = _("Baozhang service assurance")
