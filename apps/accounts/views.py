from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.core.present import full_stop

from . import services
from .forms import AcceptInvitationForm, ApiTokenForm, AuditFilterForm, InvitationForm
from .middleware import SESSION_KEY
from .models import ApiToken, Invitation, Membership, Role
from .policy import permission_required
from .selectors import audit_entry_list, user_exists
from .tenancy import get_for_account_or_404


@login_required
@require_POST
def account_switch(request, account_id: int):
    membership = get_object_or_404(
        Membership.objects.select_related("account"), user=request.user, account_id=account_id
    )
    request.session[SESSION_KEY] = membership.account_id
    messages.success(request, f"Switched to {full_stop(membership.account)}")
    return redirect("dashboard")


@login_required
@permission_required("members.view")
def member_list(request):
    return _render_members(request, InvitationForm())


@login_required
@require_POST
@permission_required("members.invite")
def member_invite(request):
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(
                account=request.account, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("member_list")
    return _render_members(request, form, status=400)


@login_required
@require_POST
@permission_required("members.manage")
def member_update(request, membership_id: int):
    membership = get_for_account_or_404(
        Membership.objects.select_related("user"), request.account, pk=membership_id
    )
    try:
        if request.POST.get("remove"):
            services.membership_remove(membership=membership, actor=request.user)
            messages.success(request, f"{membership.user.email} was removed from the account.")
        else:
            services.membership_change_role(
                membership=membership, role=request.POST.get("role", ""), actor=request.user
            )
            messages.success(
                request, f"{membership.user.email} is now {membership.get_role_display()}."
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("member_list")


def _render_members(request, form, status: int = 200):
    context = {
        "form": form,
        "members": Membership.objects.for_account(request.account).select_related("user"),
        "roles": Role.choices,
        "invitations": Invitation.objects.for_account(request.account).filter(
            accepted_at__isnull=True
        ),
    }
    return render(request, "accounts/member_list.html", context, status=status)


def invitation_accept(request, token: str):
    invitation = services.invitation_get_by_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    has_login = request.user.is_authenticated or user_exists(email=invitation.email)
    form = None if has_login else AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and (form is None or form.is_valid()):
        if not request.user.is_authenticated and has_login:
            return redirect(f"/accounts/login/?next={request.path}")
        try:
            membership = services.invitation_accept(
                invitation=invitation,
                user=request.user if request.user.is_authenticated else None,
                **(form.cleaned_data if form else {}),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("dashboard")
        if not request.user.is_authenticated:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_KEY] = membership.account_id
        messages.success(request, f"Welcome to {full_stop(membership.account)}")
        return redirect("dashboard")
    context = {"invitation": invitation, "form": form, "has_login": has_login}
    return render(request, "accounts/invitation_accept.html", context)


@login_required
@permission_required("api_tokens.manage")
def api_token_list(request):
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _, new_key = services.api_token_create(
            account=request.account, user=request.user, name=form.cleaned_data["name"]
        )
        form = ApiTokenForm()
    tokens = ApiToken.objects.for_account(request.account).filter(user=request.user)
    context = {"form": form, "tokens": tokens, "new_key": new_key}
    return render(request, "accounts/api_token_list.html", context)


@login_required
@require_POST
@permission_required("api_tokens.manage")
def api_token_revoke(request, token_id: int):
    token = get_for_account_or_404(
        ApiToken.objects.filter(user=request.user), request.account, pk=token_id
    )
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token {token.name} revoked.")
    return redirect("api_token_list")


@login_required
@permission_required("audit.view")
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = audit_entry_list(
        account=request.account,
        action=filters.get("action") or "",
        actor_id=filters.get("actor"),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"form": form, "page": page})
