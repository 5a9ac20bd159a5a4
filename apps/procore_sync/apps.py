from django.apps import AppConfig


class ProcoreSyncConfig(AppConfig):
    """Everything that knows Procore: the client, connections, importers, exporters, tasks."""

    name = "apps.procore_sync"
    default_auto_field = "django.db.models.BigAutoField"
