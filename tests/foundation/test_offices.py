import pytest

from apps.accounts.models import AuditEntry
from apps.accounts.tenancy import MissingAccountError
from apps.offices.models import Office

pytestmark = pytest.mark.django_db

NEW_OFFICE = {
    "name": "North Yard",
    "address": "1 Yard Rd",
    "city": "Tulsa",
    "state": "OK",
    "zip_code": "74101",
    "phone": "",
    "time_zone": "America/Chicago",
}


def test_an_owner_creates_an_office_and_it_is_audited(owner_client, tenant):
    response = owner_client.post("/settings/offices/new/", NEW_OFFICE)
    office = Office.objects.get(name="North Yard")
    assert response["Location"] == f"/settings/offices/{office.pk}/"
    assert office.account == tenant.account
    entry = AuditEntry.objects.for_account(tenant.account).get(action="office.created")
    assert entry.actor == tenant.owner and entry.target_id == str(office.pk)


def test_a_duplicate_office_name_is_refused_on_the_field(owner_client, tenant):
    response = owner_client.post(
        "/settings/offices/new/", {**NEW_OFFICE, "name": "acme builders hq"}
    )
    assert response.status_code == 200
    assert "already has an office named" in response.content.decode()
    assert Office.objects.for_account(tenant.account).count() == 1


def test_another_account_may_use_the_same_office_name(owner_client, outsider):
    owner_client.post("/settings/offices/new/", {**NEW_OFFICE, "name": outsider.office.name})
    assert Office.objects.filter(name=outsider.office.name).count() == 2


def test_editing_an_office_records_what_changed(owner_client, tenant):
    data = {**NEW_OFFICE, "name": tenant.office.name, "city": "Houston"}
    owner_client.post(f"/settings/offices/{tenant.office.pk}/edit/", data)
    entry = AuditEntry.objects.for_account(tenant.account).get(action="office.updated")
    assert entry.detail["city"] == {"from": "Austin", "to": "Houston"}


def test_invalid_input_keeps_what_the_user_typed(owner_client, tenant):
    response = owner_client.post(
        f"/settings/offices/{tenant.office.pk}/edit/", {**NEW_OFFICE, "time_zone": "Mars/Base"}
    )
    assert response.status_code == 200
    assert 'value="1 Yard Rd"' in response.content.decode()
    tenant.office.refresh_from_db()
    assert tenant.office.address == ""


def test_a_tenant_query_without_an_account_fails_loudly():
    with pytest.raises(MissingAccountError):
        Office.objects.for_account(None)


def test_the_audit_log_filters_by_action_and_date(owner_client, tenant):
    owner_client.post("/settings/offices/new/", NEW_OFFICE)
    page = owner_client.get("/settings/audit-log/?action=office.").context["page"]
    assert [e.action for e in page] == ["office.created"]
    page = owner_client.get("/settings/audit-log/?date_to=2000-01-01").context["page"]
    assert list(page) == []
