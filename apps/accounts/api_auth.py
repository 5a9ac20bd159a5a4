"""REST API authentication: account-bound API tokens, or the web session's current account."""

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from .models import ApiToken, Membership


class ApiTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.select_related("user", "account")
            .filter(key_hash=ApiToken.hash_key(key))
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.last_used_at is None or (timezone.now() - token.last_used_at).seconds > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token


def api_membership(request) -> Membership | None:
    """The caller's membership: the token's account, else the session's current account."""
    if isinstance(request.auth, ApiToken):
        return (
            Membership.objects.select_related("account")
            .filter(account=request.auth.account, user=request.user)
            .first()
        )
    return getattr(request._request, "membership", None)


class IsAccountMember(permissions.BasePermission):
    """Every API call acts inside one account the caller belongs to."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        membership = api_membership(request)
        if membership is None:
            return False
        request.membership = membership
        request.account = membership.account
        return True
