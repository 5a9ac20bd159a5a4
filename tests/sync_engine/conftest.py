"""A Trestle office connected to a company of the embedded sandbox, served over real HTTP."""

import time
from dataclasses import dataclass
from typing import Any

import pytest

from apps.procore_sandbox import faults, oauth, registry, store
from apps.procore_sandbox.models import SandboxCompany, SandboxRecord
from apps.procore_sync.client.oauth import save_tokens
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import SyncRun, SyncSettings, Trigger
from apps.procore_sync.models import ProcoreConnection
from apps.procore_sync.runs import run_queue


@dataclass
class Procore:
    company: SandboxCompany
    connection: ProcoreConnection
    settings: SyncSettings

    def add(
        self, resource: str, project_id: int | None = None, under: int | None = None, **data
    ) -> SandboxRecord:
        """A record as Procore holds it; `under` is its parent in the URL (e.g. the code list)."""
        return store.record_create(
            company=self.company,
            resource=resource,
            data=data,
            project_id=project_id,
            parent_id=under,
        )

    def change(self, record: SandboxRecord, **changes: Any) -> SandboxRecord:
        return store.record_update(record, changes)

    def run(self, flow: str, user, **params) -> SyncRun:
        """Queue a run of the office and execute it here, as the worker would."""
        run = run_queue(
            office=self.connection.office,
            flow=flow,
            trigger=Trigger.USER,
            user=user,
            params=params,
            enqueue=lambda run_id: None,
        )
        return run_execute(run.pk)

    def records(self, resource: str) -> list[dict]:
        rows = SandboxRecord.objects.filter(
            company=self.company, resource=resource, deleted_at__isnull=True
        )
        return [{**r.data, "id": r.id} for r in rows.order_by("id")]


@pytest.fixture
def procore(live_server, settings, tenant) -> Procore:
    base = live_server.url + "/procore-sandbox"
    settings.PROCORE_API_URL = settings.PROCORE_LOGIN_URL = base
    settings.SITE_URL = live_server.url
    faults.reset_faults()
    app = registry.app_register()
    user = registry.user_create()
    company = registry.company_create(name="Acme Procore", users=[user])
    token = oauth.token_issue(app=app, user=user)
    connection = ProcoreConnection.objects.create(
        office=tenant.office, company_id=company.id, company_name=company.name
    )
    save_tokens(
        connection,
        {
            "access_token": token.access_token,
            "refresh_token": token.refresh_token,
            "expires_in": 5400,
            "created_at": int(time.time()),
        },
    )
    sync_settings, _ = SyncSettings.objects.get_or_create(office=tenant.office)
    return Procore(company=company, connection=connection, settings=sync_settings)
