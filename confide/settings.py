"""Confide's one settings module.

Every knob comes from a CONFIDE_* environment variable (documented in
docs/configuration.md) with a safe embedded default: SQLite, in-process channel
layer, console e-mail, DEBUG off. Demo secrets are generated into the ignored
var/ directory on first run so nothing secret is ever committed.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from confide.core.email_url import parse_email_url
from confide.core.env import (
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    generated_secret,
    random_secret_key,
)
from confide.core.site_url import checked_site_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("CONFIDE_DATA_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("CONFIDE_DEBUG", False)
SECRET_KEY = env_secret("CONFIDE_SECRET_KEY") or generated_secret(DATA_DIR, "secret_key", random_secret_key)


def _generate_data_keys() -> str:
    from confide.privacy.keys import new_key_entry

    return new_key_entry()


# AES-256-GCM keys for PHI fields: "id:base64key,id:base64key"; the FIRST is used
# to encrypt, the others only decrypt (rotation). See docs/security.md.
DATA_KEYS = env_secret("CONFIDE_DATA_KEYS") or generated_secret(DATA_DIR, "data_keys", _generate_data_keys)

ALLOWED_HOSTS = env_list("CONFIDE_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CONFIDE_CSRF_TRUSTED_ORIGINS", [])
# Links in e-mails and calendar feeds. Without DEBUG, a missing or loopback value stops start-up once the
# site answers to a name other than this machine's (confide/core/site_url.py); the demo answers to
# 127.0.0.1/localhost only, where http://127.0.0.1:8000 is right.
SITE_URL = checked_site_url(
    env_str("CONFIDE_SITE_URL", ""),
    debug=DEBUG,
    allowed_hosts=ALLOWED_HOSTS,
    csrf_trusted_origins=CSRF_TRUSTED_ORIGINS,
)
IDLE_MINUTES = env_int("CONFIDE_IDLE_MINUTES", 15, minimum=1, maximum=24 * 60)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "confide.core",
    "confide.privacy",
    "confide.accounts",
    "confide.directory",
    "confide.safety",
    "confide.intake",
    "confide.scheduling",
    "confide.messaging",
    "confide.telehealth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "confide.core.security.SecurityHeadersMiddleware",
    "confide.accounts.middleware.IdleLockMiddleware",
    "confide.accounts.middleware.MfaRequiredMiddleware",
    # Last: still before CSRF's process_view reads the body, and the 413 page knows the person (core/security.py).
    "confide.core.security.UploadSizeLimitMiddleware",
]

ROOT_URLCONF = "confide.urls"
CSRF_FAILURE_VIEW = "confide.core.views.csrf_failure"
ASGI_APPLICATION = "confide.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "confide" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "confide.core.context.site",
            ],
        },
    }
]

# --- database ------------------------------------------------------------------
DATABASE_URL = env_str("CONFIDE_DATABASE_URL", f"sqlite:///{DATA_DIR / 'confide.sqlite3'}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
except (ValueError, dj_database_url.UnknownSchemeError) as exc:
    raise ImproperlyConfigured(f"CONFIDE_DATABASE_URL is not a database URL: {exc}") from None
if _db.get("ENGINE") not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
    raise ImproperlyConfigured(
        "CONFIDE_DATABASE_URL must start with sqlite:/// or postgres://; got " + DATABASE_URL.split(":", 1)[0]
    )
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so read-then-write
    # sequences (audit chain, booking) are serialised instead of failing with
    # "database is locked" half way through.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    _db.setdefault("TEST", {})
    if env_str("CONFIDE_TEST_SQLITE_PATH", ""):
        # A file (WAL, busy timeout) instead of the shared-cache in-memory database, whose table locks
        # fail at once when an ASGI test server's threads write concurrently (conftest.py picks a
        # private file when this is not set).
        _db["TEST"]["NAME"] = env_str("CONFIDE_TEST_SQLITE_PATH", "")
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # A connection pool (psycopg_pool, Django's OPTIONS["pool"]). Why: opening a connection costs
    # 5–13 ms, and under ASGI Django's persistent connections (CONN_MAX_AGE) are not reused by HTTP
    # requests — each request's sync code runs on a fresh thread, with a fresh connection (measured:
    # GET /healthz p50 8.4 ms without the pool, 2.6 ms with it). CONFIDE_DB_POOL_SIZE=0 turns the pool
    # off and keeps connections per thread for CONFIDE_DB_CONN_MAX_AGE seconds instead.
    _pool_size = env_int("CONFIDE_DB_POOL_SIZE", 20, minimum=0, maximum=500)
    if _pool_size:
        _db["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django returns them after each request
        _db.setdefault("OPTIONS", {})["pool"] = {"min_size": min(2, _pool_size), "max_size": _pool_size, "timeout": 10}
    else:
        _db["CONN_MAX_AGE"] = env_int("CONFIDE_DB_CONN_MAX_AGE", 60, minimum=0, maximum=3600)
        _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("TEST", {})["NAME"] = env_str("CONFIDE_TEST_DATABASE_NAME", "") or None
    if not _db["TEST"]["NAME"]:
        del _db["TEST"]["NAME"]
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, channels, tasks -----------------------------------------------------
REDIS_URL = env_str("CONFIDE_REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # "pubsub" (default): channels_redis's Redis pub/sub layer, one PUBLISH per event; half the
    # chat CPU of "lists" across processes (docs/performance.md). "lists": the original layer
    # (per-process lists with capacity and expiry). Either way the bus is best effort: delivery is
    # guaranteed by the database and resync (docs/messaging.md).
    REDIS_CHANNEL_LAYER = env_str("CONFIDE_REDIS_CHANNEL_LAYER", "pubsub")
    if REDIS_CHANNEL_LAYER not in ("pubsub", "lists"):
        raise ImproperlyConfigured(
            f"CONFIDE_REDIS_CHANNEL_LAYER must be 'pubsub' or 'lists', not {REDIS_CHANNEL_LAYER!r}."
        )
    if REDIS_CHANNEL_LAYER == "pubsub":
        CHANNEL_LAYERS = {
            "default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
        }
    else:
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [REDIS_URL], "capacity": 1500, "expiry": 30},
            }
        }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One process: its own memory (Channels' in-memory layer without its per-event sweeps, core/channel_layers.py).
    CHANNEL_LAYERS = {"default": {"BACKEND": "confide.core.channel_layers.LocalChannelLayer"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "confide.accounts.forms.ClientSignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Confide] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if env_bool("CONFIDE_HTTPS", False) else "http"
ACCOUNT_ADAPTER = "confide.accounts.adapter.AccountAdapter"
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_SESSION_REMEMBER = False
# allauth's defaults are sensible; stated here so operators see them.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
MFA_ADAPTER = "confide.accounts.adapter.MfaAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or env_bool("CONFIDE_WEBAUTHN_INSECURE_ORIGIN", False)
MFA_TOTP_ISSUER = "Confide"
MFA_RECOVERY_CODE_COUNT = 10

# --- sessions, cookies, security headers ---------------------------------------
HTTPS = env_bool("CONFIDE_HTTPS", False)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 12 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_NAME = "__Host-confide_session" if HTTPS else "confide_session"
CSRF_COOKIE_NAME = "__Host-confide_csrf" if HTTPS else "confide_csrf"
SECURE_SSL_REDIRECT = HTTPS and env_bool("CONFIDE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 63072000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
# "same-origin", not "no-referrer": with no-referrer browsers send "Origin: null" on form
# posts, which defeats CSRF origin checks; same-origin still never leaks a URL to another site.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("CONFIDE_TRUST_PROXY_HEADERS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
TRUSTED_PROXY_COUNT = env_int("CONFIDE_TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
UPLOAD_MAX_BYTES = env_int("CONFIDE_UPLOAD_MAX_MB", 10, minimum=1, maximum=100) * 1024 * 1024
# Uploads (photos, attachments) are PHI until encrypted: every accepted upload stays in memory (never
# a plain temporary file), and core.security.UploadSizeLimitMiddleware (with refuse_oversized_bodies under
# ASGI) refuses bigger request bodies before anything reads them. Set below, once the messaging limit is known.

# --- e-mail -----------------------------------------------------------------------
globals().update(parse_email_url(env_str("CONFIDE_EMAIL_URL", "console:")))
DEFAULT_FROM_EMAIL = env_str("CONFIDE_DEFAULT_FROM_EMAIL", "Confide <no-reply@confide.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- static and uploaded files ------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "confide" / "static"]
STATIC_ROOT = Path(env_str("CONFIDE_STATIC_ROOT", str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing root
MEDIA_ROOT = Path(env_str("CONFIDE_MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: files are streamed by views after a policy check
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- i18n / time -------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- logging: no request bodies, no PHI; errors go to stderr only ----------------
LOG_LEVEL = env_str("CONFIDE_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"strip_query": {"()": "confide.core.logs.StripQueryStrings"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.security.DisallowedHost": {"level": "ERROR"},
        "django.db.backends": {"level": "INFO"},
        # Access lines keep method, path and status; never the query string (searches, tokens).
        # (Listing a logger here replaces uvicorn's own handlers: both print through ours, to stderr.)
        "uvicorn.access": {"handlers": ["stderr"], "filters": ["strip_query"], "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "filters": ["strip_query"], "propagate": False},
        "django.request": {"filters": ["strip_query"]},
    },
}

# --- real-time video ----------------------------------------------------------------
STUN_URLS = env_list("CONFIDE_STUN_URLS", [])
TURN_URLS = env_list("CONFIDE_TURN_URLS", [])
TURN_SECRET = env_secret("CONFIDE_TURN_SECRET") or ""
TURN_TTL_SECONDS = env_int("CONFIDE_TURN_TTL_SECONDS", 3600, minimum=60, maximum=86400)

# --- messaging (owned by confide/messaging; documented in docs/configuration.md) --------
MESSAGE_ATTACHMENT_MAX_BYTES = env_int("CONFIDE_MESSAGE_ATTACHMENT_MAX_MB", 10, minimum=1, maximum=100) * 1024 * 1024
MESSAGE_NOTIFY_DELAY_MINUTES = env_int("CONFIDE_MESSAGE_NOTIFY_DELAY_MINUTES", 15, minimum=1, maximum=24 * 60)
# Frames a person may send per minute over all their chat sockets (shared through the cache, so per
# user across app processes when CONFIDE_REDIS_URL is set); typing indicators are throttled separately.
MESSAGE_RATE_PER_MINUTE = env_int("CONFIDE_MESSAGE_RATE_PER_MINUTE", 120, minimum=10, maximum=1_000_000)
# Chat sockets a person may open per minute (page loads, reconnects); a loop of opens is refused (4429).
MESSAGE_SOCKET_OPENS_PER_MINUTE = env_int("CONFIDE_MESSAGE_SOCKET_OPENS_PER_MINUTE", 30, minimum=5, maximum=1_000_000)
# Database threads of the chat sockets per process (PostgreSQL; SQLite always uses one). Each keeps
# one connection, so a process holds this many connections for chat (confide/messaging/dbpool.py).
MESSAGE_DB_THREADS = env_int("CONFIDE_MESSAGE_DB_THREADS", 4, minimum=1, maximum=32)

FILE_UPLOAD_MAX_MEMORY_SIZE = max(UPLOAD_MAX_BYTES, MESSAGE_ATTACHMENT_MAX_BYTES) + 256 * 1024  # + form fields

# --- API -----------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 20

# Tests: content types and permissions are re-created by post_migrate after each flush, so
# serialized_rollback must not restore them too (duplicate keys on PostgreSQL otherwise).
TEST_NON_SERIALIZED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
