"""Settings for the test suite: the real settings with test-only speedups."""

from umis.settings import *  # noqa: F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
UMIS_AUDIT_DB_TRIGGERS = False
# Tests assert English texts unless they choose a language (cookie) themselves; the
# product default stays Azerbaijani.
LANGUAGE_CODE = "en"
