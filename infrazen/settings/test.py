"""Settings for pytest: real PostgreSQL, fast hashing, locmem email."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
BASE_DOMAIN = "infrazen.test"
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", "127.0.0.1", "localhost", ".localhost"]
PUBLIC_EXTRA_HOSTS = ["127.0.0.1"]
SITE_PORT = ""
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A worker process started by a test writes its email into files the test reads (locmem is per process).
if env("TEST_EMAIL_FILE_PATH", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("TEST_EMAIL_FILE_PATH")
# A cache private to each test process, whatever CACHE_URL or REDIS_URL a .env holds. The multi-process tests
# (tests/deploy) set TEST_SHARED_CACHE for their children, which keep the cache and sessions base.py derived.
if not env.bool("TEST_SHARED_CACHE", default=False):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Off: the browser and worker tests run other processes (tests of the cache switch it on).
ORGANIZATION_CACHE_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_EMAIL_VERIFICATION = "optional"
LOGGING["root"]["level"] = env("LOG_LEVEL", default="WARNING")  # noqa: F405

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
