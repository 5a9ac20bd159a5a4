from django.apps import AppConfig


class ProcoreSyncConfig(AppConfig):
    """Everything that knows Procore: the client, connections, importers, exporters, tasks."""

    name = "apps.procore_sync"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.ap_invoices.signals import ap_payment_changed
        from apps.cors.signals import cor_log_opened
        from apps.timecards.signals import time_entries_changed

        from .receivers import (
            queue_payment_writeback,
            queue_time_exports,
            refresh_change_event_statuses,
        )

        cor_log_opened.connect(refresh_change_event_statuses, dispatch_uid="ce-statuses-on-log")
        time_entries_changed.connect(queue_time_exports, dispatch_uid="time-export-on-change")
        ap_payment_changed.connect(queue_payment_writeback, dispatch_uid="ap-payment-writeback")
