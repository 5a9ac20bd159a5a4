"""Production refuses to run with a missing or published development secret.

A system check, so `manage.py check` (with or without --deploy), runserver and migrate fail;
gunicorn and Celery never run system checks, so config/wsgi.py and config/celery.py call
`refuse_development_secrets()` at start-up. Both read the final settings and report every bad
secret at once.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import SystemCheckError

from config.dev_secrets import DEV_ENCRYPTION_KEY, DEV_PROCORE_CLIENT_SECRET, DEV_SECRET_KEY

# (check id, setting = environment variable, its development value, how to get a real one)
SECRETS = [
    (
        "trestle.E001",
        "SECRET_KEY",
        DEV_SECRET_KEY,
        'Generate one with: python -c "from django.core.management.utils import '
        'get_random_secret_key; print(get_random_secret_key())"',
    ),
    (
        "trestle.E002",
        "ENCRYPTION_KEYS",
        DEV_ENCRYPTION_KEY,
        'Generate a key with: python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())". If tokens were stored under the development '
        "key, put the new key first, keep the old one after it, run "
        "`manage.py rotate_encryption_keys --skip-checks`, then remove the old key.",
    ),
    (
        "trestle.E003",
        "PROCORE_CLIENT_SECRET",
        DEV_PROCORE_CLIENT_SECRET,
        "Use the client secret of your app in Procore's Developer Portal.",
    ),
]


def _values(name: str) -> list[str]:
    try:
        value = getattr(settings, name)
    except ImproperlyConfigured:  # Django refuses to hand out an empty SECRET_KEY
        return []
    return [v for v in (value if isinstance(value, list | tuple) else [value]) if v]


@register(Tags.security)
def check_production_secrets(app_configs=None, **kwargs) -> list[Error]:
    """One error per secret that production lacks or that is a published development value."""
    if not settings.REFUSE_DEVELOPMENT_SECRETS:
        return []
    errors = []
    for check_id, name, dev_value, hint in SECRETS:
        values = _values(name)
        if not values:
            problem = "is not set"
        elif dev_value in values:
            problem = "is the published development value"
        else:
            continue
        message = f"The {name} environment variable {problem}; production refuses to start."
        errors.append(Error(message, hint=hint, id=check_id))
    return errors


def refuse_development_secrets() -> None:
    """Start-up guard for processes that skip system checks (gunicorn, Celery worker and beat)."""
    errors = check_production_secrets()
    if errors:
        lines = "\n".join(str(error) for error in errors)
        raise SystemCheckError(f"Trestle refuses to start:\n{lines}")
