"""`Idempotency-Key` on the API's POSTs that start work (RELIABILITY.md 24).

The first request with a key does the work and its answer is saved with the key in the same
transaction; a later request with that key (same caller, same endpoint, within KEY_TTL) gets that
answer again and starts nothing. Two requests at once with one key: the second's insert waits on
the unique constraint until the first commits, then replays its answer. A request the API refuses
(4xx) rolls back with its key, so the corrected request may use the key again.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_TTL = timedelta(hours=24)
MAX_KEY = 255
REUSED = (
    "This Idempotency-Key was already used with a different request body on this endpoint. "
    "Use a new key for a new request."
)
PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string (a UUID), at most 255 characters. Sending the same key again "
    "within 24 hours returns the first answer (same run, same Location) and starts nothing; the "
    "same key with a different body is a 422. Keys are per caller and endpoint.",
)


def fingerprint(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def idempotent(request, start: Callable[[], Response]) -> Response:
    """`start()`'s answer, once per key; without the header, simply `start()`."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return start()
    if len(key) > MAX_KEY:
        raise ValidationError({HEADER: [f"At most {MAX_KEY} characters."]})
    scope = {
        "account": request.account,
        "user": request.user,
        "endpoint": request.path,
        "key": key,
    }
    body_print = fingerprint(request.data)
    # Expired keys of the account go as it sends new ones: the table holds about a day of them.
    expired = timezone.now() - KEY_TTL
    IdempotencyKey.objects.filter(account=request.account, created_at__lte=expired).delete()
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(**scope, fingerprint=body_print)
            return _remember(record, start())
    except IntegrityError:
        first = IdempotencyKey.objects.filter(**scope).first()
        if first is None:  # not the key's constraint: the work itself failed
            raise
    return _replay(first, body_print)


def _remember(record: IdempotencyKey, response: Response) -> Response:
    if response.status_code >= 400:  # refused: roll back the key with whatever was written
        transaction.set_rollback(True)
        return response
    record.status_code, record.body = response.status_code, response.data
    record.location = response.get("Location", "")
    record.save(update_fields=["status_code", "body", "location"])
    return response


def _replay(first: IdempotencyKey, body_print: str) -> Response:
    if first.fingerprint != body_print:
        return Response({"detail": REUSED}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    headers = {"Idempotent-Replayed": "true"}
    if first.location:
        headers["Location"] = first.location
    return Response(first.body, status=first.status_code, headers=headers)
