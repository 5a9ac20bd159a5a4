"""Settings > Offices > an office > Office Integrations: enable, connect, pick the company,
reconnect and disconnect Procore."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts import policy
from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404
from apps.core.present import full_stop
from apps.offices.models import Office

from .. import selectors
from ..client import oauth, resources
from ..client.errors import OAuthStateError, ProcoreError
from ..client.http import ProcoreClient
from ..integration import connection_of, procore_enable
from ..runs import sync_settings_for
from ..services import connection_choose_company, connection_connect, connection_disconnect
from ..webhooks import webhooks_register


def _office(request, office_id: int) -> Office:
    return get_for_account_or_404(Office, request.account, pk=office_id)


@login_required
@permission_required("offices.view")
def integrations(request, office_id: int):
    office = _office(request, office_id)
    context = {
        "office": office,
        "connection": connection_of(office),
        "can_manage": policy.can(request.membership, "integrations.manage"),
        "why_not": policy.reason("integrations.manage"),
    }
    return render(request, "procore_sync/integrations.html", context)


@login_required
@require_POST
@permission_required("integrations.manage")
def procore_toggle(request, office_id: int):
    office = _office(request, office_id)
    enabled = request.POST.get("enabled") == "on"
    procore_enable(office=office, enabled=enabled, user=request.user)
    messages.success(request, f"Procore is {'on' if enabled else 'off'} for {full_stop(office)}")
    return redirect("office_integrations", office_id=office.pk)


@login_required
@require_POST
@permission_required("integrations.manage")
def procore_connect(request, office_id: int):
    office = _office(request, office_id)
    if not office.procore_enabled:
        messages.error(request, "Enable Procore for this office first.")
        return redirect("office_integrations", office_id=office.pk)
    return redirect(oauth.authorize_url(request, office_id=office.pk))


@login_required
def procore_callback(request):
    """Procore sends the browser back here with a code (or an error) and our state."""
    try:
        office_id = oauth.consume_state(request, request.GET.get("state"))
    except OAuthStateError as exc:
        return _callback_error(request, exc.message)
    office = _office(request, office_id)
    policy.require(request.membership, "integrations.manage")
    if request.GET.get("error"):
        reason = request.GET.get("error_description") or "You chose not to allow Trestle."
        return _callback_error(request, f"Procore was not connected: {reason}", office)
    try:
        token = oauth.exchange_code(request.GET.get("code", ""))
        connection_connect(office=office, user=request.user, token=token)
    except ProcoreError as exc:
        return _callback_error(request, exc.message, office)
    return redirect("procore_company", office_id=office.pk)


def _callback_error(request, message: str, office: Office | None = None):
    context = {"message": message, "office": office}
    return render(request, "procore_sync/connect_error.html", context, status=400)


@login_required
@permission_required("integrations.manage")
def procore_company(request, office_id: int):
    office = _office(request, office_id)
    connection = connection_of(office)
    if connection is None:
        messages.error(request, "Connect Procore first.")
        return redirect("office_integrations", office_id=office.pk)
    error = ""
    if request.method == "POST":
        try:
            company_id = int(request.POST.get("company_id", ""))
            connection_choose_company(
                connection=connection, company_id=company_id, user=request.user
            )
        except ValueError:
            error = "Choose a company."
        except ProcoreError as exc:
            error = exc.message
        else:
            _register_webhooks(request, connection)
            sync_settings_for(office)
            company = full_stop(connection.company_name)
            messages.success(request, f"{office} is connected to {company}")
            return redirect("procore_wizard", office_id=office.pk)
    try:
        companies = [
            c for c in resources.companies(ProcoreClient(connection)) if c.get("is_active", True)
        ]
    except ProcoreError as exc:
        companies, error = [], exc.message
    choices = selectors.company_choice_list(connection=connection, companies=companies)
    context = {
        "office": office,
        "connection": connection,
        "companies": choices,
        "free": [c for c in choices if not c.taken_by],
        "error": error,
    }
    return render(request, "procore_sync/company.html", context, status=400 if error else 200)


def _register_webhooks(request, connection) -> None:
    """Webhooks make sync faster; without them the schedule still catches every change."""
    try:
        webhooks_register(connection)
    except ProcoreError as exc:
        messages.warning(request, f"Procore webhooks could not be set up ({exc.message}); "
                                  "changes are picked up by the schedule instead.")  # fmt: skip


@login_required
@require_POST
@permission_required("integrations.manage")
def procore_disconnect(request, office_id: int):
    office = _office(request, office_id)
    connection = connection_of(office)
    if connection is None:
        raise Forbidden("This office is not connected.")
    connection_disconnect(connection=connection, user=request.user)
    messages.success(request, f"{office} is disconnected from Procore. Links are kept.")
    return redirect("office_integrations", office_id=office.pk)
