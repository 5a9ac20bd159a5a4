"""The API host (`/rest/...`, procore-api.md §3): one view routes every OAS operation."""

from django.http import Http404, HttpRequest, HttpResponse

from . import context, generic, oas, oauth, ratelimit, resources, special, webhooks
from .http import ApiError, error_response, machine_endpoint
from .models import SandboxAttachment, SandboxToken

WWW_AUTHENTICATE = (
    'Bearer realm="Doorkeeper", error="invalid_token", '
    'error_description="The access token is invalid"'
)


@machine_endpoint
def api(request: HttpRequest, path: str) -> HttpResponse:
    budget = None
    try:
        op, params = _operation(request, path)
        token = _bearer(request)
        budget = ratelimit.consume(
            f"{token.app_id}:{token.user_id}",  # one budget per app and user, across refreshes
            hourly=request.sandbox_faults["rate_limit_hourly"],
            spike=request.sandbox_faults["rate_limit_spike"],
        )
        response = (
            ratelimit.refusal(budget) if budget.spent else _handle(request, op, params, token)
        )
    except ApiError as error:
        response = error_response(error, v2=path.startswith("v2.0/"))
        if error.status == 401:
            response["WWW-Authenticate"] = WWW_AUTHENTICATE
    for name, value in (budget.headers() if budget else {}).items():
        response[name] = value
    return response


def _operation(request: HttpRequest, path: str) -> tuple[oas.Operation, dict[str, str]]:
    op, params, path_known = oas.match(request.method or "GET", f"/rest/{path}")
    if op is None:
        raise ApiError(405 if path_known else 404, "Not Found")
    return op, params


def _bearer(request: HttpRequest) -> SandboxToken:
    token = oauth.token_authenticate(request.headers.get("Authorization", ""))
    if token is None:  # §3.6: missing, expired or revoked token
        raise ApiError(401, "The access token is invalid")
    return token


def _handle(
    request: HttpRequest, op: oas.Operation, params: dict[str, str], token: SandboxToken
) -> HttpResponse:
    """Runs the operation as the token's user and app: the changes it makes are theirs (§10.2)."""
    actor = webhooks.Actor(user_id=token.user_id, application_id=token.app.client_id)
    reset = webhooks.acting.set(actor)
    try:
        return _run(request, op, params, token)
    finally:
        webhooks.acting.reset(reset)


def _run(
    request: HttpRequest, op: oas.Operation, params: dict[str, str], token: SandboxToken
) -> HttpResponse:
    ctx = context.build(request, op, params, token)
    handler = special.HANDLERS.get((op.method, op.template))
    if handler is not None:
        return handler(ctx)
    resolved = resources.resolve(op.method, op.template)
    if resolved is None:  # every OAS operation is covered; a test keeps it so
        raise ApiError(404, "Not Found")
    resource, kind = resolved
    return generic.HANDLERS[kind](ctx, resource)


@machine_endpoint
def attachment(request: HttpRequest, attachment_id: int, filename: str) -> HttpResponse:
    """Attachment URLs work without a token, like Procore's pre-signed file links."""
    found = SandboxAttachment.objects.filter(id=attachment_id, filename=filename).first()
    if found is None:
        raise Http404
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["Content-Disposition"] = f'inline; filename="{found.filename}"'
    return response
