"""Settings for WorkLog Settlement, read from the environment (see README "Configuration").

With debug off the settings fail closed: DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL are
required (ImproperlyConfigured at import, naming the variable), and every other setting has a default
that passes `manage.py check --deploy --fail-level WARNING` (`make deploy-check`).
"""

import secrets
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.email import CONSOLE_BACKEND, email_settings_from_url
from config.env import (
    env_bool,
    env_choice,
    env_decimal,
    env_int,
    env_list,
    env_log_level,
    env_required,
    env_str,
    env_timezone,
    env_url,
)
from config.logging import logging_config
from config.operations import *  # noqa: F403 - health, metrics, schedules, retention (README "Operations")
from config.security import *  # noqa: F403 - transport, lockout, throttles, tokens, 2FA (README "Security")
from config.security import THROTTLE_RATES, TRUSTED_PROXY_COUNT

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

# No key in the repository: with debug on and none given, a random one for this process (sessions do
# not outlive it; `make run` keeps a generated one in .local/secrets/ so they do).
SECRET_KEY = env_str("DJANGO_SECRET_KEY") if DEBUG else env_required("DJANGO_SECRET_KEY", "when DJANGO_DEBUG is off")
SECRET_KEY = SECRET_KEY or secrets.token_urlsafe(50)

if not DEBUG:
    env_required("DJANGO_ALLOWED_HOSTS", "when DJANGO_DEBUG is off")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "backoffice.admin_app.FinanceAdminConfig",  # django.contrib.admin, with the finance dashboard
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_filters",
    "django_extensions",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "audit",
    "ledger",
    "worklogs",
    "settlements",
    "backoffice",
    "devtools",
    "django_tasks",
    "django_tasks_db",
    "django_prometheus",
    "ops",
]

MIDDLEWARE = [
    # First and last: request counts and latencies for /metrics (django-prometheus).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request id (X-Request-ID) on every log line of the request and on the response (ops/middleware.py).
    "ops.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "backoffice.second_factor.middleware.AdminSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last but for metrics, as django-axes asks: turns a refused login into the lockout answer.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

# --- Database -------------------------------------------------------------------------------
# With debug off DATABASE_URL is required: a production server never falls back to a file nobody
# backs up. With debug on the default is an SQLite file in the project, tuned for concurrent use
# under a threaded gunicorn: WAL lets readers run beside the writer, IMMEDIATE transactions take
# the write lock at BEGIN (so two writers queue instead of failing on lock upgrade), and a busy
# timeout makes a queued writer wait rather than answer "database is locked".
SQLITE_PATH = BASE_DIR / "db.sqlite3"
_database_url = (
    env_str("DATABASE_URL") if DEBUG else env_required("DATABASE_URL", "when DJANGO_DEBUG is off")
) or f"sqlite:///{SQLITE_PATH}"
try:
    _database = dj_database_url.parse(
        _database_url,
        # Persistent connections (seconds; 0 closes each at the end of its request or task), checked
        # before reuse so a connection the server or a pooler dropped is replaced, not an error.
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 0, minimum=0, maximum=86400),
        conn_health_checks=env_bool("DJANGO_CONN_HEALTH_CHECKS", default=True),
    )
except ValueError as exc:  # an unknown scheme or a malformed URL: one line, without echoing a password
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL dj-database-url understands ({exc}).") from None
DATABASES = {"default": _database}
# "pgbouncer" when the URL points at a transaction-pooling PgBouncer: every transaction may run on
# another server connection, so nothing may outlive a transaction on the server. Django's server-side
# cursors (`.iterator()`) do, so they are off (the CSV exports then page by key, api/csv.py); the
# code takes no session-level lock (run, chunk and schedule leases are rows), and its one temporary
# table is created if missing and emptied at commit inside each chunk's transaction; psycopg binds
# parameters client-side (no prepared statements).
DATABASE_POOLER = env_choice("DATABASE_POOLER", "none", {"none", "pgbouncer"})
if DATABASE_POOLER == "pgbouncer":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A host that does not answer fails a connection (and the readiness probe) within this many seconds.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DATABASE_CONNECT_TIMEOUT", 10, minimum=1, maximum=600
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=30000;PRAGMA foreign_keys=ON;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the apps' static folders too, so `make run` works before collectstatic.
WHITENOISE_USE_FINDERS = True

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so an anonymous request gets 401 with a WWW-Authenticate header, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.IsFinanceStaff"],
    "DEFAULT_RENDERER_CLASSES": [
        "djangorestframework_camel_case.render.CamelCaseJSONRenderer",
        "djangorestframework_camel_case.render.CamelCaseBrowsableAPIRenderer",
    ],
    # JSON bodies only (API.md), read strictly: api/parsers.py says what is refused and why.
    "DEFAULT_PARSER_CLASSES": ["api.parsers.CamelCaseStrictJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Documents every error status a path can answer, with its body (api/openapi.py).
    "DEFAULT_SCHEMA_CLASS": "api.openapi.ApiAutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Per user (integrations on their own budget); the token endpoint adds a per-address login budget.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "WorkLog Settlement API",
    "DESCRIPTION": (
        "Pays independent workers for the time they report. Money is a two-decimal string; "
        "see the README for the money rules. The operations endpoints /healthz, /readyz and /metrics "
        "are not part of this API (no authentication scheme of it applies to them): see the README's "
        "Operations section."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "CAMELIZE_NAMES": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per set of statuses: a worklog's remittanceStatus is not a remittance's status; a run's
    # status as the API shows it is the model's statuses and STALLED (settlements.api.serializers).
    "ENUM_NAME_OVERRIDES": {
        "WorkLogRemittanceStatusEnum": "worklogs.models.WorkLogRemittanceStatus",
        "RemittanceStatusEnum": "settlements.models.RemittanceStatus",
        "SegmentStatusEnum": "worklogs.models.SegmentStatus",
        "SettlementRunStatusEnum": ["QUEUED", "RUNNING", "COMPLETED", "FAILED", "STALLED"],
        "AuditActionEnum": "audit.models.Action",
        "AuditObjectTypeEnum": "audit.models.ObjectType",
    },
}

# --- Domain ---------------------------------------------------------------------------------
# How far in the future a segment may end (client clock skew), in seconds.
SEGMENT_MAX_CLOCK_SKEW_SECONDS = env_int("SEGMENT_MAX_CLOCK_SKEW_SECONDS", 300, minimum=0, maximum=86400)
# Workers per settlement chunk: each chunk is one transaction, so this bounds lock time.
SETTLEMENT_CHUNK_SIZE = env_int("SETTLEMENT_CHUNK_SIZE", 100, minimum=1, maximum=100_000)
# Chunks settled at once on PostgreSQL, each in its own connection (SQLite: always one at a time).
SETTLEMENT_PARALLELISM = env_int("SETTLEMENT_PARALLELISM", 2, minimum=1, maximum=64)
# How long an execution of a settlement run holds the run without renewing its lease (every chunk
# renews it). A RUNNING run whose lease expired is STALLED and may be resumed; so this must exceed
# the longest chunk, and is how long a crashed run waits before anyone may resume it.
SETTLEMENT_RUN_LEASE_SECONDS = env_int("SETTLEMENT_RUN_LEASE_SECONDS", 60, minimum=1, maximum=86400)
# Four-eyes approval: a run's payouts go to no provider and into no bank file until a finance user
# other than its creator approves it. Off for a one-person shop. Each run keeps the value it was
# created with (the database checks it), so changing this affects only runs created afterwards.
SETTLEMENT_APPROVAL_REQUIRED = env_bool("SETTLEMENT_APPROVAL_REQUIRED", default=True)

# JSON lines on stdout whenever debug is off, a readable format with debug on (config/logging.py).
LOG_LEVEL = env_log_level("DJANGO_LOG_LEVEL", "INFO")
LOGGING = logging_config(json=not DEBUG, level=LOG_LEVEL)
# Python's warnings as log records too (ops/apps.py), so nothing a server prints escapes the JSON lines.
LOG_CAPTURE_WARNINGS = not DEBUG

# --- Payouts and background tasks (issue 7) -------------------------------------------------
# Which payout provider gateway submits remittances: "manual" (never submits; finance or a webhook
# settles them), "simulated" (a fake provider for demos and tests), or the dotted path of a
# `settlements.payouts.gateways.PayoutGateway` subclass. See settlements/payouts/gateways/.
PAYOUT_GATEWAYS = {
    "manual": "settlements.payouts.gateways.manual.ManualGateway",
    "simulated": "settlements.payouts.gateways.simulated.SimulatedGateway",
}
PAYOUT_GATEWAY = env_str("PAYOUT_GATEWAY", "manual")
if PAYOUT_GATEWAY not in PAYOUT_GATEWAYS and "." not in PAYOUT_GATEWAY:
    raise ImproperlyConfigured("PAYOUT_GATEWAY must be 'manual', 'simulated' or a dotted path to a gateway class.")
# Shared secrets of the signed webhook, comma-separated; every one is accepted (rotation) and the
# first one signs what the simulated provider sends. Without any, every webhook call is refused
# (401), in debug too: no secret is written in the repository (`make run` and Docker generate one).
PAYOUT_WEBHOOK_SECRETS = env_list("PAYOUT_WEBHOOK_SECRETS", "")
PAYOUT_WEBHOOK_TOLERANCE_SECONDS = env_int("PAYOUT_WEBHOOK_TOLERANCE_SECONDS", 300, minimum=1, maximum=86400)
# The simulated provider: share of payouts it reports failed (a decimal string from 0 to 1), the
# seed that makes each payout's outcome a function of its idempotency key, an optional base URL
# to send its events to by a real signed HTTP call (else they go in-process through the same
# service as the webhook view), and how long it waits before reporting (database tasks only).
PAYOUT_SIMULATED_FAILURE_RATE = env_decimal(
    "PAYOUT_SIMULATED_FAILURE_RATE", "0.1", minimum=Decimal("0"), maximum=Decimal("1")
)
PAYOUT_SIMULATED_SEED = env_str("PAYOUT_SIMULATED_SEED", "worklog-settlement")
PAYOUT_SIMULATED_WEBHOOK_BASE_URL = env_url("PAYOUT_SIMULATED_WEBHOOK_BASE_URL", schemes={"http", "https"}).rstrip("/")
PAYOUT_SIMULATED_REPORT_DELAY_SECONDS = env_int("PAYOUT_SIMULATED_REPORT_DELAY_SECONDS", 0, minimum=0, maximum=86400)
# The account SEPA credit-transfer files pay from (pain.001's debtor). Optional: without all three,
# `POST /api/settlement-runs/{id}/sepa-files/` answers 409 `debtor_not_configured`.
PAYOUT_DEBTOR_NAME = env_str("PAYOUT_DEBTOR_NAME", "")
PAYOUT_DEBTOR_IBAN = env_str("PAYOUT_DEBTOR_IBAN", "")
PAYOUT_DEBTOR_BIC = env_str("PAYOUT_DEBTOR_BIC", "")
# The payout outbox (settlements/payouts/outbox.py): a submission whose answer is unknown (a
# timeout, a crash) is retried by the sweeper after a backoff doubling from RETRY_SECONDS up to
# RETRY_MAX_SECONDS (asking the provider first whether it holds the key), and is IN_DOUBT (the admin,
# /readyz, /metrics) after MAX_ATTEMPTS. A claimed submission whose process died is taken again
# after LEASE_SECONDS (longer than any provider call). BATCH_SIZE: payouts per claim and batch call.
PAYOUT_SUBMISSION_MAX_ATTEMPTS = env_int("PAYOUT_SUBMISSION_MAX_ATTEMPTS", 5, minimum=1, maximum=100)
PAYOUT_SUBMISSION_RETRY_SECONDS = env_int("PAYOUT_SUBMISSION_RETRY_SECONDS", 60, minimum=0, maximum=86400)
PAYOUT_SUBMISSION_RETRY_MAX_SECONDS = env_int("PAYOUT_SUBMISSION_RETRY_MAX_SECONDS", 3600, minimum=0, maximum=604_800)
PAYOUT_SUBMISSION_LEASE_SECONDS = env_int("PAYOUT_SUBMISSION_LEASE_SECONDS", 300, minimum=10, maximum=86400)
PAYOUT_SUBMISSION_BATCH_SIZE = env_int("PAYOUT_SUBMISSION_BATCH_SIZE", 100, minimum=1, maximum=10_000)

# Background tasks (django-tasks, the backport of Django 6's django.tasks). "immediate" runs a
# task at once in the process that enqueues it (the embedded default, `make run`, the tests);
# "database" stores it for `python manage.py db_worker` (docker-compose's worker service).
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS_BACKEND = env_choice("TASKS_BACKEND", "immediate", _TASK_BACKENDS)
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}
# With the database backend a settlement run fans its chunks out as tasks that any number of
# `db_worker` processes take (settlements/fanout.py); off, one task executes the whole run in one
# worker (SETTLEMENT_PARALLELISM threads). The immediate backend always executes in one process.
_fan_out = env_bool("SETTLEMENT_FAN_OUT", default=True)
SETTLEMENT_FAN_OUT = TASKS_BACKEND == "database" and _fan_out
# --- end of payouts and background tasks ----------------------------------------------------

# --- E-mail: the remittance advice sent when a payout is PAID (issue 19) ---------------------
# One URL (config/email.py). Unset: the console backend in debug, and no sending otherwise (each
# advice not sent is logged); the payment itself never waits for or depends on the mail server.
EMAIL_URL = env_str("EMAIL_URL")
if EMAIL_URL:
    globals().update(email_settings_from_url(EMAIL_URL))
elif DEBUG:
    EMAIL_BACKEND = CONSOLE_BACKEND
ADVICE_EMAIL_ENABLED = bool(EMAIL_URL) or DEBUG
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "payroll@localhost")
# Attempts before an advice e-mail is given up (its row stays PENDING with the last error, and is
# listed on the dashboard); the delay doubles from ADVICE_EMAIL_RETRY_SECONDS between attempts.
ADVICE_EMAIL_MAX_ATTEMPTS = env_int("ADVICE_EMAIL_MAX_ATTEMPTS", 8, minimum=1, maximum=100)
ADVICE_EMAIL_RETRY_SECONDS = env_int("ADVICE_EMAIL_RETRY_SECONDS", 60, minimum=1, maximum=86400)
# The dashboard: a disputed segment needs attention once its dispute is this many days old.
DASHBOARD_DISPUTE_AGE_DAYS = env_int("DASHBOARD_DISPUTE_AGE_DAYS", 7, minimum=0, maximum=3650)
