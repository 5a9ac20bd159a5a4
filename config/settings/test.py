"""pytest: PostgreSQL always (DATABASE_URL), fast hashing, no real mail."""

from config.dev_secrets import DEV_SECRET_KEY

from .base import *  # noqa: F403
from .base import env

DEBUG = False
# PostgreSQL with a DELETE flush between transactional tests (config/test_db/base.py).
DATABASES["default"]["ENGINE"] = "config.test_db"  # noqa: F405
SECRET_KEY = DEV_SECRET_KEY
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# Tests serve the sandbox from pytest-django's live_server and point the client at it per test.
if "apps.procore_sandbox" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS.append("apps.procore_sandbox")  # noqa: F405
PROCORE_SANDBOX_ENABLED = True
PROCORE_SANDBOX_WEBHOOKS_IN_BACKGROUND = False  # tests send with webhook_sender.deliver_due()
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/14")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Several test runs may share one Redis: keep their keys apart by database name.
        "KEY_PREFIX": f"test-{DATABASES['default']['NAME']}",  # noqa: F405
    }
}
