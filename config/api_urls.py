"""REST API v1: every route is scoped to the caller's account."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from apps.offices.api import OfficeViewSet

router = DefaultRouter()
router.register("offices", OfficeViewSet, basename="office")

urlpatterns = [
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api_schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api_schema", permission_classes=[AllowAny]),
        name="api_docs",
    ),
]
