"""django-axes counts failed logins per email and IP; the email is counted whatever its case."""

from django.conf import settings
from django.http import HttpRequest

from .models import User


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: `PM@Alpha.test` and `pm@alpha.test` share one failure count."""
    field = settings.AXES_USERNAME_FORM_FIELD
    source = credentials if credentials else getattr(request, "data", request.POST)
    username = source.get(field)
    return User.objects.normalize_email(username) if username else username
