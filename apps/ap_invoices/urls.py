from django.urls import path

from . import views

vendor_urlpatterns = [
    path("", views.VendorList.as_view(), name="vendor_list"),
    path("new/", views.VendorCreate.as_view(), name="vendor_create"),
    path("<int:record_id>/edit/", views.VendorEdit.as_view(), name="vendor_edit"),
]

urlpatterns = [
    path("", views.queue, name="ap_invoice_queue"),
    path("new/", views.invoice_edit, name="ap_invoice_create"),
    path("reconcile/", views.reconcile, name="ap_invoice_reconcile"),
    path("reviews/", views.reviews, name="ap_review_list"),
    path("<int:invoice_id>/", views.invoice_detail, name="ap_invoice_detail"),
    path("<int:invoice_id>/edit/", views.invoice_edit, name="ap_invoice_edit"),
    path("<int:invoice_id>/document/", views.invoice_document, name="ap_invoice_document"),
    path("<int:invoice_id>/reprocess/", views.invoice_reprocess, name="ap_invoice_reprocess"),
    path(
        "<int:invoice_id>/lines/<int:line_id>/review/",
        views.line_review,
        name="ap_invoice_line_review",
    ),
    path("<int:invoice_id>/payments/", views.payment_add, name="ap_payment_record"),
    path(
        "<int:invoice_id>/payments/<int:payment_id>/edit/",
        views.payment_edit,
        name="ap_payment_edit",
    ),
    path(
        "<int:invoice_id>/payments/<int:payment_id>/void/",
        views.payment_cancel,
        name="ap_payment_void",
    ),
    path("queues/", views.QueueList.as_view(), name="ap_queue_list"),
    path("queues/new/", views.QueueCreate.as_view(), name="ap_queue_create"),
    path("queues/<int:record_id>/edit/", views.QueueEdit.as_view(), name="ap_queue_edit"),
    path("routing-rules/", views.RuleList.as_view(), name="ap_routing_rule_list"),
    path("routing-rules/new/", views.RuleCreate.as_view(), name="ap_routing_rule_create"),
    path(
        "routing-rules/<int:record_id>/edit/", views.RuleEdit.as_view(), name="ap_routing_rule_edit"
    ),
    path("routing-rules/<int:record_id>/delete/", views.rule_delete, name="ap_routing_rule_delete"),
]
