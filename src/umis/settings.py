"""UMIS settings.

Everything environment-specific is read from environment variables (twelve-factor), so the
same code runs the embedded demo (SQLite under ./var), the test suite and production.
See docs/operations.md for the full list.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("UMIS_PROJECT_DIR", BASE_DIR.parent.parent))
VAR_DIR = Path(os.environ.get("UMIS_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# "production" switches on every hardening setting; anything else is a developer machine.
UMIS_ENV = os.environ.get("UMIS_ENV", "development")
PRODUCTION = UMIS_ENV == "production"
DEBUG = env_bool("UMIS_DEBUG", default=not PRODUCTION)


def _secret_key() -> str:
    key = os.environ.get("UMIS_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("UMIS_SECRET_KEY must be set in production")
    # A per-checkout key, generated once, so sessions survive restarts of the demo.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("UMIS_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("UMIS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "umis.core",
    "umis.registry",
    "umis.identity",
    "umis.border",
    "umis.stays",
    "umis.cases",
    "umis.permits",
    "umis.exchange",
    "umis.backoffice",
    "umis.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "umis.core.middleware.RequestContextMiddleware",
    "umis.core.middleware.StaffMFAMiddleware",
    "umis.core.middleware.PrivateCacheMiddleware",
]

if PRODUCTION:  # development serves static files from runserver / the test server
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "umis.urls"
WSGI_APPLICATION = "umis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "umis.core.context_processors.umis",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL selects the server; without it UMIS runs on an embedded SQLite file.
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'umis.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", DEFAULT_SQLITE),
        conn_max_age=int(os.environ.get("UMIS_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Hot-path queries (token lookup, border check, audit append) are prepared statements on
# PostgreSQL (umis.core.db.hot_cursor); 0 behind a pooler that cannot keep them.
UMIS_DB_PREPARE = os.environ.get("UMIS_DB_PREPARE", "1") not in ("0", "false", "no")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers up front (no "database is locked" upgrade
    # failures between the web server and the worker); WAL lets readers run meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, lock-outs, used TOTP codes) must be shared between processes ---
_CACHE_URL = os.environ.get("UMIS_CACHE_URL", "")
if _CACHE_URL.startswith("redis://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
        }
    }
elif _CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Background tasks -------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("UMIS_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Authentication ---------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "backoffice:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "portal:home"
ACCOUNT_ADAPTER = "umis.core.auth.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Failed sign-ins: at most 5 per account per 15 minutes (lock-out) and 20 per IP per
# 5 minutes (rate limit); the same for second-factor codes.
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("UMIS_LOGIN_FAILED_LIMIT", "20/5m/ip,5/15m/key"),
    "login": "60/m/ip",
    "reset_password": "5/m/ip,3/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "UMIS"
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
MFA_RATE_LIMITS = {"mfa_authenticate": "5/15m/user", "mfa_reauthenticate": "5/15m/user"}

SESSION_ENGINE = "django.contrib.sessions.backends.db"  # sign-out deletes the row
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "umis_session"
CSRF_COOKIE_NAME = "umis_csrf"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("UMIS_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("UMIS_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("UMIS_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' preload list is the operator's decision for the whole
        # domain (docs/operations.md), not something the application can assume.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if env_bool("UMIS_BEHIND_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "az"
LANGUAGES = [("az", "Azərbaycanca"), ("en", "English"), ("ru", "Русский")]
LANGUAGE_COOKIE_NAME = "umis_language"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("UMIS_TIME_ZONE", "Asia/Baku")
USE_I18N = True
USE_TZ = True

# --- Static files and uploads -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("UMIS_STATIC_ROOT", VAR_DIR / "static"))
# The design system and htmx come from the npm registry (package.json), never a CDN.
NODE_MODULES = Path(os.environ.get("UMIS_NODE_MODULES", PROJECT_DIR / "node_modules"))
STATICFILES_DIRS = [
    ("uswds", NODE_MODULES / "@uswds" / "uswds" / "dist"),
    ("htmx", NODE_MODULES / "htmx.org" / "dist"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("UMIS_MEDIA_ROOT", VAR_DIR / "media"))
_STORAGE = os.environ.get("UMIS_STORAGE", "filesystem")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": os.environ.get("UMIS_S3_BUCKET", ""),
                "endpoint_url": os.environ.get("UMIS_S3_ENDPOINT_URL") or None,
                "region_name": os.environ.get("UMIS_S3_REGION") or None,
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if _STORAGE == "s3"
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Upload limits: photos are checked by content, these only bound memory use.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UMIS_PHOTO_MAX_BYTES = int(os.environ.get("UMIS_PHOTO_MAX_BYTES", str(5 * 1024 * 1024)))

# --- UMIS -------------------------------------------------------------------------------
UMIS_POLICY_PACK = os.environ.get(
    "UMIS_POLICY_PACK", str(BASE_DIR / "policy" / "packs" / "az.toml")
)
UMIS_SITE_NAME = os.environ.get("UMIS_SITE_NAME", "UMIS")
# The authority named on issued documents, and the public address their QR codes point at
# (the verification page must be reachable there).
UMIS_AUTHORITY_NAME = os.environ.get("UMIS_AUTHORITY_NAME", "State Migration Service")
UMIS_PUBLIC_URL = os.environ.get("UMIS_PUBLIC_URL", "http://localhost:8000")

EMAIL_BACKEND = os.environ.get(
    "UMIS_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("UMIS_FROM_EMAIL", "noreply@umis.localhost")

# Application logs carry ids and paths, never names, document or personal numbers:
# query strings are stripped from request lines (see core.logging).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"strip_query": {"()": "umis.core.logging.StripQueryStringFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["strip_query"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("UMIS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
UMIS_AUDIT_DB_TRIGGERS = True

# Periodic sweeps: task path -> interval in seconds. `umis scheduler` (started by
# `umis serve`; one per deployment) enqueues them; any worker runs them. The tasks are
# idempotent, so an extra scheduler only adds redundant runs.
UMIS_PERIODIC_TASKS = {
    "umis.stays.tasks.sweep_overstays": int(os.environ.get("UMIS_SWEEP_OVERSTAYS_SECONDS", "3600")),
    # Retries of notices an unavailable mail server or SMS gateway did not take.
    "umis.cases.tasks.send_notifications": int(
        os.environ.get("UMIS_NOTIFICATION_RETRY_SECONDS", "300")
    ),
    # Registry duplicate sweep (identity resolution): daily.
    "umis.identity.tasks.propose_duplicates": int(
        os.environ.get("UMIS_IDENTITY_SWEEP_SECONDS", "86400")
    ),
}
# Largest scanned document accepted with an application (413 above it).
UMIS_CASE_UPLOAD_MAX_BYTES = int(
    os.environ.get("UMIS_CASE_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024))
)
# Private keys that sign issued documents' QR codes (one file per key id, mode 0600);
# the public keys are in the database. Share this directory between web servers to
# have one signing key per deployment (see docs/operations.md).
UMIS_SIGNING_KEY_DIR = Path(os.environ.get("UMIS_SIGNING_KEY_DIR", VAR_DIR / "keys"))
UMIS_SIGNING_KEY_CACHE_SECONDS = int(os.environ.get("UMIS_SIGNING_KEY_CACHE_SECONDS", "60"))
# The stay sweep runs incrementally at that interval; its first run at or after this hour
# (local time) each day is a full sweep (umis.stays.services.stay_sweep_run).
UMIS_SWEEP_FULL_HOUR = int(os.environ.get("UMIS_SWEEP_FULL_HOUR", "2"))
# Independent audit hash chains that appends spread over (ADR 0005).
UMIS_AUDIT_CHAINS = int(os.environ.get("UMIS_AUDIT_CHAINS", "16"))

# --- External systems (issue 4) ---
# Adapters to the state tax registry and the SMS gateway (umis.exchange, docs/integrations.md).
# Outside production the defaults are the local sandbox that `umis serve` starts and its
# demo credentials; production has no defaults, so an unconfigured adapter refuses to run.
_SANDBOX_URL = "" if PRODUCTION else "http://127.0.0.1:8765"
UMIS_TAX_REGISTRY_URL = os.environ.get("UMIS_TAX_REGISTRY_URL", _SANDBOX_URL)
UMIS_TAX_REGISTRY_CLIENT = os.environ.get(
    "UMIS_TAX_REGISTRY_CLIENT", "" if PRODUCTION else "umis-demo"
)
UMIS_TAX_REGISTRY_SECRET = os.environ.get(
    "UMIS_TAX_REGISTRY_SECRET", "" if PRODUCTION else "demo-tax-registry-secret"
)
UMIS_SMS_URL = os.environ.get("UMIS_SMS_URL", _SANDBOX_URL)
UMIS_SMS_CLIENT = os.environ.get("UMIS_SMS_CLIENT", "" if PRODUCTION else "umis-demo")
UMIS_SMS_SECRET = os.environ.get("UMIS_SMS_SECRET", "" if PRODUCTION else "demo-sms-secret")
# Bounds the connection and each wait for data of one request; callers retry later.
UMIS_ADAPTER_TIMEOUT_SECONDS = float(os.environ.get("UMIS_ADAPTER_TIMEOUT_SECONDS", "3"))

# Identity matching (ADR 0013): a source record whose best candidate scores at least
# LINK_AT (match probability) is linked to it; from REVIEW_FROM up, an officer reviews the
# pair; below, the record is a new person. Operational settings, chosen on the benchmark.
UMIS_IDENTITY_MATCHER = os.environ.get(
    "UMIS_IDENTITY_MATCHER", "umis.identity.matching.ScoredMatcher"
)
UMIS_IDENTITY_LINK_AT = float(os.environ.get("UMIS_IDENTITY_LINK_AT", "0.97"))
UMIS_IDENTITY_REVIEW_FROM = float(os.environ.get("UMIS_IDENTITY_REVIEW_FROM", "0.5"))
# Batch deduplication and the registry sweep (term frequencies + cluster veto, ADR 0013).
UMIS_IDENTITY_DEDUPE_LINK_AT = float(os.environ.get("UMIS_IDENTITY_DEDUPE_LINK_AT", "0.8"))
