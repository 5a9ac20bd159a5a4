from django.urls import path

from .views import (
    activity,
    ap_import,
    ap_payments,
    connect,
    cor_push,
    links,
    project,
    reconcile,
    time_export,
    webhook,
    wizard,
)

urlpatterns = [
    path("", activity.sync_activity, name="sync_activity"),
    path("runs/<int:run_id>/", activity.sync_run_detail, name="sync_run_detail"),
    path("runs/<int:run_id>/items.csv", activity.sync_run_csv, name="sync_run_csv"),
    path("runs/<int:run_id>/retry/", activity.sync_run_retry, name="sync_run_retry"),
    path("offices/<int:office_id>/run/", activity.sync_run_now, name="sync_run_now"),
    path("cor-push/", cor_push.cor_push, name="cor_push"),
    path("offices/<int:office_id>/reconcile/", reconcile.reconcile_report, name="reconcile_report"),
    path("offices/<int:office_id>/reconcile/run/", reconcile.reconcile_run, name="reconcile_run"),
    path(
        "offices/<int:office_id>/reconcile/differences.csv",
        reconcile.reconcile_csv,
        name="reconcile_csv",
    ),
    path(
        "offices/<int:office_id>/reconcile/repair-all/",
        reconcile.differences_repair_all,
        name="differences_repair_all",
    ),
    path(
        "differences/<int:difference_id>/repair/",
        reconcile.difference_repair,
        name="difference_repair",
    ),
    path("time-export/", time_export.time_export, name="time_export"),
    path("ap-import/", ap_import.ap_manual_import, name="ap_manual_import"),
    path(
        "ap/<int:invoice_id>/take-procore/",
        ap_import.ap_invoice_take_procore,
        name="ap_invoice_take_procore",
    ),
    path(
        "ap/<int:invoice_id>/fetch-document/",
        ap_import.ap_invoice_fetch_document,
        name="ap_invoice_fetch_document",
    ),
    path(
        "ap/<int:invoice_id>/payments/<int:payment_id>/retry/",
        ap_payments.ap_payment_retry,
        name="ap_payment_retry",
    ),
    path("links/", links.links, name="procore_links"),
    path("links/<int:link_id>/toggle/", links.link_toggle, name="procore_link_toggle"),
]

webhook_urlpatterns = [
    path("<str:token>/", webhook.procore_webhook, name="procore_webhook"),
]

office_urlpatterns = [
    path("", connect.integrations, name="office_integrations"),
    path("procore/toggle/", connect.procore_toggle, name="procore_toggle"),
    path("procore/connect/", connect.procore_connect, name="procore_connect"),
    path("procore/company/", connect.procore_company, name="procore_company"),
    path("procore/disconnect/", connect.procore_disconnect, name="procore_disconnect"),
    path("procore/wizard/", wizard.procore_wizard, name="procore_wizard"),
]

project_urlpatterns = [
    path("", project.project_procore, name="project_procore"),
    path("unmap/", project.project_procore_unmap, name="project_procore_unmap"),
]
