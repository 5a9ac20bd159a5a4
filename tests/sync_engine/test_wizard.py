"""The import wizard: resumable steps, manual import or link with suggestions, sync settings."""

import pytest

from apps.accounts.models import AuditEntry
from apps.ap_invoices.models import ApQueue
from apps.procore_sync.engine_models import ExternalRef, ImportWizard, SyncRun, SyncSettings
from apps.projects.models import Project
from apps.timecards.models import Employee

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wizard_url(procore, tenant):
    cost_list = procore.add("standard_cost_code_lists", name="Main")
    procore.add("standard_cost_codes", under=cost_list.id, code="03", full_code="03",
                name="Concrete", parent_id=None)  # fmt: skip
    procore.add("users", first_name="Maria", last_name="Lopez", email_address="maria@acme.test",
                employee_id="E-1", is_employee=True, is_active=True)  # fmt: skip
    procore.add("users", first_name="Joe", last_name="Ng", email_address="joe@acme.test",
                employee_id="E-2", is_employee=True, is_active=True)  # fmt: skip
    procore.add("projects", name="Tower", project_number="77", active=True, address="")
    return f"/settings/offices/{tenant.office.pk}/integrations/procore/wizard/", cost_list


def test_the_wizard_resumes_at_its_step_after_logout(owner_client, tenant, wizard_url):
    url, cost_list = wizard_url
    owner_client.post(url, {"cost_code_list": cost_list.id})
    assert SyncSettings.objects.get(office=tenant.office).cost_code_list_id == cost_list.id
    owner_client.logout()
    owner_client.force_login(tenant.owner)
    page = owner_client.get(url).content.decode()
    assert "2. Employees" in page and ImportWizard.objects.get().step == 2


def test_manual_employees_are_imported_edited_or_linked_to_a_suggested_match(
    owner_client, tenant, procore, wizard_url
):
    url, cost_list = wizard_url
    owner_client.post(url, {"cost_code_list": cost_list.id})
    mine = Employee.objects.create(office=tenant.office, employee_id="E-2", last_name="Ng")
    owner_client.post(url, {"action": "manual"})
    page = owner_client.get(url).content.decode()
    assert "Link to Ng (E-2) (suggested)" in page  # the number tells namesakes apart
    maria, joe = (u["id"] for u in procore.records("users"))
    rows = {f"do_{maria}": "import", f"f_{maria}_last_name": "Lopez-Diaz"}
    owner_client.post(url, {"action": "rows", **rows, f"do_{joe}": f"link:{mine.pk}"})
    assert sorted(Employee.objects.values_list("last_name", flat=True)) == ["Lopez-Diaz", "Ng"]
    assert ExternalRef.objects.filter(procore_type="company_user").count() == 2
    assert "linked to" in owner_client.get(url).content.decode()


def test_a_project_without_address_is_flagged_and_needs_one(
    owner_client, tenant, procore, wizard_url
):
    url, cost_list = wizard_url
    owner_client.post(url, {"cost_code_list": cost_list.id})
    owner_client.post(url, {"action": "next"})
    owner_client.post(url, {"action": "manual"})
    page = owner_client.get(url).content.decode()
    assert "No address in Procore" in page
    (tower,) = (p["id"] for p in procore.records("projects"))
    owner_client.post(url, {"action": "rows", f"do_{tower}": "import", f"f_{tower}_number": "77"})
    assert Project.objects.count() == 0
    owner_client.post(url, {"action": "rows", f"do_{tower}": "import", f"f_{tower}_number": "77",
                            f"f_{tower}_address": "1 Main St"})  # fmt: skip
    assert Project.objects.get().address == "1 Main St"


def test_the_last_step_saves_settings_and_starts_the_first_sync(owner_client, tenant, wizard_url):
    url, _ = wizard_url
    ImportWizard.objects.create(office=tenant.office, step=5)
    response = owner_client.post(url, {
        "direction_employees": "both", "direction_vendors": "off", "flow_entities": "on",
        "flow_time": "on", "interval_entities": "15", "time_mode": "daily_logs",
        "ap_mode": "auto_route",
    })  # fmt: skip
    run = SyncRun.objects.get()
    assert response["Location"] == f"/sync/runs/{run.pk}/" and run.params == {"full": True}
    settings = SyncSettings.objects.get(office=tenant.office)
    assert settings.directions["employees"] == "both" and settings.directions["vendors"] == "off"
    assert settings.flows["entities"] and settings.flows["time"] and not settings.flows["cors"]
    assert settings.intervals["entities"] == 15
    queue = ApQueue.objects.get(office=tenant.office)  # the office had none: one is made
    assert settings.options == {"time_export": "daily_logs", "ap_import": "auto_route",
                                "ap_queue_id": queue.pk, "ap_allow_edit": False}  # fmt: skip
    entry = AuditEntry.objects.filter(action="procore.settings_changed").last()
    assert "directions" in entry.detail


def test_saving_the_settings_again_says_saved_and_starts_no_second_first_sync(
    owner_client, tenant, wizard_url
):
    url, _ = wizard_url
    ImportWizard.objects.create(office=tenant.office, step=5)
    choice = {"flow_entities": "on", "time_mode": "timesheets", "ap_mode": "auto_route"}
    first = owner_client.post(url, choice, follow=True).content.decode()
    assert "Sync settings saved. The first sync has started." in first
    assert "Save settings</button>" in owner_client.get(url).content.decode()
    again = owner_client.post(url, {**choice, "interval_entities": "30"})
    assert again["Location"] == url
    page = owner_client.get(url).content.decode()
    assert "Sync settings saved." in page and "first sync" not in page
    assert SyncRun.objects.count() == 1
    assert SyncSettings.objects.get(office=tenant.office).intervals["entities"] == 30


def test_the_settings_step_shows_the_intervals_the_scheduler_uses(owner_client, tenant, wizard_url):
    url, _ = wizard_url
    ImportWizard.objects.create(office=tenant.office, step=5)
    page = owner_client.get(url).content.decode()
    assert 'name="interval_entities" value="60"' in page
    assert 'name="interval_ap_invoices" value="30"' in page  # AP's default, not a flat 60
    assert 'name="interval_payments" value="30"' in page
