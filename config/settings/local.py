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
    for folder in ("broker", "broker-processed", "celery-results"):
        (RUN_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(RUN_DIR / "broker"),
        "data_folder_out": str(RUN_DIR / "broker"),
        "processed_folder": str(RUN_DIR / "broker-processed"),
        "store_processed": False,
    }

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
