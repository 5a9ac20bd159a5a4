from django.apps import AppConfig


class OfficesConfig(AppConfig):
    name = "apps.offices"
    default_auto_field = "django.db.models.BigAutoField"
