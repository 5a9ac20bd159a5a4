import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# gunicorn never runs system checks: refuse development secrets here, before serving a request.
from apps.core.checks import refuse_development_secrets  # noqa: E402

refuse_development_secrets()
