from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Pieces every page shares: the dashboard, navigation, health check, demo data."""

    name = "apps.core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the production secrets check)
