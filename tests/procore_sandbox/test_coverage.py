"""Every operation of procore-openapi-subset.json is served, and every read works on demo data."""

import re

import pytest

from apps.procore_sandbox import faults, oas, oauth, registry, resources, seed, special, store
from apps.procore_sandbox.models import SandboxRecord

from .conftest import BASE

SAMPLE_RESOURCE = {
    "project_id": "projects",
    "hook_id": "webhook_hooks",
    "segment_id": "wbs_segments",
    "custom_field_definition_id": "custom_field_definitions",
    "prime_contract_id": "prime_contracts",
    "work_order_contract_id": "work_order_contracts",
    "purchase_order_contract_id": "purchase_order_contracts",
    "requisition_id": "requisitions",
    "contract_id": "work_order_contracts",
    "standard_cost_code_list_id": "projects",  # any id: the demo has no standard lists
}


def test_every_oas_operation_has_a_handler():
    unserved = [
        (op.method, op.template)
        for op in oas.operations()
        if not op.template.startswith("/oauth/")
        and (op.method, op.template) not in special.HANDLERS
        and resources.resolve(op.method, op.template) is None
    ]
    assert len(oas.operations()) == 205
    assert unserved == []


@pytest.fixture
def demo(db, client):
    company = seed.seed_demo(seed.Sizes(projects=1, employees=5, vendors=3))
    token = oauth.token_issue(app=registry.app_register(), user=registry.user_create())
    return company, token


def _sample(company, name: str) -> int:
    """An id of `name` in the company; one is made (in the first project) if the demo has none."""
    found = SandboxRecord.objects.filter(company=company, resource=name).first()
    if found is None:
        project = SandboxRecord.objects.filter(company=company, resource="projects").first()
        found = store.record_create(company=company, resource=name, data={}, project_id=project.id)
    return found.id


def _url(op: oas.Operation, company) -> str:
    values = {
        "company_id": company.id,
        **{k: _sample(company, v) for k, v in SAMPLE_RESOURCE.items()},
    }
    resolved = resources.resolve(op.method, op.template)
    if resolved and "{id}" in op.template:
        resource = resolved[0]
        values["id"] = _sample(company, resource.name)
    path = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), op.template)
    query = "&".join(
        f"{p['name']}={values.get(p['name'], 'v4.0')}"
        for p in op.query_params()
        if p.get("required")
    )
    return f"{BASE}{path}?{query}"


def test_every_read_answers_json_on_the_demo_company(client, demo):
    company, token = demo
    faults.set_faults(rate_limit_spike=10_000, rate_limit_hourly=10**6)  # ~130 calls at once
    headers = {
        "Authorization": f"Bearer {token.access_token}",
        "Procore-Company-Id": str(company.id),
    }
    failures = []
    for op in oas.operations():
        if op.method != "get" or op.template.startswith("/oauth/"):
            continue
        response = client.get(_url(op, company), headers=headers)
        if response.status_code != 200:
            failures.append((op.template, response.status_code, response.content[:200]))
        else:
            response.json()
    assert failures == []
