"""Settings shared by every environment. All configuration comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import environ
from csp.constants import NONCE as CSP_NONCE
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------------------------
SECRET_KEY = env("SECRET_KEY", default="dev-insecure-secret-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
BASE_DOMAIN = env("BASE_DOMAIN", default="localhost")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[BASE_DOMAIN, f".{BASE_DOMAIN}", "127.0.0.1"])
# Scheme used in links between hosts (tenant hand-off, invitations, emails).
SITE_SCHEME = env("SITE_SCHEME", default="http")
# Port appended to generated host links (dev: 8000); empty in production behind a proxy.
SITE_PORT = env("SITE_PORT", default="")
# Hosts (besides BASE_DOMAIN) served as the public host.
PUBLIC_EXTRA_HOSTS = env.list("PUBLIC_EXTRA_HOSTS", default=["127.0.0.1"])
# Slugs that can never become an organization's subdomain.
RESERVED_SLUGS = frozenset(
    env.list(
        "RESERVED_SLUGS",
        default=[
            "www", "api", "admin", "public", "app", "static", "media", "mail", "smtp", "ftp",
            "help", "support", "status", "docs", "auth", "login", "signup", "accounts", "billing",
            "blog", "cdn", "dashboard", "dev", "test", "staging", "internal", "root", "system",
            "template", "tenant_template", "pg_catalog", "information_schema", "infrazen",
        ],
    )
)

# --- Applications -----------------------------------------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "apps.tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django.contrib.humanize",
    "apps.accounts",
    "apps.common",
    "apps.currency",
    # The MSP console's figures, billing rules and statements (public schema).
    "apps.partners",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "rest_framework",
    # Hashed API tokens (the model is accounts.ApiToken, see KNOX_TOKEN_MODEL).
    "knox",
    "drf_spectacular",
    # Swagger UI and Redoc served from our own static files, so /api/docs/ works offline.
    "drf_spectacular_sidecar",
    "django_filters",
    "django_q",
    "django_htmx",
    "csp",
]
# Apps whose tables live in every organization's own schema.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "apps.audit",
    "apps.providers",
    "apps.inventory",
    "apps.allocation",
    "apps.costs",
    "apps.business",
    "apps.recommendations",
    "apps.budgets",
    "apps.anomalies",
    "apps.notifications",
    "apps.reports",
    # Built on the apps above; no tables of their own yet.
    "apps.dashboard",
    "apps.demo",
]

# Social login providers appear only when their keys are configured.
SOCIALACCOUNT_PROVIDERS: dict = {}
if env("GOOGLE_CLIENT_ID", default=""):
    SHARED_APPS.append("allauth.socialaccount.providers.google")
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": env("GOOGLE_CLIENT_ID"), "secret": env("GOOGLE_CLIENT_SECRET", default="")}],
        "SCOPE": ["profile", "email"],
    }
if env("YANDEX_CLIENT_ID", default=""):
    SHARED_APPS.append("allauth.socialaccount.providers.yandex")
    SOCIALACCOUNT_PROVIDERS["yandex"] = {
        "APPS": [{"client_id": env("YANDEX_CLIENT_ID"), "secret": env("YANDEX_CLIENT_SECRET", default="")}],
    }

INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Organization"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# New organizations are cloned from this always-migrated template schema (see migrate_platform).
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# migrate_schemas leaves up-to-date schemas alone (one query per 250 schemas instead of a migrate per schema).
GET_EXECUTOR_FUNCTION = "apps.tenants.migration.get_executor"
# Processes of the multiprocessing executor (migrate_platform uses it when many schemas are behind).
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("MIGRATION_PROCESSES", default=min(os.cpu_count() or 1, 4))
TENANT_MULTIPROCESSING_CHUNKS = 10
PUBLIC_SCHEMA_URLCONF = "infrazen.urls_public"
ROOT_URLCONF = "infrazen.urls_tenant"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

MIDDLEWARE = [
    "apps.tenants.middleware.OrganizationMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps.common.middleware.PermissionsPolicyMiddleware",
    "apps.common.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything parses a filter or a body: PostgreSQL text cannot hold a NUL character.
    "apps.common.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.accounts.middleware.OrganizationAccessMiddleware",
]

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
                "apps.accounts.context_processors.shell",
            ],
        },
    },
]
WSGI_APPLICATION = "infrazen.wsgi.application"

# --- Database ---------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/infrazen")}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# How a pooler in front of DATABASE_URL hands out server connections: "session" (also for a direct connection).
# django-tenants sets search_path once per connection, so "transaction" pooling (PgBouncer) could run a query with
# another organization's search_path: the system check infrazen.E002 refuses it (docs/scaling-pgbouncer.md).
DATABASE_POOL_MODE = env("DATABASE_POOL_MODE", default="session")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Browser features no page needs, disabled for the page and every frame (Permissions-Policy header).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "geolocation",
        "gyroscope", "hid", "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
}

# Content-Security-Policy (django-csp): scripts, styles, images and connections only from this host; no inline
# <script>, no inline style attributes (bars use classes, see apps.common.templatetags.ui), no eval, no framing.
# Inline code that cannot move to a file gets a nonce: ``<script nonce="{{ request.csp_nonce }}">``.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF, CSP_NONCE],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    },
}

# --- Cache and sessions -----------------------------------------------------------------------
# CACHE_URL when set; else Redis on REDIS_URL (the broker's server), so several web processes and machines share
# login lockout counters, sessions and cached figures; else a cache private to each process (one process only).
CACHES = {"default": env.cache("CACHE_URL", default=env("REDIS_URL", default="") or "locmemcache://")}
_cache_backend = CACHES["default"]["BACKEND"]
# Per-organization aggregates (dashboard figures, costs summary answers: apps.common.cache) are kept this many
# seconds at most; a sync or an import that finishes replaces them at once. Off (0) by default with a cache
# private to each process: a worker's sync could not replace what a web process holds.
ORGANIZATION_CACHE_SECONDS = env.int(
    "ORGANIZATION_CACHE_SECONDS",
    default=0 if any(name in _cache_backend for name in ("LocMemCache", "DummyCache")) else 900)
# Sessions are read from a cache every process of every machine shares (Redis, Memcached), and written through to
# the database. Not from a per-process or per-host cache: a logout on one would stay unseen by the others; nor
# from the database cache, which would only double the queries.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.db"
    if any(name in _cache_backend for name in ("LocMemCache", "DummyCache", "FileBasedCache", "DatabaseCache"))
    else "django.contrib.sessions.backends.cached_db"
)

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
# Lockout: repeated failed logins for one account (or from one address) are refused for a while.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("LOGIN_FAILED_LIMIT", default="10/15m/ip,5/15m/key"),
}
# Reverse proxies of ours in front of the web processes: the per-address limit then counts the client address each
# one appends to X-Forwarded-For, not the proxy's own address (which every visitor shares). 0: no proxy is trusted
# and X-Forwarded-For is ignored (a client could forge it).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SOCIALACCOUNT_ADAPTER = "apps.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_ONLY = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "InfraZen"

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
# Single-use hand-off links between hosts live this long (seconds).
HANDOFF_MAX_AGE = env.int("HANDOFF_MAX_AGE", default=60)
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="InfraZen <noreply@infrazen.ru>")

# --- I18N / L10N ------------------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365

# --- Static -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- API --------------------------------------------------------------------------------------
# API tokens: django-rest-knox stores only a SHA-512 digest and the first characters (for lookup and display).
KNOX_TOKEN_MODEL = "accounts.ApiToken"
REST_KNOX = {
    "TOKEN_TTL": None,  # each token carries its own optional expiry, chosen when it is created
    "TOKEN_PREFIX": "izt_",  # recognisable in a leaked file or log, and by secret scanners
    "AUTH_HEADER_PREFIX": "Bearer",
}
# A token obtained with email + password at POST /api/v1/auth/token/ expires after this many days.
API_TOKEN_EXCHANGE_TTL_DAYS = env.int("API_TOKEN_EXCHANGE_TTL_DAYS", default=30)
# An expired token stays listed (as expired) this many days, then the next token its user creates removes it.
API_TOKEN_EXPIRED_KEEP_DAYS = env.int("API_TOKEN_EXPIRED_KEEP_DAYS", default=30)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "apps.accounts.api_auth.BearerTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.accounts.permissions.HasOrganizationPermission"],
    "DEFAULT_SCHEMA_CLASS": "apps.common.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "apps.common.errors.api_exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["apps.common.filters.FilterBackend"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "InfraZen API",
    "DESCRIPTION": "Multi-cloud FinOps platform API. Every endpoint acts inside the organization of the host.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The inventory vocabulary's enums keep their own names beside other apps' "status" choices.
    "ENUM_NAME_OVERRIDES": {
        "ResourceStatusEnum": "apps.inventory.vocabulary.ResourceStatus",
        "MetricNameEnum": "apps.inventory.vocabulary.MetricName",
        "ResourceKindEnum": "apps.inventory.vocabulary.ResourceKind",
        "ProviderKeyEnum": "apps.providers.registry.PROVIDER_KEYS",
        "FindingStatusEnum": "apps.recommendations.vocabulary.Status",
        "EvaluationStatusEnum": "apps.recommendations.vocabulary.RunStatus",
        "PolicyKindEnum": "apps.recommendations.vocabulary.PolicyKind",
        "LevelEnum": "apps.recommendations.vocabulary.Confidence",
        "ChannelKindEnum": "apps.notifications.vocabulary.ChannelKind",
        "AlertKindEnum": "apps.notifications.vocabulary.AlertKind",
        "AlertStatusEnum": "apps.notifications.vocabulary.AlertStatus",
        "MetricGranularityEnum": "apps.allocation.vocabulary.MetricGranularity",
        "SplitMethodEnum": "apps.allocation.vocabulary.SPLIT_METHODS",
        "ForecastMethodEnum": "apps.budgets.forecasting.FORECAST_METHODS",
        "ExportKindEnum": "apps.reports.vocabulary.ExportKind",
        "ExportStatusEnum": "apps.reports.vocabulary.ExportStatus",
        "ReportOutputEnum": "apps.reports.vocabulary.Output",
        "StatementStatusEnum": "apps.partners.vocabulary.StatementStatus",
        "BudgetStateEnum": "apps.partners.vocabulary.BudgetState",
        "SyncHealthEnum": "apps.partners.vocabulary.SyncHealth",
    },
}

# --- Jobs (django-q2) -------------------------------------------------------------------------
Q_CLUSTER = {
    "name": "infrazen",
    "orm": "default",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=600),
    "retry": env.int("Q_RETRY", default=900),
    "max_attempts": 3,
    "catch_up": False,
    "poll": 1,
    "save_limit": 500,
}
if env("REDIS_URL", default=""):
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = env("REDIS_URL")
# A queue whose oldest task waits longer than this makes /healthz answer 503.
HEALTHZ_QUEUE_MAX_AGE = env.int("HEALTHZ_QUEUE_MAX_AGE", default=900)

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "apps.common.logging.RedactSecretsFilter"},
        "client_error_without_traceback": {"()": "apps.common.logging.ClientErrorWithoutTracebackFilter"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        # Every 4xx record (django.security.* too) without its traceback, then secrets masked.
        "console": {"class": "logging.StreamHandler", "formatter": "plain",
                    "filters": ["client_error_without_traceback", "redact"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A refused page (403) or a bad request (400) is one warning line, not a traceback, for every
        # handler (the console, test capture, any handler added later).
        "django.request": {"filters": ["client_error_without_traceback"]},
        "django_q": {"level": env("LOG_LEVEL", default="INFO")},
    },
}

# --- Providers --------------------------------------------------------------------------------
# Per-connection API base URLs (fake servers, proxies). Off in production: it lets users aim the
# server at any host (SSRF).
ALLOW_CUSTOM_PROVIDER_ENDPOINTS = env.bool("ALLOW_CUSTOM_PROVIDER_ENDPOINTS", default=False)
# Key for credentials encrypted at rest; unset = derived from SECRET_KEY.
CRYPTOGRAPHY_KEY = env("CRYPTOGRAPHY_KEY", default=None)
# Sync engine: resources whose metrics one run fetches (oldest first), and when a run counts as abandoned.
SYNC_METRICS_MAX_RESOURCES = env.int("SYNC_METRICS_MAX_RESOURCES", default=200)
SYNC_STALE_AFTER_SECONDS = env.int("SYNC_STALE_AFTER_SECONDS", default=3 * 3600)
# Native cost pulls: each sync of a provider with a cost API re-imports this many last days (UTC).
PROVIDER_COST_DAYS = env.int("PROVIDER_COST_DAYS", default=35)
# What runs after a sync has saved the inventory, in this order: dotted paths of functions
# ``step(run, *, plugin) -> list of {"endpoint", "code", "message"} error entries or None``. Each is isolated:
# a step that fails is recorded on the run (which turns partial) and the next one still runs.
SYNC_POST_STEPS: list[str] = [
    "apps.costs.services.provider_costs.provider_costs_sync_step",
    "apps.recommendations.tasks.recommendations_sync_step",
    "apps.budgets.checks.checks_sync_step",
]
# What each unpriced resource actually cost over the last days, for the resources pages (the inventory sits below
# costs and reads it through this dotted path): ``f(keys, days) -> {(connection id, resource id): Decimal}`` in the
# organization's currency. Empty: the pages show no spend.
INVENTORY_RESOURCE_SPEND = "apps.costs.selectors.resource_spend.resource_spend_last_days"
INVENTORY_SPEND_DAYS = 30
# Which connections' ledger costs are estimates from a price list (``x_estimated``), for the connection cards
# (the providers app sits below costs): ``f(connection ids) -> {connection id: {"price_list_date", "last_day"}}``.
PROVIDER_COST_ESTIMATES = "apps.costs.selectors.estimates.connection_cost_estimates"
# The largest billing file accepted for import (uploads stream to disk, the import streams from it).
BILLING_IMPORT_MAX_MB = env.int("BILLING_IMPORT_MAX_MB", default=4096)
# Where an uploaded billing file waits for the worker. Empty: a local directory (instance/imports, one machine
# only). ``s3://bucket/prefix``: a bucket of an S3-compatible store that every web and worker machine reaches
# (objects ``<prefix>/<schema>/<uuid>.upload``, deleted once imported); the static key needs read, write and delete.
BILLING_IMPORT_STORAGE = env("BILLING_IMPORT_STORAGE", default="")
BILLING_IMPORT_S3_ENDPOINT = env("BILLING_IMPORT_S3_ENDPOINT", default="https://storage.yandexcloud.net")
BILLING_IMPORT_S3_REGION = env("BILLING_IMPORT_S3_REGION", default="ru-central1")
BILLING_IMPORT_S3_ACCESS_KEY_ID = env("BILLING_IMPORT_S3_ACCESS_KEY_ID", default="")
BILLING_IMPORT_S3_SECRET_ACCESS_KEY = env("BILLING_IMPORT_S3_SECRET_ACCESS_KEY", default="")

# --- Currency ---------------------------------------------------------------------------------
# Central Bank of Russia daily rates (XML, windows-1251); a fake server's URL in tests.
CBR_DAILY_URL = env("CBR_DAILY_URL", default="https://www.cbr.ru/scripts/XML_daily.asp")
CBR_TIMEOUT = env.float("CBR_TIMEOUT", default=20.0)
# After a cost rollup meets a charge date without a rate, fetch the missing days in the background.
CURRENCY_FETCH_MISSING = env.bool("CURRENCY_FETCH_MISSING", default=True)
# Queued in an organization's schema after it changes its currency, in this order: dotted paths of task
# functions without arguments (the apps above tenants that hold converted amounts rebuild them).
ORGANIZATION_CURRENCY_CHANGED_TASKS: list[str] = [
    "apps.costs.tasks.cost_rollups_refresh_all_task",
]

# --- Demo -------------------------------------------------------------------------------------
DEMO_PASSWORD_DEFAULT = "infrazen-demo"
DEMO_PASSWORD = env("DEMO_PASSWORD", default=DEMO_PASSWORD_DEFAULT)
# The fake cloud (python -m tests.fakecloud) that serves the demo-client's Beget connection.
DEMO_FAKECLOUD_URL = env("DEMO_FAKECLOUD_URL", default="http://127.0.0.1:8765")

# --- Recommendations --------------------------------------------------------------------------------------------
# The rules registry: rule key -> dotted path of its class (apps.recommendations.rules.base.Rule). Order = the
# order they run in and are listed.
RECOMMENDATION_RULES: dict[str, str] = {
    "unattached_volume": "apps.recommendations.rules.cleanup.UnattachedVolumeRule",
    "rightsizing_vm": "apps.recommendations.rules.rightsizing.RightsizingVmRule",
    "rightsizing_database": "apps.recommendations.rules.rightsizing.RightsizingDatabaseRule",
    "idle_vm": "apps.recommendations.rules.idle.IdleVmRule",
    "stopped_vm_paid": "apps.recommendations.rules.cleanup.StoppedVmPaidRule",
    "unused_ip": "apps.recommendations.rules.cleanup.UnusedIpRule",
    "old_snapshot": "apps.recommendations.rules.cleanup.OldSnapshotRule",
    "unused_image": "apps.recommendations.rules.cleanup.UnusedImageRule",
    "off_hours_schedule": "apps.recommendations.rules.schedule.OffHoursScheduleRule",
    "cold_bucket_storage": "apps.recommendations.rules.storage.ColdBucketStorageRule",
    "commitment_steady": "apps.recommendations.rules.commitments.CommitmentSteadyRule",
    "platform_generation": "apps.recommendations.rules.pricing.PlatformGenerationRule",
    "preemptible_candidate": "apps.recommendations.rules.pricing.PreemptibleCandidateRule",
    "cheaper_region": "apps.recommendations.rules.pricing.CheaperRegionRule",
    "public_bucket": "apps.recommendations.rules.security.PublicBucketRule",
    "open_admin_ports": "apps.recommendations.rules.security.OpenAdminPortsRule",
    "unused_access_keys": "apps.recommendations.rules.security.UnusedAccessKeysRule",
    "beget_plan_underuse": "apps.recommendations.rules.plan.BegetPlanUnderuseRule",
    "balance_runway": "apps.recommendations.rules.plan.BalanceRunwayRule",
}

# --- Anomalies ----------------------------------------------------------------------------------------------------
# The daily detection (apps.anomalies.detection): a day is anomalous when its excess over the seasonal baseline is
# above ANOMALY_MAD_K robust spreads AND at least ANOMALY_MIN_RUB roubles AND ANOMALY_MIN_PERCENT % of the baseline.
ANOMALY_MAD_K = env.float("ANOMALY_MAD_K", default=4.5)
ANOMALY_MIN_RUB = env.float("ANOMALY_MIN_RUB", default=500.0)
ANOMALY_MIN_PERCENT = env.float("ANOMALY_MIN_PERCENT", default=20.0)
# Consecutive anomalous days that make a level shift (its level then becomes the baseline).
ANOMALY_SHIFT_DAYS = env.int("ANOMALY_SHIFT_DAYS", default=3)
# Days of history each detection reads, and how recent an anomaly's last day must be to be saved.
ANOMALY_LOOKBACK_DAYS = env.int("ANOMALY_LOOKBACK_DAYS", default=120)
ANOMALY_REPORT_DAYS = env.int("ANOMALY_REPORT_DAYS", default=30)
# Reports: the largest table a run may produce (groups × periods); a larger one is refused with advice.
REPORT_MAX_CELLS = env.int("REPORT_MAX_CELLS", default=200_000)
# Tag keys whose values are resource groups (each value is a scope of its own).
ANOMALY_RESOURCE_GROUP_TAGS = env.list("ANOMALY_RESOURCE_GROUP_TAGS", default=["project", "env"])

# --- Notifications ----------------------------------------------------------------------------------------------
# The Telegram bot (one for the whole service): its token (empty = Telegram off), the Bot API's base URL (a fake
# server in tests), its @username for the t.me link, and the secret Telegram sends back in the webhook's
# X-Telegram-Bot-Api-Secret-Token header (empty = the webhook is off; updates come by getUpdates polling).
TELEGRAM_BOT_TOKEN = env("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_API_URL = env("TELEGRAM_API_URL", default="https://api.telegram.org")
TELEGRAM_BOT_USERNAME = env("TELEGRAM_BOT_USERNAME", default="")
TELEGRAM_WEBHOOK_SECRET = env("TELEGRAM_WEBHOOK_SECRET", default="")
# A one-time /start code is valid this many minutes.
NOTIFY_LINK_CODE_MINUTES = env.int("NOTIFY_LINK_CODE_MINUTES", default=60)
# A new recommendation is alerted when it saves at least this much a month (organization currency).
NOTIFY_RECOMMENDATION_MIN_RUB = env.int("NOTIFY_RECOMMENDATION_MIN_RUB", default=1000)

# --- Checks (apps.budgets.checks) ---------------------------------------------------------------------------------
# The nightly checks and `run_checks`, in this order: dotted paths of ``step(*, now) -> dict of counts`` run in the
# organization's schema; each is isolated (a failing step is logged and reported, the others run).
CHECKS_STEPS: list[str] = [
    "apps.budgets.services.budgets_evaluate",
    "apps.anomalies.alerts.anomalies_check_step",
    "apps.budgets.runway_checks.runway_check_step",
]
# A prepaid balance that runs out in fewer than this many days is alerted (kind «runway»).
RUNWAY_ALERT_DAYS = env.int("RUNWAY_ALERT_DAYS", default=7)
# Run once a sync has its final status (``step(run)``; the post-sync steps do not run when a sync fails).
SYNC_FINISHED_STEPS: list[str] = [
    "apps.notifications.producers.sync_failed_step",
    "apps.partners.tasks.console_sync_finished_step",
]
# Run once a queued billing import finished successfully (``step(billing_import)``, in the organization's schema).
IMPORT_FINISHED_STEPS: list[str] = [
    "apps.partners.tasks.console_import_finished_step",
]

# --- Alert buttons (apps.notifications) ---------------------------------------------------------------------------
# What a Telegram alert's inline button does, by its action (the ``action`` of the alert's buttons): dotted paths of
# ``handler(*, alert, subject_id: str) -> str`` (the answer shown to the user), run in the organization's schema
# after the press is recorded on the alert. An action not listed is only recorded.
NOTIFY_CALLBACK_ACTIONS: dict[str, str] = {
    "ack": "apps.anomalies.alerts.anomaly_ack_callback",
    "snooze": "apps.recommendations.services.finding_snooze_callback",
}
