from django.apps import AppConfig


class CorsConfig(AppConfig):
    """Change order requests (CORs) with their line items, and the COR log."""

    name = "apps.cors"
    default_auto_field = "django.db.models.BigAutoField"
