"""The Celery app: workers and beat load tasks from every installed app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("trestle")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
