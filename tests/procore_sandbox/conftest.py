"""A sandbox company with one project, an OAuth app and a live token, for API tests."""

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from apps.procore_sandbox import faults, oauth, registry, store
from apps.procore_sandbox.models import SandboxCompany, SandboxRecord, SandboxToken

BASE = "/procore-sandbox"


@dataclass
class Sandbox:
    client: Client
    company: SandboxCompany
    project: SandboxRecord
    token: SandboxToken

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        """Call the API as Trestle would: bearer token and the company header."""
        headers = {
            "Authorization": f"Bearer {self.token.access_token}",
            "Procore-Company-Id": str(self.company.id),
            **headers,
        }
        send = getattr(self.client, method.lower())
        if body is None:
            return send(f"{BASE}{path}", headers=headers)
        return send(
            f"{BASE}{path}", data=json.dumps(body), content_type="application/json", headers=headers
        )

    def add(self, resource: str, project: bool = True, **data: Any) -> SandboxRecord:
        return store.record_create(
            company=self.company,
            resource=resource,
            data=data,
            project_id=self.project.id if project else None,
        )


def make_sandbox(client: Client, name: str = "Acme Procore") -> Sandbox:
    app = registry.app_register()
    user = registry.user_create()
    company = registry.company_create(name=name, users=[user])
    project = store.record_create(
        company=company, resource="projects", data={"name": "Tower", "active": True}
    )
    return Sandbox(client, company, project, oauth.token_issue(app=app, user=user))


@pytest.fixture
def sandbox(db, client) -> Sandbox:
    faults.reset_faults()
    return make_sandbox(client)
