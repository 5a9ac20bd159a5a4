import pytest

from apps.accounts.models import AuditEntry
from apps.ap_invoices.models import Vendor
from apps.projects.models import CostCode, Project, SubJob
from apps.timecards.models import Employee, WorkClassification

pytestmark = pytest.mark.django_db


def test_a_project_manager_creates_a_project_and_adds_sub_jobs(client_as, tenant):
    client = client_as("project_manager")
    response = client.post(
        "/projects/new/",
        {"office": tenant.office.pk, "number": "200", "name": "PJA", "active": "on"},
    )
    assert response.status_code == 302
    project = Project.objects.get(number="200")
    client.post(f"/projects/{project.pk}/", {"code": "005", "name": "SJB", "active": "on"})
    sub_job = SubJob.objects.get(project=project)
    assert (sub_job.full_code, sub_job.full_name) == ("200.005", "PJA.SJB")
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "200.005" in page and "PJA.SJB" in page
    actions = set(AuditEntry.objects.for_account(tenant.account).values_list("action", flat=True))
    assert {"project.created", "subjob.created"} <= actions


def test_a_duplicate_sub_job_code_is_refused_on_the_field(owner_client, tenant):
    project = Project.objects.create(office=tenant.office, number="200", name="PJA")
    SubJob.objects.create(office=tenant.office, project=project, code="005", name="SJB")
    response = owner_client.post(f"/projects/{project.pk}/", {"code": "005", "name": "Again"})
    assert response.status_code == 400
    assert "already has a sub-job 005" in response.content.decode()


def test_a_project_cannot_be_put_in_another_accounts_office(owner_client, outsider):
    response = owner_client.post(
        "/projects/new/", {"office": outsider.office.pk, "number": "1", "name": "Sneaky"}
    )
    assert response.status_code == 200 and not Project.objects.filter(name="Sneaky").exists()


def test_lists_search_and_hide_inactive_records(owner_client, tenant):
    Project.objects.create(office=tenant.office, number="200", name="Hospital")
    Project.objects.create(office=tenant.office, number="300", name="School", active=False)
    names = lambda url: [p.name for p in owner_client.get(url).context["object_list"]]  # noqa: E731
    assert names("/projects/") == ["Hospital"]
    assert names("/projects/?show=all") == ["Hospital", "School"]
    assert names("/projects/?show=all&q=scho") == ["School"]


def test_employee_form_offers_only_this_accounts_work_classifications(
    owner_client, tenant, outsider
):
    WorkClassification.objects.create(office=tenant.office, name="Carpenter")
    WorkClassification.objects.create(office=outsider.office, name="Theirs")
    form = owner_client.get("/settings/employees/new/").context["form"]
    assert [str(w) for w in form.fields["work_classification"].queryset] == ["Carpenter"]


def test_employees_cost_codes_and_vendors_are_created_from_their_pages(owner_client, tenant):
    office = tenant.office.pk
    owner_client.post("/settings/employees/new/", {"office": office, "last_name": "Lopez"})
    owner_client.post(
        "/settings/cost-codes/new/",
        {"office": office, "division_code": "03", "code": "03-100", "name": "Forming"},
    )
    owner_client.post("/settings/vendors/new/", {"office": office, "name": "Steel Co"})
    assert Employee.objects.for_account(tenant.account).get().last_name == "Lopez"
    assert CostCode.objects.for_account(tenant.account).get().division_code == "03"
    assert Vendor.objects.for_account(tenant.account).get().name == "Steel Co"
