"""The published development secrets: the defaults of `make run` and tests, refused in production.

One place, so the settings that fall back to them and the check that refuses them
(apps/core/checks.py) cannot drift apart.
"""

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me-0123456789"  # noqa: S105
DEV_ENCRYPTION_KEY = "ZGV2LW9ubHkta2V5LWZvci10cmVzdGxlLWxvY2FsLTA="
DEV_PROCORE_CLIENT_SECRET = "trestle-local-secret"  # noqa: S105 (the embedded sandbox's app)
