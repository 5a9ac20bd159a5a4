"""Office Integrations over the test client, with the sandbox serving OAuth over real HTTP."""

from urllib.parse import parse_qs, urlparse

import pytest

from apps.accounts.models import AuditEntry
from apps.offices.models import Office
from apps.procore_sandbox import oauth, registry, store
from apps.procore_sandbox.models import SandboxApp, SandboxUser
from apps.procore_sync.models import ConnectionStatus, ProcoreConnection
from apps.projects.models import Project

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox_company(live_server, settings):
    base = live_server.url + "/procore-sandbox"
    settings.PROCORE_API_URL = settings.PROCORE_LOGIN_URL = base
    settings.PROCORE_REDIRECT_URI = "http://testserver/procore/callback/"
    settings.SITE_URL = live_server.url
    registry.app_register()
    user = registry.user_create()
    return registry.company_create(name="Acme Procore", users=[user])


def start_connect(client, office) -> str:
    client.post(f"/settings/offices/{office.pk}/integrations/procore/toggle/", {"enabled": "on"})
    response = client.post(f"/settings/offices/{office.pk}/integrations/procore/connect/")
    return parse_qs(urlparse(response["Location"]).query)["state"][0]


def code_for_consent() -> str:
    grant = oauth.grant_create(
        app=SandboxApp.objects.get(), user=SandboxUser.objects.get(),
        redirect_uri="http://testserver/procore/callback/",
    )  # fmt: skip
    return grant.code


def connect(client, office, company) -> ProcoreConnection:
    state = start_connect(client, office)
    response = client.get("/procore/callback/", {"code": code_for_consent(), "state": state})
    assert response["Location"] == f"/settings/offices/{office.pk}/integrations/procore/company/"
    picker = client.get(response["Location"]).content.decode()
    assert "Acme Procore" in picker and "only company" in picker  # proposed, not chosen
    client.post(response["Location"], {"company_id": company.id})
    return ProcoreConnection.objects.get(office=office)


def test_an_owner_connects_an_office_and_picks_the_company(owner_client, tenant, sandbox_company):
    connection = connect(owner_client, tenant.office, sandbox_company)
    assert connection.status == ConnectionStatus.CONNECTED
    assert (connection.company_id, connection.procore_user_login) == (
        sandbox_company.id, "procore.demo@example.com",
    )  # fmt: skip
    page = owner_client.get(f"/settings/offices/{tenant.office.pk}/integrations/").content.decode()
    assert "procore.demo@example.com" in page and "Acme Procore" in page
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"procore.enabled", "procore.connected", "procore.company_chosen"} <= actions


def test_deny_on_the_consent_page_saves_nothing(owner_client, tenant, sandbox_company):
    state = start_connect(owner_client, tenant.office)
    response = owner_client.get("/procore/callback/", {"error": "access_denied", "state": state})
    assert response.status_code == 400 and "not connected" in response.content.decode()
    assert ProcoreConnection.objects.count() == 0


@pytest.mark.parametrize("state", ["", "forged-state"])
def test_a_missing_or_wrong_state_saves_nothing(owner_client, tenant, sandbox_company, state):
    start_connect(owner_client, tenant.office)
    response = owner_client.get("/procore/callback/", {"code": code_for_consent(), "state": state})
    assert response.status_code == 400
    assert ProcoreConnection.objects.count() == 0


def test_a_replayed_callback_is_refused(owner_client, tenant, sandbox_company):
    state = start_connect(owner_client, tenant.office)
    code = code_for_consent()
    owner_client.get("/procore/callback/", {"code": code, "state": state})
    again = owner_client.get("/procore/callback/", {"code": code, "state": state})
    assert again.status_code == 400 and ProcoreConnection.objects.count() == 1


def test_a_company_serves_one_office_only(owner_client, tenant, sandbox_company):
    connect(owner_client, tenant.office, sandbox_company)
    north = Office.objects.create(account=tenant.account, name="North")
    state = start_connect(owner_client, north)
    owner_client.get("/procore/callback/", {"code": code_for_consent(), "state": state})
    response = owner_client.post(
        f"/settings/offices/{north.pk}/integrations/procore/company/",
        {"company_id": sandbox_company.id},
    )
    assert f"already connected to your office {tenant.office.name}" in response.content.decode()
    assert ProcoreConnection.objects.get(office=north).company_id is None


def test_another_account_is_told_only_that_the_company_is_taken(
    client, owner_client, tenant, outsider, sandbox_company
):
    connect(owner_client, tenant.office, sandbox_company)
    client.force_login(outsider.owner)
    state = start_connect(client, outsider.office)
    client.get("/procore/callback/", {"code": code_for_consent(), "state": state})
    page = client.post(
        f"/settings/offices/{outsider.office.pk}/integrations/procore/company/",
        {"company_id": sandbox_company.id},
    ).content.decode()
    assert "already connected to Trestle elsewhere" in page and tenant.office.name not in page


def test_disconnect_revokes_and_keeps_links(owner_client, tenant, sandbox_company):
    connection = connect(owner_client, tenant.office, sandbox_company)
    owner_client.post(f"/settings/offices/{tenant.office.pk}/integrations/procore/disconnect/")
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED and connection.access_token == ""


def test_a_project_manager_maps_a_project_but_cannot_enable(
    client_as, tenant, sandbox_company, owner_client
):
    connect(owner_client, tenant.office, sandbox_company)
    tower = {"name": "Tower", "project_number": "77", "active": True}
    remote = store.record_create(company=sandbox_company, resource="projects", data=tower)
    project = Project.objects.create(office=tenant.office, number="77", name="Tower")
    pm = client_as("project_manager")
    page = pm.get(f"/settings/offices/{tenant.office.pk}/integrations/").content.decode()
    assert "Only an account owner or admin can enable or connect integrations." in page
    assert (
        pm.post(f"/settings/offices/{tenant.office.pk}/integrations/procore/toggle/").status_code
        == 403
    )
    options = pm.get(f"/projects/{project.pk}/procore/?edit=1&q=towe").content.decode()
    assert "77 Tower" in options
    pm.post(f"/projects/{project.pk}/procore/", {"procore_project": remote.id})
    assert f"#{remote.id}" in pm.get(f"/projects/{project.pk}/procore/").content.decode()
    assert "mapped" in pm.get("/projects/").content.decode()
    field = client_as("field")
    refused = field.post(f"/projects/{project.pk}/procore/", {"procore_project": remote.id})
    assert refused.status_code == 403
