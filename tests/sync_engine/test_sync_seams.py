"""What Sync Activity, the company picker and the project mapping show (issue 19): every flow
by name, the COR section lit on +PROCORE, taken companies and Procore projects marked."""

import re

import pytest

from apps.core.labels import LABELS, label
from apps.offices.models import Office
from apps.procore_sandbox import registry
from apps.procore_sandbox.models import SandboxUser
from apps.procore_sync.engine import FLOWS
from apps.procore_sync.engine_models import SyncRun
from apps.procore_sync.models import ConnectionStatus, ProcoreConnection
from apps.procore_sync.project_mapping import project_map, project_mapping
from apps.projects.models import Project
from tests.sync_engine.conftest import procore  # noqa: F401  (the fixture)
from tests.sync_engine.test_connect import (  # noqa: F401  (the fixture)
    code_for_consent,
    connect,
    sandbox_company,
    start_connect,
)

pytestmark = pytest.mark.django_db(transaction=True)


def active_nav(page: str) -> list[str]:
    return re.findall(r'<a href="[^"]*" class="active">([^<]+)</a>', page)


def test_the_flow_filter_offers_every_flow_the_engine_runs_by_its_name(owner_client):
    page = owner_client.get("/sync/").content.decode()
    offered = re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]+)</option>', page)
    flows = {value: name for value, name in offered if value in FLOWS}
    assert set(flows) == set(FLOWS) and set(FLOWS) <= set(LABELS)
    assert all(name == LABELS[flow] and "_" not in name for flow, name in flows.items())


def test_a_flow_without_a_name_still_reads_as_words():
    assert label("some_new_flow") == "Some new flow"


def test_the_cor_push_page_lights_the_cor_log_not_sync_activity(owner_client):
    assert active_nav(owner_client.get("/sync/cor-push/").content.decode()) == ["COR Log"]
    assert active_nav(owner_client.get("/sync/").content.decode()) == ["Sync Activity"]


def second_office_picks(client, office, company):
    """Sign `office` in to Procore and try to take `company`: what the picker showed, then
    what the POST answered."""
    state = start_connect(client, office)
    client.get("/procore/callback/", {"code": code_for_consent(), "state": state})
    url = f"/settings/offices/{office.pk}/integrations/procore/company/"
    return client.get(url).content.decode(), client.post(url, {"company_id": company.id})


def test_a_company_held_by_another_office_is_shown_but_cannot_be_chosen(
    owner_client,
    tenant,
    sandbox_company,  # noqa: F811
):
    connect(owner_client, tenant.office, sandbox_company)
    free = registry.company_create(name="Free Co", users=[SandboxUser.objects.get()])
    north = Office.objects.create(account=tenant.account, name="North")
    picker, refused = second_office_picks(owner_client, north, sandbox_company)
    taken = re.search(rf'value="{sandbox_company.id}"[^>]*>', picker).group(0)
    assert "disabled" in taken and "checked" not in taken
    assert f'Acme Procore <span class="muted">(connected to {tenant.office})</span>' in picker
    assert "disabled" not in re.search(rf'value="{free.id}"[^>]*>', picker).group(0)
    assert refused.status_code == 400  # a forged POST is still refused


def test_a_refused_company_leaves_the_office_plainly_not_connected_yet(
    owner_client,
    tenant,
    sandbox_company,  # noqa: F811
):
    connect(owner_client, tenant.office, sandbox_company)
    north = Office.objects.create(account=tenant.account, name="North")
    picker, refused = second_office_picks(owner_client, north, sandbox_company)
    assert 'id="no-free-company"' in picker and "Use this company" not in picker
    assert f"already connected to your office {tenant.office}" in refused.content.decode()
    connection = ProcoreConnection.objects.get(office=north)
    assert (connection.company_id, connection.status) == (None, ConnectionStatus.CONNECTED)
    page = owner_client.get(f"/settings/offices/{north.pk}/integrations/").content.decode()
    status = page[page.index('id="connection"') :].split("</dl>")[0]
    assert "Company not chosen" in status and "Connected" not in status
    assert "No company chosen: Acme Procore is already connected" in status
    activity = owner_client.get("/sync/").content.decode()
    card = activity[activity.index(f'id="health-{connection.pk}"') :]
    assert "Company not chosen" in card.split("</section>")[0]
    assert f"/sync/offices/{north.pk}/run/" not in activity  # no Run now without a company


def test_another_account_sees_the_company_taken_without_the_office_name(
    client,
    owner_client,
    tenant,
    outsider,
    sandbox_company,  # noqa: F811
):
    connect(owner_client, tenant.office, sandbox_company)
    client.force_login(outsider.owner)
    picker, _ = second_office_picks(client, outsider.office, sandbox_company)
    assert "(connected to Trestle elsewhere)" in picker and tenant.office.name not in picker


def test_the_picker_of_another_accounts_office_is_not_found(client, outsider, tenant):
    client.force_login(tenant.owner)
    url = f"/settings/offices/{outsider.office.pk}/integrations/procore/company/"
    assert client.get(url).status_code == 404


def test_procore_projects_mapped_elsewhere_are_marked_and_not_offered(
    owner_client,
    tenant,
    procore,  # noqa: F811
):
    tower = procore.add("projects", name="Tower", project_number="77", active=True)
    annex = procore.add("projects", name="Annex", project_number="78", active=True)
    first = Project.objects.create(office=tenant.office, number="200", name="First")
    second = Project.objects.create(office=tenant.office, number="300", name="Second")
    project_map(project=first, procore_project={"id": tower.id, "name": "Tower"}, user=tenant.owner)

    page = owner_client.get(f"/projects/{second.pk}/procore/?edit=1").content.decode()
    assert f'<option value="{tower.id}" disabled>77 Tower (mapped to {first})</option>' in page
    assert f'<option value="{annex.id}">78 Annex</option>' in page
    own = owner_client.get(f"/projects/{first.pk}/procore/?edit=1").content.decode()
    assert f'<option value="{tower.id}" selected>77 Tower (this project)</option>' in own

    owner_client.post(f"/projects/{second.pk}/procore/", {"procore_project": tower.id})
    assert project_mapping(second) is None  # a forged choice is still refused
    assert project_mapping(first).procore_id == tower.id


def test_runs_show_their_flow_by_name(owner_client, tenant):
    run = SyncRun.objects.create(office=tenant.office, flow="daily_logs", trigger="user")
    listed = owner_client.get("/sync/").content.decode()
    row = listed[listed.index(f'id="run-{run.pk}"') :].split("</tr>")[0]
    detail = owner_client.get(f"/sync/runs/{run.pk}/").content.decode()
    for text in (row, detail.split("</h1>")[0]):
        assert LABELS["daily_logs"] in text and "daily_logs" not in text
