"""`make run`: runs on a bare machine. SQLite and a filesystem broker unless told otherwise."""

from .base import *  # noqa: F403
from .base import RUN_DIR, env

DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

RUN_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{RUN_DIR / 'trestle.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web, worker and beat share one file: wait for a writer instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_RESULT_BACKEND = env(
    "CELERY_RESULT_BACKEND",
    default=f"file://{RUN_DIR / 'celery-results'}"
    if CELERY_BROKER_URL == "filesystem://"
    else CELERY_BROKER_URL,
)
if CELERY_BROKER_URL == "filesystem://":
    for folder in ("broker", "broker-processed", "broker-control", "celery-results"):
        (RUN_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(RUN_DIR / "broker"),
        "data_folder_out": str(RUN_DIR / "broker"),
        "processed_folder": str(RUN_DIR / "broker-processed"),
        "control_folder": str(RUN_DIR / "broker-control"),  # else kombu writes ./control
        "store_processed": False,
    }

PROCORE_SANDBOX_ENABLED = env.bool("PROCORE_SANDBOX_ENABLED", default=True)
if PROCORE_SANDBOX_ENABLED and "apps.procore_sandbox" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS.append("apps.procore_sandbox")  # noqa: F405

# `make run PORT=...` records its port: a command run from another shell (`manage.py
# procore_sync`) has no TRESTLE_PORT, and would otherwise call port 8000 for the sandbox.
_port = (RUN_DIR / "port").read_text().strip() if (RUN_DIR / "port").is_file() else ""
if _port.isdigit() and not {"SITE_URL", "TRESTLE_PORT"} & set(env.ENVIRON):
    SITE_URL = f"http://127.0.0.1:{_port}"
    PROCORE_REDIRECT_URI = env("PROCORE_REDIRECT_URI", default=f"{SITE_URL}/procore/callback/")
PROCORE_LOGIN_URL = env("PROCORE_LOGIN_URL", default=f"{SITE_URL}/procore-sandbox")
PROCORE_API_URL = env("PROCORE_API_URL", default=f"{SITE_URL}/procore-sandbox")

# Without REDIS_URL, processes share the cache through the database (`createcachetable`).
if "REDIS_URL" not in env.ENVIRON:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "trestle_cache",
        }
    }

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
