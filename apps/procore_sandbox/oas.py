"""Procore's OpenAPI subset (a verbatim copy of shared/procore/procore-openapi-subset.json).

The sandbox serves exactly the operations listed there: this module finds the operation for a
request path and exposes what the views need from it (parameters, body schema, success status).
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).parent / "openapi" / "procore-openapi-subset.json"
METHODS = ("get", "post", "patch", "put", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    spec: dict[str, Any]

    @property
    def success_status(self) -> int:
        return min(int(code) for code in self.spec["responses"] if code.startswith("2"))

    @property
    def paginated(self) -> bool:
        """procore-api.md §3.3: only list endpoints documented with `Total`/`Link` paginate."""
        ok = self.spec["responses"].get(str(self.success_status), {})
        return "Total" in ok.get("headers", {})

    @property
    def company_header_required(self) -> bool:
        refs = [p.get("$ref", "") for p in self.spec.get("parameters", [])]
        return "#/components/parameters/ProcoreCompanyId" in refs

    def query_params(self) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p.get("in") == "query"]

    def body_schema(self) -> dict[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        for media in content.values():
            return media.get("schema")
        return None

    def response_schema(self) -> dict[str, Any] | None:
        ok = self.spec["responses"].get(str(self.success_status), {})
        return ok.get("content", {}).get("application/json", {}).get("schema")


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())


@cache
def _routes() -> list[tuple[re.Pattern[str], str, int]]:
    """Templates as regexes, literal segments before `{params}` (`/projects/sync` over `{id}`)."""
    routes = []
    for template in spec()["paths"]:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        routes.append((re.compile(f"^{pattern}$"), template, template.count("{")))
    return sorted(routes, key=lambda route: route[2])


def match(method: str, path: str) -> tuple[Operation | None, dict[str, str], bool]:
    """(operation, path params, path_known): path_known tells a 405 from a 404."""
    path_known = False
    for regex, template, _ in _routes():
        found = regex.match(path)
        if not found:
            continue
        path_known = True
        op = spec()["paths"][template].get(method.lower())
        if op is not None:
            return Operation(method.lower(), template, op), found.groupdict(), True
    return None, {}, path_known


def operations() -> list[Operation]:
    return [
        Operation(method, template, op)
        for template, ops in spec()["paths"].items()
        for method, op in ops.items()
        if method in METHODS
    ]
