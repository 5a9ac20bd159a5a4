"""`manage.py procore_sandbox_seed`: the demo companies, their sizes, idempotence, determinism."""

import io

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from apps.procore_sandbox import oauth, registry, seed
from apps.procore_sandbox.models import (
    SandboxApp,
    SandboxAttachment,
    SandboxCompany,
    SandboxRecord,
)

from .conftest import BASE


def _data(resource: str, company: str = seed.DEMO_COMPANY) -> list[dict]:
    rows = SandboxRecord.objects.filter(resource=resource, company__name=company).order_by("id")
    return [row.data for row in rows]


def _ids(company: str) -> list[int]:
    return sorted(SandboxRecord.objects.filter(company__name=company).values_list("id", flat=True))


def _seed(**options) -> None:
    call_command("procore_sandbox_seed", stdout=io.StringIO(), **options)


@pytest.mark.django_db
def test_the_demo_company_has_what_the_sync_imports():
    _seed(projects=2, employees=250)
    company = SandboxCompany.objects.get(name=seed.DEMO_COMPANY)
    users = _data("users")
    employees = [u for u in users if u["is_employee"]]
    requisitions = _data("requisitions")
    assert SandboxApp.objects.filter(client_id="trestle-local-client").exists()
    assert company.users.filter(login=registry.DEMO_LOGIN).exists()
    assert len(_data("projects")) == 2 and len(_data("sub_jobs")) == 6
    assert len(employees) == 250 and len(_data("people")) == 250
    assert all(e["work_classification_id"] for e in employees)
    assert "labor" in {t["base_type"] for t in _data("line_item_types")}
    assert {c["parent"] is None for c in _data("cost_codes")} == {True, False}  # divisions
    assert {r["status"] for r in requisitions} == {"approved", "approved_as_noted"}
    assert len(_data("custom_field_definitions")) == 3
    assert len(_data("configurable_field_sets")) == 1
    for resource in ("wbs_codes", "prime_contracts", "work_order_contracts", "crews", "vendors"):
        assert _data(resource), resource
    assert {s["name"] for s in _data("change_event_statuses")} == {"Open", "Pending", "Closed"}
    assert len(_data("timecard_time_types")) == 3


@pytest.mark.django_db
def test_if_empty_leaves_a_seeded_sandbox_alone():
    _seed(projects=1, employees=3)
    before = SandboxRecord.objects.count()
    _seed(if_empty=True, projects=4)
    assert SandboxRecord.objects.count() == before


@pytest.mark.django_db
def test_a_re_run_replaces_the_demo_company_with_the_same_data():
    _seed(projects=2, employees=10, seed=7)
    first = [_data(r) for r in ("users", "projects", "vendors", "requisitions")]
    _seed(projects=2, employees=10, seed=7)
    second = [_data(r) for r in ("users", "projects", "vendors", "requisitions")]
    assert SandboxCompany.objects.filter(name=seed.DEMO_COMPANY).count() == 1
    assert SandboxCompany.objects.count() == 2  # and the customer's

    def without_ids(rows):
        return [
            [
                {k: v for k, v in row.items() if not k.endswith("id") and k != "attachments"}
                for row in rs
            ]
            for rs in rows
        ]

    assert without_ids(first) == without_ids(second)


@pytest.mark.django_db
def test_invoices_carry_a_valid_pdf_served_by_url(client):
    _seed(projects=1, employees=2)
    company = SandboxCompany.objects.get(name=seed.DEMO_COMPANY)
    project = SandboxRecord.objects.get(resource="projects", company=company)
    token = oauth.token_issue(app=registry.app_register(), user=registry.user_create())
    headers = {
        "Authorization": f"Bearer {token.access_token}",
        "Procore-Company-Id": str(company.id),
    }
    invoices = client.get(
        f"{BASE}/rest/v1.1/requisitions?project_id={project.id}", headers=headers
    ).json()
    attachment = invoices[0]["attachments"][0]
    pdf = client.get(attachment["url"].replace("http://testserver", ""))
    assert attachment["url"].startswith("http://testserver/procore-sandbox/attachments/")
    assert pdf["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 1
    assert invoices[0]["vendor_name"] and invoices[0]["total_claimed_amount"]


@pytest.mark.django_db
def test_the_demo_login_works_in_the_contractors_and_the_customers_company():
    _seed(projects=1, employees=2)
    companies = SandboxCompany.objects.filter(users__login=registry.DEMO_LOGIN)
    assert set(companies.values_list("name", flat=True)) == {
        seed.DEMO_COMPANY,
        seed.CUSTOMER_COMPANY,
    }
    [lofts] = _data("projects", seed.CUSTOMER_COMPANY)
    assert (lofts["project_number"], lofts["name"]) == ("RD-1", "Riverside Lofts")
    assert [v["name"] for v in _data("vendors", seed.CUSTOMER_COMPANY)] == ["Demo Construction Co."]


@pytest.mark.django_db
def test_if_empty_adds_a_missing_demo_company_and_leaves_the_other_alone():
    _seed(projects=1, employees=3)
    contractor = _ids(seed.DEMO_COMPANY)
    customer = SandboxCompany.objects.get(name=seed.CUSTOMER_COMPANY)
    SandboxAttachment.objects.filter(record__company=customer).delete()
    customer.delete()
    _seed(if_empty=True, projects=4)
    assert _ids(seed.DEMO_COMPANY) == contractor
    assert len(_data("projects", seed.CUSTOMER_COMPANY)) == 1
    _seed(if_empty=True)
    assert SandboxCompany.objects.count() == 2
