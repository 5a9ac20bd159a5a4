"""OAuth 2.0 authorization-code flow as Procore runs it (procore-api.md §2).

Codes are single-use and live 10 minutes; access tokens live 5400 s unless a run sets
`access_token_ttl`; each refresh returns a new pair and kills the old refresh token in the
same transaction, before the answer is sent, so a lost answer still costs the old token.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import faults
from .models import SandboxApp, SandboxGrant, SandboxToken, SandboxUser

CODE_LIFETIME = timedelta(minutes=10)


@dataclass
class OAuthError(Exception):
    """Doorkeeper-style error (procore-api.md §2.3 / §12.1: shape inferred, not documented)."""

    error: str
    description: str
    status: int = 400


def app_authenticate(client_id: str, client_secret: str) -> SandboxApp:
    """§2.3/§2.5: Trestle is a confidential app, so every token call carries its secret."""
    app = SandboxApp.objects.filter(client_id=client_id).first()
    if app is None or not secrets.compare_digest(client_secret, app.client_secret):
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    return app


def grant_create(*, app: SandboxApp, user: SandboxUser, redirect_uri: str) -> SandboxGrant:
    return SandboxGrant.objects.create(
        code=secrets.token_urlsafe(32),
        app=app,
        user=user,
        redirect_uri=redirect_uri,
        created_at=timezone.now(),
    )


def token_issue(*, app: SandboxApp, user: SandboxUser) -> SandboxToken:
    """A fresh access + refresh pair; tests may call it to skip the consent page."""
    now = timezone.now()
    ttl = faults.current()["access_token_ttl"] or getattr(
        settings, "PROCORE_SANDBOX_ACCESS_TOKEN_TTL", 5400
    )
    return SandboxToken.objects.create(
        access_token=secrets.token_urlsafe(48),
        refresh_token=secrets.token_urlsafe(32),
        app=app,
        user=user,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl),
    )


@transaction.atomic
def token_from_code(*, app: SandboxApp, code: str, redirect_uri: str | None) -> SandboxToken:
    grant = SandboxGrant.objects.select_for_update().filter(code=code, app=app).first()
    if grant is None or grant.used_at or grant.created_at < timezone.now() - CODE_LIFETIME:
        raise OAuthError("invalid_grant", _INVALID_GRANT)
    if redirect_uri is not None and redirect_uri != grant.redirect_uri:
        raise OAuthError("invalid_grant", _INVALID_GRANT)
    grant.used_at = timezone.now()
    grant.save(update_fields=["used_at"])
    return token_issue(app=app, user=grant.user)


@transaction.atomic
def token_refresh(*, app: SandboxApp, refresh_token: str) -> SandboxToken:
    old = SandboxToken.objects.select_for_update().filter(refresh_token=refresh_token).first()
    if old is None or old.app_id != app.id or old.refresh_used_at or old.revoked_at:
        raise OAuthError("invalid_grant", "The refresh token is invalid.")
    old.refresh_used_at = timezone.now()
    old.save(update_fields=["refresh_used_at"])
    return token_issue(app=app, user=old.user)


def token_revoke(*, app: SandboxApp, token: str) -> None:
    """Revoking either token of a pair revokes both (procore-api.md §2.5)."""
    pairs = SandboxToken.objects.filter(app=app, revoked_at=None)
    (pairs.filter(access_token=token) | pairs.filter(refresh_token=token)).update(
        revoked_at=timezone.now()
    )


def token_authenticate(authorization: str) -> SandboxToken | None:
    """The live token behind an `Authorization: Bearer` header, or None."""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value:
        return None
    return (
        SandboxToken.objects.select_related("user", "app")
        .filter(access_token=value.strip(), revoked_at=None, expires_at__gt=timezone.now())
        .first()
    )


_INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client."
)
