from django.apps import AppConfig


class TimecardsConfig(AppConfig):
    """People and time: employees, crews, work classifications, time types, time cards."""

    name = "apps.timecards"
    default_auto_field = "django.db.models.BigAutoField"
