"""Refuse an oversized or too deeply nested request body before any other work is done.

One middleware, first in the stack, guards the API, the Procore webhook and the sandbox alike:
it answers before sessions, authentication or any view runs, so a hostile body costs no
database query and records nothing. Python's json decoder recurses once per nesting level
and dies with RecursionError (a 500) near 1,000 levels; catching that would still spend the
stack and depend on the interpreter's limit, so the depth is measured first by a linear scan
that stops at the limit.
"""

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .uploads import limit_message

# No payload we accept (Procore webhooks, our API, the sandbox) nests beyond a handful of
# levels; 64 leaves ample room and is far below the decoder's recursion limit.
JSON_MAX_DEPTH = 64

# A JSON string (escapes included) or one bracket: brackets inside strings are skipped.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def json_too_deep(raw: bytes, limit: int = JSON_MAX_DEPTH) -> bool:
    """True when `raw` opens more than `limit` nested arrays or objects."""
    depth = 0
    for token in _TOKEN.finditer(raw):
        char = token.group()
        if char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads such a body as empty too


def _upload_refusal(request: HttpRequest) -> JsonResponse | None:
    """A multipart body may carry one file of UPLOAD_MAX_BYTES plus API_MAX_BODY_BYTES of other
    fields; a larger one is refused unread, on the API and the pages alike. A file within that
    but over the file limit reaches the upload policy (apps.core.uploads) in the service that
    takes it, which says so in the form (no API endpoint takes a file today)."""
    if _declared_length(request) <= settings.UPLOAD_MAX_BYTES + settings.API_MAX_BODY_BYTES:
        return None
    return JsonResponse({"detail": limit_message("An uploaded file")}, status=413)


def body_refusal(request: HttpRequest) -> JsonResponse | None:
    """A JSON 413 for a body over API_MAX_BODY_BYTES (an upload: see `_upload_refusal`), a JSON
    400 for JSON nested too deep. Any body but a form is scanned: the webhook and the sandbox
    parse JSON whatever its declared type.
    """
    if request.content_type.startswith("multipart/"):
        return _upload_refusal(request)
    limit = settings.API_MAX_BODY_BYTES
    if _declared_length(request) > limit:
        return JsonResponse({"detail": f"Request body is larger than {limit} bytes."}, status=413)
    is_form = request.content_type == "application/x-www-form-urlencoded"
    if not is_form and json_too_deep(request.body):
        detail = f"JSON body is nested deeper than {JSON_MAX_DEPTH} levels."
        return JsonResponse({"detail": detail}, status=400)
    return None


class BodyGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return body_refusal(request) or self.get_response(request)
