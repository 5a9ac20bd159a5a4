"""What starts an ap_import run: a Procore webhook, the schedule, Retry failed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.ap_invoices.models import Commitment
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import ExternalRef, SyncRun
from apps.procore_sync.runs import run_retry_failed
from apps.procore_sync.schedules import queue_due_runs
from apps.procore_sync.webhooks import webhooks_register

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_commitment_webhook_event_imports_that_contract_through_a_webhook_run(client, books):
    webhooks_register(books.procore.connection)
    books.procore.settings.refresh_from_db()
    event = {
        "id": 9,
        "ulid": "01AP",
        "event_type": "update",
        "resource_name": "Work Order Contracts",
        "resource_id": books.subcontract_id,
        "project_id": books.procore_project_id,
        "company_id": books.procore.company.id,
        "api_version": "v2.0",
    }
    url = f"/procore/webhooks/{books.procore.settings.webhook_token}/"
    (hook,) = books.procore.records("webhook_hooks")  # its headers, as Procore would send them
    auth = hook["destination_headers"]["Authorization"]
    response = client.post(url, event, content_type="application/json", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200
    run = SyncRun.objects.get(trigger="webhook")
    assert run.flow == "webhook"
    assert run_execute(run.pk).status == "succeeded"
    link = ExternalRef.objects.get(procore_type="commitment")
    assert (link.procore_id, link.object_id) == (books.subcontract_id, Commitment.objects.get().pk)


def test_the_schedule_imports_unless_the_office_imports_by_hand(books):
    assert queue_due_runs(enqueue=lambda run_id: None) == 1
    assert SyncRun.objects.get(trigger="schedule").flow == "ap_import"
    books.configure("manual")
    settings = books.procore.settings
    settings.last_scheduled = {"ap_invoices": (timezone.now() - timedelta(hours=2)).isoformat()}
    settings.save()
    assert queue_due_runs(enqueue=lambda run_id: None) == 0


def test_retry_failed_reads_every_approved_invoice_again(books):
    books.requisition(files=((b"not a pdf", 0),))
    run = books.run()
    assert run.counts.get("failed") == 1
    retry = run_retry_failed(run=run, user=books.tenant.owner, enqueue=lambda run_id: None)
    assert retry.flow == "ap_import"
    assert retry.params == {"full": True, "retry_of": run.pk, "origin_run": run.pk}
