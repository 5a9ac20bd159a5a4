"""What every machine endpoint shares: Procore-shaped errors and the run's fault injection."""

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from . import faults, malformed, ratelimit

View = Callable[..., HttpResponse]
V2_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND"}
V2_CODES |= {405: "METHOD_NOT_ALLOWED", 422: "UNPROCESSABLE_ENTITY"}


class ApiError(Exception):
    """A 4xx answer; the view turns it into Procore's error body for the API version."""

    def __init__(self, status: int, message: str, errors: Any = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors


def error_response(error: ApiError, *, v2: bool = False) -> JsonResponse:
    """procore-api.md §3.6: v1 bodies carry `message`/`errors`; v2 a standard `error` object."""
    if v2:
        code = V2_CODES.get(error.status, "ERROR")
        details = [
            {"reason_code": "INVALID", "message": f"{field} {msg}", "source": field}
            for field, msgs in (error.errors if isinstance(error.errors, dict) else {}).items()
            for msg in msgs
        ]
        body: dict[str, Any] = {
            "error": {"code": code, "message": error.message, "details": details}
        }
    else:
        body = {"message": error.message, "errors": error.errors or error.message}
    return JsonResponse(body, status=error.status)


def server_error(status: int) -> HttpResponse:
    if status == 503:  # procore-api.md §3.5: heavy-load throttling answers carry Retry-After
        response = JsonResponse({"message": "Service Unavailable"}, status=503)
        response["Retry-After"] = "1"
        return response
    if status == 502:  # a gateway's page, not JSON, as a real proxy would send
        return HttpResponse("<html><body>502 Bad Gateway</body></html>", status=502)
    return JsonResponse({"message": "Internal Server Error"}, status=500)


def _below_root(request: HttpRequest) -> str:
    """`/rest/v1.0/change_events` for `/procore-sandbox/rest/v1.0/change_events`."""
    root = reverse("procore_sandbox:api", kwargs={"path": "x"})[: -len("rest/x")]
    return "/" + request.path.removeprefix(root).lstrip("/")


def machine_endpoint(view: View) -> View:
    """CSRF-exempt (bearer/client-secret callers, no cookies) and subject to the run's faults."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        config = faults.current()
        path = _below_root(request)
        faults.add_latency(config, path)
        draw = faults.draw(config, method=request.method or "GET", path=path)
        if draw.drop_before:
            return faults.drop_connection(request)
        if draw.error_status:
            return server_error(draw.error_status)
        if draw.burst_429:
            return ratelimit.refusal(ratelimit.spent_spike(config["rate_limit_spike"]))
        request.sandbox_faults = config
        response = view(request, *args, **kwargs)
        if draw.drop_after:
            return faults.drop_connection(request)
        if draw.malformed:  # after the view: any write it made stays applied
            fields = config["wrong_type_fields"]
            return malformed.malform(response, draw.malformed, draw.body_seed, fields)
        return response

    return wrapped
