"""A change made "in Procore" (the sandbox's edits) reaches Trestle by an incremental sync."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.ap_invoices.models import Vendor
from apps.procore_sandbox import edits, webhook_sender
from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync.engine_models import RunStatus, SyncRun
from apps.procore_sync.webhooks import webhooks_register
from apps.projects.models import Project
from apps.timecards.models import Employee

pytestmark = pytest.mark.django_db(transaction=True)
ENTITIES = ["employees", "projects", "vendors"]


def test_edits_in_procore_come_through_the_next_incremental_sync(procore, tenant):
    maria = procore.add(
        "users", first_name="Maria", last_name="Lopez", email_address="maria@acme.test",
        employee_id="E-1", is_employee=True, is_active=True,
    )  # fmt: skip
    sam = procore.add(
        "users", first_name="Sam", last_name="Reyes", email_address="sam@acme.test",
        employee_id="E-2", is_employee=True, is_active=True,
    )  # fmt: skip
    project = procore.add("projects", name="PJA", project_number="200", active=True)
    vendor = procore.add("vendors", name="Steel Co", is_active=True)
    first = procore.run("entities", tenant.owner, entities=ENTITIES)
    assert first.status == RunStatus.SUCCEEDED, first.error

    call_command("procore_sandbox_edit", "employee", str(maria.id), "--first-name", "Ana",
                 stdout=io.StringIO())  # fmt: skip
    edits.project_update(company=procore.company, project_id=project.id, name="Harbor Tower")
    edits.vendor_update(company=procore.company, vendor_id=vendor.id, is_active=False)
    # Changed behind the store's back, updated_at unmoved: an incremental run cannot see it.
    SandboxRecord.objects.filter(id=sam.id).update(
        data={**sam.data, "first_name": "Unseen"}, updated_at=timezone.now() - timedelta(days=1)
    )
    second = procore.run("entities", tenant.owner, entities=ENTITIES)

    assert second.status == RunStatus.SUCCEEDED, second.error
    names = dict(Employee.objects.values_list("employee_id", "first_name"))
    assert names == {"E-1": "Ana", "E-2": "Sam"}
    assert Project.objects.get(number="200").name == "Harbor Tower"
    assert Vendor.objects.get(name="Steel Co").active is False


def test_the_edit_command_sends_procore_s_webhook_before_it_exits(procore, tenant):
    webhooks_register(procore.connection)
    maria = procore.add(
        "users", first_name="Maria", last_name="Lopez", email_address="maria@acme.test",
        employee_id="E-1", is_employee=True, is_active=True,
    )  # fmt: skip
    webhook_sender.deliver_due()  # the create's delivery, out of the way
    SyncRun.objects.all().delete()
    out = io.StringIO()
    call_command("procore_sandbox_edit", "employee", str(maria.id), "--last-name", "Ortiz",
                 stdout=out)  # fmt: skip
    assert "Posted 1 webhook delivery(ies)." in out.getvalue()
    run = SyncRun.objects.get(trigger="webhook")
    assert run.flow == "webhook"
