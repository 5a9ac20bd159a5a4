from django.apps import AppConfig


class ProcoreSandboxConfig(AppConfig):
    """The embedded Procore simulator, served under /procore-sandbox/ when enabled."""

    name = "apps.procore_sandbox"
    default_auto_field = "django.db.models.BigAutoField"
