from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from apps.accounts.urls import settings_urlpatterns as account_settings_urls
from apps.ap_invoices.urls import vendor_urlpatterns
from apps.core import views as core_views
from apps.procore_sync.urls import office_urlpatterns as procore_office_urls
from apps.procore_sync.urls import project_urlpatterns as procore_project_urls
from apps.procore_sync.urls import webhook_urlpatterns
from apps.procore_sync.views.connect import procore_callback
from apps.projects.urls import cost_code_urlpatterns
from apps.timecards.urls import employee_urlpatterns

urlpatterns = [
    path("", core_views.dashboard, name="dashboard"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("accounts/", include("apps.accounts.urls")),
    path("settings/", core_views.settings_home, name="settings_home"),
    path("settings/", include(account_settings_urls)),
    path("settings/offices/", include("apps.offices.urls")),
    path("settings/employees/", include(employee_urlpatterns)),
    path("settings/cost-codes/", include(cost_code_urlpatterns)),
    path("settings/vendors/", include(vendor_urlpatterns)),
    path("projects/", include("apps.projects.urls")),
    path("cors/", include("apps.cors.urls")),
    path("ap-invoices/", include("apps.ap_invoices.urls")),
    path("change-notifications/", include("apps.cors.notification_urls")),
    path("timecards/", include("apps.timecards.urls")),
    path("projects/<int:record_id>/procore/", include(procore_project_urls)),
    path("sync/", include("apps.procore_sync.urls")),
    path("procore/webhooks/", include(webhook_urlpatterns)),
    path("procore/callback/", procore_callback, name="procore_callback"),
    path("settings/offices/<int:office_id>/integrations/", include(procore_office_urls)),
    path("api/v1/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]

if settings.PROCORE_SANDBOX_ENABLED:
    urlpatterns.append(path("procore-sandbox/", include("apps.procore_sandbox.urls")))
