from django.apps import AppConfig


class ApInvoicesConfig(AppConfig):
    """Vendors, AP invoices, queues, routing and payments."""

    name = "apps.ap_invoices"
    default_auto_field = "django.db.models.BigAutoField"
