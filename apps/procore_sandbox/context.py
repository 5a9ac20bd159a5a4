"""One API call's context: who calls, in which company and project, with which body.

procore-api.md §3.1: `Procore-Company-Id` is required wherever the OAS lists it; a missing
header answers 404 (observed in production) with the message the docs show. §3.2: company and
project may come from the path, the query or the body.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict

from . import contract, oas, validation
from .http import ApiError
from .models import SandboxCompany, SandboxRecord, SandboxToken

SCOPE_KEYS = ("company_id", "project_id")
NOT_CONNECTED = "App is not connected to this company."


@dataclass
class Context:
    request: HttpRequest
    op: oas.Operation
    path: dict[str, str]
    token: SandboxToken
    body: dict[str, Any] = field(default_factory=dict)
    files: list[Any] = field(default_factory=list)
    company: SandboxCompany | None = None
    item_errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def query(self) -> QueryDict:
        return self.request.GET

    @property
    def v2(self) -> bool:
        return self.op.template.startswith("/rest/v2")

    def param(self, name: str) -> str | None:
        """A parameter from the path, the query or the top of the body, in that order."""
        value = self.path.get(name) or self.query.get(name) or self.body.get(name)
        return None if value in (None, "") else str(value)

    def int_param(self, name: str) -> int | None:
        value = self.param(name)
        if value is None:
            return None
        if not value.isdigit():
            raise ApiError(404, "Item not found")
        return int(value)

    def require_company(self) -> SandboxCompany:
        if self.company is None:
            raise ApiError(404, "Missing Procore-Company-Id header!")
        return self.company

    def project(self, *, required: bool) -> SandboxRecord | None:
        """The project named by `project_id`; it must belong to the company."""
        project_id = self.int_param("project_id")
        if project_id is None:
            if required:
                raise ApiError(400, "param is missing or the value is empty: project_id")
            return None
        project = SandboxRecord.objects.filter(
            id=project_id, company=self.require_company(), resource="projects", deleted_at=None
        ).first()
        if project is None:
            raise ApiError(404, "Item not found")
        return project


def build(
    request: HttpRequest, op: oas.Operation, path: dict[str, str], token: SandboxToken
) -> Context:
    ctx = Context(request=request, op=op, path=path, token=token)
    ctx.body, ctx.files = _parse_body(request)
    ctx.company = _company(ctx)
    _check_required_query(ctx)
    query = {name: request.GET.getlist(name) for name in request.GET}
    errors = contract.query_errors(op, query) | contract.enum_errors(op, query)
    if request.method != "GET":
        errors |= validation.body_errors(op, ctx.body)
    if op.template.endswith("/sync"):  # §3.7: a bad item is reported in `errors`, not a 422
        errors = _split_items(errors, ctx.item_errors)
    if errors:
        raise ApiError(422, "Validation failed", errors)
    return ctx


def _split_items(errors: dict[str, list[str]], items: dict[int, dict]) -> dict[str, list[str]]:
    """Move `updates.<n>.<field>` errors to item n; return the errors left for the request."""
    rest = {}
    for path, messages in errors.items():
        head, _, tail = path.partition(".")
        index, _, field_name = tail.partition(".")
        if head == "updates" and index.isdigit():
            items.setdefault(int(index), {})[field_name or "base"] = messages
        else:
            rest[path] = messages
    return rest


def _company(ctx: Context) -> SandboxCompany | None:
    header = ctx.request.headers.get("Procore-Company-Id")
    if header is None and ctx.op.company_header_required:
        raise ApiError(404, "Missing Procore-Company-Id header!")
    given = {str(v) for v in (header, ctx.path.get("company_id"), ctx.param("company_id")) if v}
    if not given:
        return None
    if len(given) > 1 or not next(iter(given)).isdigit():
        raise ApiError(404, "Item not found")
    company = SandboxCompany.objects.filter(id=int(given.pop()), users=ctx.token.user).first()
    if company is None:  # §3.6: the documented answer when the caller has no access
        raise ApiError(403, NOT_CONNECTED, [NOT_CONNECTED])
    return company


def _check_required_query(ctx: Context) -> None:
    if ctx.request.method not in ("GET", "DELETE"):
        return
    for param in ctx.op.query_params():
        name = param["name"]
        if param.get("required") and name not in SCOPE_KEYS and ctx.param(name) is None:
            raise ApiError(400, f"param is missing or the value is empty: {name}")


def _parse_body(request: HttpRequest) -> tuple[dict[str, Any], list[Any]]:
    """JSON, or Rails-style form fields (`user[last_name]`, `attachments[]`) for multipart."""
    if request.method in ("GET", "HEAD"):
        return {}, []
    if request.content_type == "application/json" or not request.content_type.startswith(
        ("multipart/", "application/x-www-form-urlencoded")
    ):
        if not request.body:
            return {}, []
        try:
            body = json.loads(request.body)
        except ValueError as error:
            raise ApiError(400, "Malformed JSON in request body") from error
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object")
        return body, []
    return _unflatten(request.POST), request.FILES.getlist("attachments[]")


def _unflatten(form: MultiValueDict) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, values in form.lists():
        is_list = key.endswith("[]")
        parts = (key[:-2] if is_list else key).replace("]", "").split("[")
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = values if is_list else values[-1]
    return result
