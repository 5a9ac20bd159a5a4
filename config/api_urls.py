"""REST API v1: every route is scoped to the caller's account."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from apps.ap_invoices.api import (
    ApInvoiceViewSet,
    ApPaymentViewSet,
    ApQueueViewSet,
    RoutingRuleViewSet,
)
from apps.cors.api import CorLineViewSet, CorViewSet
from apps.cors.api_notifications import ChangeNotificationViewSet
from apps.offices.api import OfficeViewSet
from apps.procore_sync.api import (
    CorPushViewSet,
    DifferenceViewSet,
    ReconcileViewSet,
    SyncRunViewSet,
    TimeExportViewSet,
)
from apps.timecards.api import ProductionQuantityViewSet, TimeEntryViewSet

router = DefaultRouter()
router.register("offices", OfficeViewSet, basename="office")
router.register("cors", CorViewSet, basename="cor")
router.register(r"cors/(?P<cor_id>[0-9]+)/lines", CorLineViewSet, basename="cor-line")
router.register("cor-pushes", CorPushViewSet, basename="cor-push")
router.register("time-exports", TimeExportViewSet, basename="time-export")
router.register("sync-runs", SyncRunViewSet, basename="sync-run")
router.register("reconcile/runs", ReconcileViewSet, basename="reconcile-run")
router.register("reconcile/differences", DifferenceViewSet, basename="reconcile-difference")
router.register("change-notifications", ChangeNotificationViewSet, basename="change-notification")
router.register("time-entries", TimeEntryViewSet, basename="time-entry")
router.register("production-quantities", ProductionQuantityViewSet, basename="production-quantity")
router.register("ap-invoices", ApInvoiceViewSet, basename="ap-invoice")
router.register(
    r"ap-invoices/(?P<invoice_id>[0-9]+)/payments", ApPaymentViewSet, basename="ap-payment"
)
router.register("ap-queues", ApQueueViewSet, basename="ap-queue")
router.register("ap-routing-rules", RoutingRuleViewSet, basename="ap-routing-rule")

urlpatterns = [
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api_schema"),
    path(
        "docs/",
        # The split view serves its start-up script as a file: no inline script for the CSP.
        SpectacularSwaggerSplitView.as_view(url_name="api_schema", permission_classes=[AllowAny]),
        name="api_docs",
    ),
]
