"""Settings > Procore links: which Trestle record is synced with which Procore record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.policy import permission_required
from apps.accounts.tenancy import get_for_account_or_404

from ..engine_models import ExternalRef, LinkState
from ..entities import ENTITIES
from ..links import link_list, link_relink, link_unlink


@login_required
@permission_required("sync.view")
def links(request):
    entity, state = request.GET.get("entity", ""), request.GET.get("state", "")
    page = Paginator(link_list(account=request.account, entity=entity, state=state), 50)
    context = {
        "page": page.get_page(request.GET.get("page")),
        "entities": [(e.name, e.label) for e in ENTITIES.values()],
        "states": LinkState.choices,
        "entity": entity,
        "state": state,
    }
    return render(request, "procore_sync/links.html", context)


@login_required
@require_POST
@permission_required("sync.run")
def link_toggle(request, link_id: int):
    link = get_for_account_or_404(
        ExternalRef.objects.select_related("office"), request.account, pk=link_id
    )
    if link.state == LinkState.UNLINKED:
        link_relink(link=link, user=request.user)
        messages.success(request, "Linked again: the next sync brings both sides in step.")
    else:
        link_unlink(link=link, user=request.user)
        messages.success(request, "Unlinked: this record is no longer synced with Procore.")
    return redirect(request.POST.get("next") or "procore_links")
