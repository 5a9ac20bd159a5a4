"""The request half of Procore's published contract: what a caller may send to an operation.

procore-openapi-subset.json declares, per operation, its query parameters, its headers and its
body schema. Procore's Rails controllers drop what they do not know, so a misspelt field is lost
without a word (a line item's `budget_code` sent where the PATCH schema names `wbs_code_id`
lands with no budget code). The sandbox is stricter on purpose: anything undeclared is a 422
naming it, so such a request fails in tests instead of in a customer's Procore.

The same checks serve the sandbox (one request, as it arrives) and the suite's contract audit
(every request Trestle sent, checked after the fact): `request_errors`.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from . import oas, validation

COMPANY_HEADER = "#/components/parameters/ProcoreCompanyId"


def _declared_query(op: oas.Operation) -> dict[str, dict[str, Any]]:
    return {param["name"]: param for param in op.query_params()}


def _accepts(declared: Mapping[str, dict[str, Any]], name: str) -> bool:
    """`filters[id][]=1` fits a declared array `filters[id]`, and `filters[id]=1` one declared
    as `filters[id][]` (Rails reads both spellings of an array parameter)."""
    if name in declared:
        return True
    if name.endswith("[]") and name[:-2] in declared:
        return declared[name[:-2]].get("schema", {}).get("type") == "array"
    return f"{name}[]" in declared


def query_errors(op: oas.Operation, names: Iterable[str]) -> dict[str, list[str]]:
    """Query parameters the operation does not declare."""
    declared = _declared_query(op)
    return {
        name: ["is not a parameter of this operation"]
        for name in names
        if not _accepts(declared, name)
    }


def enum_errors(op: oas.Operation, query: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Values of enumerated query parameters (`view`, `filters[by_status]`) outside the list."""
    errors = {}
    for name, param in _declared_query(op).items():
        allowed = param.get("schema", {}).get("enum")
        if not allowed:
            continue
        wrong = [v for v in query.get(name, ()) if v not in {str(a) for a in allowed}]
        if wrong:
            errors[name] = [f"must be one of {', '.join(map(str, allowed))}"]
    return errors


def required_query_errors(
    op: oas.Operation, query: Mapping[str, Any], body: Mapping[str, Any]
) -> dict[str, list[str]]:
    """Required query parameters that are missing. §3.2: company_id/project_id may come from
    the body instead; §10.1: the webhook API takes either of the two, not both."""
    errors = {}
    required = [p["name"] for p in op.query_params() if p.get("required")]
    scopes = [name for name in required if name in validation.SCOPE_KEYS]
    for name in required:
        if name in scopes:
            continue
        if not query.get(name):
            errors[name] = ["is missing"]
    if scopes and not any(query.get(name) or body.get(name) for name in scopes):
        errors[" or ".join(scopes)] = ["is missing"]
    return errors


def header_errors(op: oas.Operation, headers: Mapping[str, str]) -> dict[str, list[str]]:
    refs = [p.get("$ref") for p in op.spec.get("parameters", [])]
    if COMPANY_HEADER in refs and not headers.get("Procore-Company-Id"):
        return {"Procore-Company-Id": ["header is missing"]}
    return {}


def request_errors(
    method: str,
    path: str,
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    body: Any,
) -> dict[str, list[str]]:
    """Everything wrong with one request against the published contract; empty when it fits.

    `path` starts at `/rest/` (or `/oauth/`), `query` maps each name to its values, `headers`
    is case-insensitive (a requests or Django header mapping), `body` is the parsed JSON.
    """
    op, params, _ = oas.match(method, path)
    if op is None:
        return {"path": [f"{method} {path} is not an operation of the published API"]}
    body = body if isinstance(body, dict) else {}
    scoped = {**{k: v[0] for k, v in query.items() if v}, **params}
    return (
        query_errors(op, query)
        | enum_errors(op, query)
        | required_query_errors(op, scoped, body)
        | header_errors(op, headers)
        | (validation.body_errors(op, body) if method.upper() not in ("GET", "DELETE") else {})
    )
