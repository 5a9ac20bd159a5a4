"""The seeded demo companies seen from Trestle over real HTTP: the demo login's consent and
company picker offer both, and Riverside Development's project has what a COR push reads."""

import io
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command

from apps.procore_sandbox import oauth, registry, seed
from apps.procore_sandbox.models import SandboxApp, SandboxCompany, SandboxRecord, SandboxUser
from apps.procore_sync.cor_push.catalog import catalog_for
from apps.procore_sync.models import ProcoreConnection
from apps.projects.models import Project

from .conftest import BASE

pytestmark = pytest.mark.django_db(transaction=True)
CALLBACK = "http://testserver/procore/callback/"


@pytest.fixture
def seeded(live_server, settings) -> None:
    settings.PROCORE_API_URL = settings.PROCORE_LOGIN_URL = live_server.url + BASE
    settings.PROCORE_REDIRECT_URI = CALLBACK
    settings.SITE_URL = live_server.url
    call_command("procore_sandbox_seed", projects=1, employees=2, stdout=io.StringIO())


def company_picker(client, office) -> str:
    """Connect `office` as the demo login; the company picker's address."""
    client.post(f"/settings/offices/{office.pk}/integrations/procore/toggle/", {"enabled": "on"})
    started = client.post(f"/settings/offices/{office.pk}/integrations/procore/connect/")
    state = parse_qs(urlparse(started["Location"]).query)["state"][0]
    user = SandboxUser.objects.get(login=registry.DEMO_LOGIN)
    grant = oauth.grant_create(app=SandboxApp.objects.get(), user=user, redirect_uri=CALLBACK)
    return client.get("/procore/callback/", {"code": grant.code, "state": state})["Location"]


def test_the_consent_page_names_both_companies_of_the_demo_login(client, seeded):
    query = {"client_id": SandboxApp.objects.get().client_id, "redirect_uri": CALLBACK}
    page = client.get(f"{BASE}/oauth/authorize", {**query, "response_type": "code"})
    text = page.content.decode()
    assert f"({registry.DEMO_LOGIN}): " in text
    assert seed.DEMO_COMPANY in text and seed.CUSTOMER_COMPANY in text


def test_the_customer_picks_riverside_development_and_finds_what_a_push_needs(
    owner_client, tenant, seeded
):
    picker = company_picker(owner_client, tenant.office)
    page = owner_client.get(picker).content.decode()
    assert seed.DEMO_COMPANY in page and seed.CUSTOMER_COMPANY in page
    assert "checked" not in page  # two companies: the person chooses
    riverside = SandboxCompany.objects.get(name=seed.CUSTOMER_COMPANY)
    owner_client.post(picker, {"company_id": riverside.id})
    connection = ProcoreConnection.objects.get(office=tenant.office)
    assert connection.company_id == riverside.id

    lofts = Project.objects.create(office=tenant.office, number="RD-1", name="Riverside Lofts")
    options = owner_client.get(f"/projects/{lofts.pk}/procore/?edit=1").content.decode()
    remote = SandboxRecord.objects.get(company=riverside, resource="projects")
    assert f'value="{remote.id}"' in options and "RD-1 Riverside Lofts" in options
    assert options.count("<option value=") == 1  # Riverside's projects only

    catalog = catalog_for(connection, remote.id, fresh=True)
    assert catalog.open_status_id() is not None
    contracts = {c["type"]: c for c in catalog.contracts if c["usable"]}
    assert set(contracts) == {"prime_contract", "commitment"}
    vendor = SandboxRecord.objects.get(pk=contracts["commitment"]["vendor_id"])
    assert vendor.data["name"] == "Demo Construction Co."
    assert {"26-100", "O"} <= {code for b in catalog.budget_codes for code in b["codes"]}
