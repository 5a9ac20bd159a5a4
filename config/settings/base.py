"""Settings shared by every environment; values come from the environment (django-environ)."""

import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from kombu import Exchange, Queue

from config.dev_secrets import DEV_ENCRYPTION_KEY, DEV_PROCORE_CLIENT_SECRET, DEV_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RUN_DIR = Path(os.environ.get("TRESTLE_RUN_DIR") or BASE_DIR / ".run")

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Development fallbacks; production.py drops them and apps/core/checks.py refuses them there.
SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{env.int('TRESTLE_PORT', default=8000)}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "apps.core",
    "apps.accounts",
    "apps.offices",
    "apps.projects",
    "apps.cors",
    "apps.timecards",
    "apps.ap_invoices",
    "apps.procore_sync",
]

# The embedded Procore simulator: on in `make run` and tests, off in production.
PROCORE_SANDBOX_ENABLED = env.bool("PROCORE_SANDBOX_ENABLED", default=False)
if PROCORE_SANDBOX_ENABLED:
    INSTALLED_APPS.append("apps.procore_sandbox")
# Its webhooks go out from a thread of the process that made the change (tests flush by hand).
PROCORE_SANDBOX_WEBHOOKS_IN_BACKGROUND = env.bool(
    "PROCORE_SANDBOX_WEBHOOKS_IN_BACKGROUND", default=True
)

MIDDLEWARE = [
    "apps.core.json_guard.BodyGuardMiddleware",  # first: refuses hostile bodies before any work
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.accounts.middleware.CurrentAccountMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy on every response (django-csp): no inline script, style or handler
# attribute anywhere (behaviours live in static/js/trestle.js), nothing framed but the invoice
# document (its view relaxes frame-ancestors to 'self'), forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Swagger UI's stylesheet draws its icons as data: SVGs.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

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
                "apps.accounts.context_processors.current_account",
                "apps.core.navigation.navigation",
            ],
            # money, day, moment, label and full_stop on every page without a {% load %} in each
            "builtins": ["apps.core.templatetags.present"],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/trestle"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: lock an email+IP pair out after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.lockout_username"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Trestle <no-reply@trestle.local>")

# Request bodies other than multipart uploads: one limit for the API, the webhook and the
# forms. Django's own DATA_UPLOAD_MAX_MEMORY_SIZE is aligned with it so both refuse at the
# same size; our middleware (apps.core.json_guard) answers first, with a JSON 413.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
# The largest file a person may upload (apps.core.uploads). A multipart body larger than this
# plus API_MAX_BODY_BYTES (its other fields) is refused by the same middleware, unread.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.accounts.api_auth.IsAccountMember"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.PagePagination",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "apps.core.api.BrowsableAPIRenderer",
    ],
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Trestle API",
    "DESCRIPTION": "Trestle's REST API. Every call is scoped to the account of the caller's token "
    "(or, with session auth, the account selected in the web app).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status"; name each choice set so the enums do not collide.
    "ENUM_NAME_OVERRIDES": {
        "CorStatusEnum": "apps.cors.models.CorStatus",
        "NotificationStatusEnum": "apps.cors.models.NotificationStatus",
        "RunStatusEnum": "apps.procore_sync.engine_models.RunStatus",
        "EntryStatusEnum": "apps.timecards.models.EntryStatus",
        "InvoiceStatusEnum": "apps.ap_invoices.models.InvoiceStatus",
    },
}

# Celery: Redis in production; `make run` uses kombu's filesystem transport (see config/celery.py).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 3600  # the longest task: a full entity re-read of a large company
CELERY_TASK_SOFT_TIME_LIMIT = 3300
# Redis hands an unacknowledged message to another worker after visibility_timeout, so it must
# outlast the longest task (the time limit) or a slow run would be started twice. Recovery from
# a killed worker does not wait for it: the lease sweeper (procore_sync/recovery.py) ends the
# dead run and queues its undone work within two minutes; a redelivery later is a no-op.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 300}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(RUN_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Two queues, so work a person waits for never waits behind bulk work (apps/procore_sync/
# queues.py picks each run's). Workers name theirs with -Q; one consuming both is `make run`.
# Each its own exchange and key: Celery fills a bare Queue's with the default queue's, which
# would bind both queues to "bulk" and deliver a bulk task twice.
CELERY_TASK_QUEUES = tuple(
    Queue(name, Exchange(name), routing_key=name) for name in ("interactive", "bulk")
)
CELERY_TASK_DEFAULT_QUEUE = "bulk"  # a task nobody routed must not take a push's slot
# The sweeper goes with the pushes: it takes milliseconds, and a bulk pool busy with imports
# must not delay re-queueing a dead push. The other beat tasks only queue bulk runs.
CELERY_TASK_ROUTES = {"procore_sync.recover": {"queue": "interactive"}}
# One beat entry fans out to the offices that are due (apps/procore_sync/schedules.py), one
# queues each office's nightly Procore vs Trestle report when its night comes, one its full
# re-read of the entities (the webhook-first sync's safety net); the last recovers runs whose
# worker died and queued runs whose message was lost (recovery.py).
CELERY_BEAT_SCHEDULE = {
    "procore-sync-due": {"task": "procore_sync.schedule_due", "schedule": 60.0},
    "procore-sync-nightly": {"task": "procore_sync.nightly_reports", "schedule": 600.0},
    "procore-sync-full-reread": {"task": "procore_sync.nightly_full_rereads", "schedule": 600.0},
    "procore-sync-recover": {"task": "procore_sync.recover", "schedule": 30.0},
}

# Shared state between processes (rate budgets, short caches). Redis; see local.py for `make run`.
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/1")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "trestle",
    }
}

# Procore. Real Procore by default; `make run` and tests point both hosts at the embedded sandbox.
PROCORE_LOGIN_URL = env("PROCORE_LOGIN_URL", default="https://login.procore.com")
PROCORE_API_URL = env("PROCORE_API_URL", default="https://api.procore.com")
PROCORE_CLIENT_ID = env("PROCORE_CLIENT_ID", default="trestle-local-client")
PROCORE_CLIENT_SECRET = env("PROCORE_CLIENT_SECRET", default=DEV_PROCORE_CLIENT_SECRET)
PROCORE_REDIRECT_URI = env("PROCORE_REDIRECT_URI", default=f"{SITE_URL}/procore/callback/")
PROCORE_TIMEOUT_SECONDS = env.float("PROCORE_TIMEOUT_SECONDS", default=30)
# Attachments the AP import downloads at once (threads; each request still takes a slot of the
# connection's shared rate budget).
AP_IMPORT_DOWNLOADS = env.int("AP_IMPORT_DOWNLOADS", default=4)
# How long a run's lease outlives its worker's last heartbeat: a killed worker's run is ended
# and its undone work queued again about this long (plus one 30 s sweep) after the kill.
PROCORE_SYNC_LEASE_SECONDS = env.int("PROCORE_SYNC_LEASE_SECONDS", default=60)
# Time cards a time export reads and sends at a time: its memory depends on this, not on how
# many cards the export covers.
PROCORE_TIME_EXPORT_CHUNK_SIZE = env.int("PROCORE_TIME_EXPORT_CHUNK_SIZE", default=1000)
# Our app's id in Procore: webhook events caused by our own writes carry it and are dropped
# (empty: PROCORE_CLIENT_ID is compared instead, see procore_sync.webhooks).
PROCORE_APP_ID = env("PROCORE_APP_ID", default="")

# Keys for encrypting Procore tokens at rest (MultiFernet: the first encrypts, all decrypt).
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[DEV_ENCRYPTION_KEY])
# On in production: the secrets above must be set and must not be the development values.
REFUSE_DEVELOPMENT_SECRETS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
