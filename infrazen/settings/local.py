"""Development settings: `make demo`."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SITE_PORT = env("SITE_PORT", default="8000")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", ".localhost", "127.0.0.1"])

# The demo's Beget connection points at the local fake cloud.
ALLOW_CUSTOM_PROVIDER_ENDPOINTS = env.bool("ALLOW_CUSTOM_PROVIDER_ENDPOINTS", default=True)

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
