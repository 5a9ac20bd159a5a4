"""Malformed 2xx answers, as a misbehaving proxy or a half-finished deploy sends them.

`malform` changes an otherwise successful JSON answer for one of faults.MALFORMED_KINDS; every
choice (where the body is cut, which record and field turn wrong) comes from the draw's
`body_seed`, so a run with the same seed gets the same answers. Headers (rate limits, `Total`,
`Link`) are kept: only the body is wrong.
"""

import json
import random
from typing import Any

from django.http import HttpResponse

# A proxy's interstitial page, answered with 200 instead of the API's JSON.
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
    "<body><h1>Checking your connection</h1><p>Please wait while we verify your request.</p>"
    "</body></html>"
)
WRONG_NUMBER = "not a number"  # what an id or a count becomes
WRONG_TEXT = 12345  # what a string becomes
WRONG_OBJECT = "[object Object]"  # what a nested object or a list becomes (a classic JS slip)
WRONG_BOOLEAN = "yes"


def malform(response: HttpResponse, kind: str, seed: int, fields: list[str]) -> HttpResponse:
    """The response with its body malformed; unchanged unless it is a 2xx JSON answer."""
    if not _is_json_success(response):
        return response
    rng = random.Random(seed)  # noqa: S311 - not crypto
    if kind == "truncated_body":
        content = _truncated(response.content, rng)
    elif kind == "html_200":
        content, response["Content-Type"] = HTML_PAGE.encode(), "text/html; charset=utf-8"
    else:
        content = _wrong_typed(response.content, rng, fields)
    response.status_code, response.content = 200, content
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(content))
    return response


def _is_json_success(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "").partition(";")[0].strip()
    return (
        200 <= response.status_code < 300
        and content_type == "application/json"
        and not response.streaming
        and len(response.content) >= 2
    )


def _truncated(content: bytes, rng: random.Random) -> bytes:
    """The body cut after at least one byte and before the last: never valid JSON again."""
    return content[: rng.randrange(1, len(content))]


def _wrong_typed(content: bytes, rng: random.Random, fields: list[str]) -> bytes:
    body = json.loads(content)
    records = _records_of(body)
    if records:
        record = records[rng.randrange(len(records))]
        names = sorted(
            k for k, v in record.items() if v is not None and (not fields or k in fields)
        )
        if names:
            name = rng.choice(names)
            record[name] = wrong_value(record[name])
    return json.dumps(body).encode()


def _records_of(body: Any) -> list[dict[str, Any]]:
    """The records an answer carries: a list, v2.0's `data`, a sync's `entities`, or itself."""
    if isinstance(body, dict):
        for key in ("data", "entities"):
            if isinstance(body.get(key), list) and body[key]:
                return _records_of(body[key])
        return [body]
    return [r for r in body if isinstance(r, dict)] if isinstance(body, list) else []


def wrong_value(value: Any) -> Any:
    """A value of another JSON type than `value`'s, such as a sloppy integration would send."""
    if isinstance(value, bool):
        return WRONG_BOOLEAN
    if isinstance(value, int | float):
        return WRONG_NUMBER
    if isinstance(value, str):
        return WRONG_TEXT
    return WRONG_OBJECT
