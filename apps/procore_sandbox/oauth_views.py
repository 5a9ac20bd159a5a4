"""OAuth endpoints on the login host (procore-api.md §2.1): consent page, token, revoke, info.

The consent page has no login of its own: it lists the sandbox's Procore users with the
companies each works in (the seed creates `procore.demo@example.com`, in both demo companies,
so Trestle's company picker then offers both) and you pick who consents. It is a normal
CSRF-protected form; the token endpoints are machine endpoints.
"""

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import oauth
from .http import machine_endpoint
from .models import SandboxApp, SandboxUser
from .registry import DEMO_LOGIN, OOB_REDIRECT_URI


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    params = request.GET if request.method == "GET" else request.POST
    app = SandboxApp.objects.filter(client_id=params.get("client_id", "")).first()
    redirect_uri = params.get("redirect_uri", "")
    if app is None or redirect_uri not in app.redirect_uris:
        # RFC 6749 §4.1.2.1: never redirect to an unverified URI; say so on the page.
        return render(request, "procore_sandbox/authorize_error.html", status=400)
    state = params.get("state")
    if params.get("response_type") != "code":
        return _back(redirect_uri, state, error="unsupported_response_type")
    if request.method == "GET":
        return _consent_page(request, app)
    if params.get("decision") != "allow":
        return _back(redirect_uri, state, error="access_denied")
    user = SandboxUser.objects.filter(id=params.get("user_id") or 0).first()
    if user is None:
        return _consent_page(request, app, status=400)
    grant = oauth.grant_create(app=app, user=user, redirect_uri=redirect_uri)
    if redirect_uri == OOB_REDIRECT_URI:
        return render(request, "procore_sandbox/authorize_code.html", {"code": grant.code})
    return _back(redirect_uri, state, code=grant.code)


def _consent_page(request: HttpRequest, app: SandboxApp, status: int = 200) -> HttpResponse:
    users = SandboxUser.objects.order_by("login").prefetch_related("companies")
    default = next((user for user in users if user.login == DEMO_LOGIN), None)
    params = request.GET if request.method == "GET" else request.POST
    context = {"app": app, "users": users, "default_user": default, "params": params}
    context["state"] = params.get("state")
    response = render(request, "procore_sandbox/authorize.html", context, status=status)
    # The form posts here and is then redirected to the client's registered redirect URI, and
    # browsers check form-action on that redirect too: allow the client's origin on this page.
    response._csp_update = {"form-action": [_origin(params.get("redirect_uri", ""))]}
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "'self'"


def _back(redirect_uri: str, state: str | None, **values: str) -> HttpResponseRedirect:
    if "error" in values:
        values["error_description"] = {
            "access_denied": "The resource owner or authorization server denied the request.",
        }.get(values["error"], "The authorization server does not support this response type.")
    if state is not None:
        values["state"] = state  # §2.2: echoed back unchanged
    separator = "&" if "?" in redirect_uri else "?"
    return HttpResponseRedirect(f"{redirect_uri}{separator}{urlencode(values)}")


def _body(request: HttpRequest) -> dict[str, Any]:
    """§2.3: the token endpoint takes form, multipart or JSON bodies."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


def _oauth_error(error: oauth.OAuthError) -> JsonResponse:
    body = {"error": error.error, "error_description": error.description}
    return JsonResponse(body, status=error.status)


@require_POST
@machine_endpoint
def token(request: HttpRequest) -> JsonResponse:
    data = _body(request)
    try:
        app = oauth.app_authenticate(
            str(data.get("client_id", "")), str(data.get("client_secret", ""))
        )
        grant_type = data.get("grant_type")
        if grant_type == "authorization_code":
            issued = oauth.token_from_code(
                app=app, code=str(data.get("code", "")), redirect_uri=data.get("redirect_uri")
            )
        elif grant_type == "refresh_token":
            issued = oauth.token_refresh(app=app, refresh_token=str(data.get("refresh_token", "")))
        else:
            raise oauth.OAuthError("unsupported_grant_type", "The grant type is not supported.")
    except oauth.OAuthError as error:
        return _oauth_error(error)
    return JsonResponse(
        {
            "access_token": issued.access_token,
            "token_type": "bearer",
            "expires_in": int((issued.expires_at - issued.created_at).total_seconds()),
            "refresh_token": issued.refresh_token,
            "created_at": int(issued.created_at.timestamp()),
        }
    )


@require_POST
@machine_endpoint
def revoke(request: HttpRequest) -> JsonResponse:
    """§2.5: 200 whether or not the token was valid."""
    data = _body(request)
    try:
        app = oauth.app_authenticate(
            str(data.get("client_id", "")), str(data.get("client_secret", ""))
        )
    except oauth.OAuthError as error:
        return _oauth_error(error)
    oauth.token_revoke(app=app, token=str(data.get("token", "")))
    return JsonResponse({})


@require_GET
@machine_endpoint
def token_info(request: HttpRequest) -> JsonResponse:
    issued = oauth.token_authenticate(request.headers.get("Authorization", ""))
    if issued is None:
        error = oauth.OAuthError("invalid_token", "The access token is invalid", 401)
        return _oauth_error(error)
    return JsonResponse(
        {
            "resource_owner_id": issued.user_id,
            "scopes": [],
            "expires_in_seconds": int((issued.expires_at - timezone.now()).total_seconds()),
            "application": {"uid": issued.app.client_id},
            "created_at": int(issued.created_at.timestamp()),
        }
    )
