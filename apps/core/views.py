from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache

from apps.offices.models import Office

from .health import broker_status, database_status


@login_required
def dashboard(request):
    offices = (
        Office.objects.for_account(request.account) if request.account else Office.objects.none()
    )
    return render(request, "core/dashboard.html", {"offices": offices})


@login_required
def settings_home(request):
    return render(request, "core/settings_home.html")


@never_cache
def healthz(request):
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: send them to the SVG icon."""
    return HttpResponseRedirect(static("favicon.svg"))
