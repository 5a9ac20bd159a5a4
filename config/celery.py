"""The Celery app: workers and beat load tasks from every installed app."""

import os
import sys

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("trestle")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def refuse_development_secrets_at_start(**kwargs) -> None:
    """Celery runs no system check that can stop it, and it logs and ignores an exception
    raised by a signal handler: exit instead."""
    import django
    from django.core.management.base import SystemCheckError

    django.setup()
    from apps.core.checks import refuse_development_secrets

    try:
        refuse_development_secrets()
    except SystemCheckError as error:
        print(error, file=sys.__stderr__)  # past the logging redirect, which beat swallows
        raise SystemExit(1) from error
