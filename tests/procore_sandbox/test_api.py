"""The API host through Django's test client: scoping, pagination, filters, validation, shapes."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.procore_sandbox import faults, registry, store
from apps.procore_sandbox.models import SandboxRecord

from .conftest import BASE


def test_it_answers_me_and_the_callers_companies(sandbox):
    me = sandbox.call("GET", "/rest/v1.0/me").json()
    companies = sandbox.call("GET", "/rest/v1.0/companies").json()
    assert me["login"] == registry.DEMO_LOGIN
    assert [c["id"] for c in companies] == [sandbox.company.id]
    assert companies[0]["id"] > 2**32  # 64-bit ids, as in real Procore


def test_it_needs_the_company_header(sandbox):
    response = sandbox.call(
        "GET", f"/rest/v1.0/sub_jobs?project_id={sandbox.project.id}", **{"Procore-Company-Id": ""}
    )
    missing = sandbox.client.get(
        f"{BASE}/rest/v1.0/sub_jobs?project_id={sandbox.project.id}",
        headers={"Authorization": f"Bearer {sandbox.token.access_token}"},
    )
    assert missing.status_code == 404
    assert missing.json()["message"] == "Missing Procore-Company-Id header!"
    assert response.status_code == 404


def test_it_refuses_another_company(sandbox):
    other = registry.company_create(name="Other GC")
    response = sandbox.call(
        "GET", f"/rest/v1.0/vendors?company_id={other.id}", **{"Procore-Company-Id": str(other.id)}
    )
    assert response.status_code == 403
    assert response.json()["errors"] == ["App is not connected to this company."]


def test_it_hides_a_project_of_another_company(sandbox):
    other = registry.company_create(name="Other GC", users=[sandbox.token.user])
    foreign = store.record_create(company=other, resource="projects", data={"name": "X"})
    response = sandbox.call("GET", f"/rest/v1.0/sub_jobs?project_id={foreign.id}")
    assert response.status_code == 404


def test_it_refuses_a_bad_or_expired_token(sandbox):
    sandbox.token.expires_at = timezone.now() - timedelta(seconds=1)
    sandbox.token.save()
    response = sandbox.call("GET", "/rest/v1.0/me")
    assert response.status_code == 401
    assert response.json()["message"] == "The access token is invalid"
    assert "invalid_token" in response["WWW-Authenticate"]


def test_it_paginates_with_total_per_page_and_link(sandbox):
    for n in range(7):
        sandbox.add("sub_jobs", name=f"Phase {n}", code=f"{n:03d}")
    path = f"/rest/v1.0/sub_jobs?project_id={sandbox.project.id}&per_page=3"
    first = sandbox.call("GET", f"{path}&page=1")
    second = sandbox.call("GET", f"{path}&page=2")
    third = sandbox.call("GET", f"{path}&page=3")
    assert first["Total"] == "7" and first["Per-Page"] == "3"
    assert [rel.split('rel="')[1][:-1] for rel in first["Link"].split(", ")] == ["last", "next"]
    assert 'rel="prev"' not in second["Link"] and 'rel="first"' in second["Link"]
    assert 'rel="prev"' in third["Link"] and 'rel="next"' not in third["Link"]
    assert "page=3&per_page=3" in first["Link"].split(", ")[0]
    names = [item["name"] for page in (first, second, third) for item in page.json()]
    assert names == [f"Phase {n}" for n in range(7)]


def test_it_caps_per_page_per_endpoint(sandbox):
    v11 = sandbox.call("GET", f"/rest/v1.1/projects?company_id={sandbox.company.id}&per_page=999")
    v10 = sandbox.call("GET", f"/rest/v1.0/projects?company_id={sandbox.company.id}&per_page=999")
    assert v11["Per-Page"] == "300"
    assert v10["Per-Page"] == "999"


def test_it_filters_by_updated_at_range_origin_id_and_ids(sandbox):
    old = sandbox.add("vendors", project=False, name="Old", origin_id="v-1")
    SandboxRecord.objects.filter(id=old.id).update(updated_at=timezone.now() - timedelta(days=3))
    new = sandbox.add("vendors", project=False, name="New", origin_id="v-2")
    today = timezone.now().date()
    base = f"/rest/v1.0/vendors?company_id={sandbox.company.id}"

    def ids(query: str) -> list[int]:
        return [v["id"] for v in sandbox.call("GET", f"{base}&{query}").json()]

    since = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f'filters[updated_at]="{since}...{today}T23:59:59Z"') == [new.id]
    assert ids(f"filters[updated_at]={today - timedelta(days=5)}...{today}") == [old.id, new.id]
    assert ids("filters[origin_id]=v-1") == [old.id]
    assert ids(f"filters[id][]={new.id}") == [new.id]
    bad = sandbox.call("GET", f"{base}&filters[updated_at]=yesterday")
    assert bad.status_code == 400


def test_it_lists_deleted_records_only_when_asked(sandbox):
    keep = sandbox.add("change_events", title="Keep")
    gone = sandbox.add("change_events", title="Gone")
    response = sandbox.call(
        "DELETE", f"/rest/v1.1/change_events/{gone.id}?project_id={sandbox.project.id}"
    )
    base = f"/rest/v1.0/change_events?project_id={sandbox.project.id}"
    listed = [e["id"] for e in sandbox.call("GET", base).json()]
    only = [e["id"] for e in sandbox.call("GET", f"{base}&filters[include_deleted]=only").json()]
    both = [e["id"] for e in sandbox.call("GET", f"{base}&filters[include_deleted]=with").json()]
    assert response.status_code == 204
    assert (listed, only, both) == ([keep.id], [gone.id], [keep.id, gone.id])


def test_it_creates_updates_and_refuses_a_duplicate_origin_id(sandbox):
    body = {"project_id": sandbox.project.id, "sub_job": {"name": "East", "origin_id": "sj-1"}}
    created = sandbox.call("POST", "/rest/v1.0/sub_jobs", body)
    duplicate = sandbox.call("POST", "/rest/v1.0/sub_jobs", body)
    sub_job = created.json()
    updated = sandbox.call(
        "PATCH",
        f"/rest/v1.0/sub_jobs/{sub_job['id']}",
        {"project_id": sandbox.project.id, "sub_job": {"name": "East Wing"}},
    )
    assert created.status_code == 201
    assert sub_job["origin_id"] == "sj-1" and sub_job["id"] > 2**32
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"] == {"origin_id": ["has already been taken"]}
    assert updated.json()["name"] == "East Wing"


def test_the_same_origin_id_may_repeat_in_another_company(sandbox):
    other = registry.company_create(name="Other GC")
    store.record_create(company=other, resource="vendors", data={"origin_id": "v-9"})
    body = {"company_id": sandbox.company.id, "vendor": {"name": "V", "origin_id": "v-9"}}
    assert sandbox.call("POST", "/rest/v1.0/vendors", body).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sub_job": {"name": {"nested": True}}}, "sub_job.name"),
        ({"sub_job": "East"}, "sub_job"),
        ({}, "sub_job"),
    ],
)
def test_it_refuses_a_bad_payload_with_a_422_naming_the_field(sandbox, body, field):
    response = sandbox.call(
        "POST", "/rest/v1.0/sub_jobs", {"project_id": sandbox.project.id, **body}
    )
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not SandboxRecord.objects.filter(resource="sub_jobs").exists()


def test_it_refuses_an_enum_outside_the_schema(sandbox):
    body = {
        "project_id": sandbox.project.id,
        "contract_id": 1,
        "contract_payment": {"payment_method": "barter", "amount": "10.00"},
    }
    response = sandbox.call("POST", "/rest/v1.0/contract_payments", body)
    assert response.status_code == 422
    assert "contract_payment.payment_method" in response.json()["errors"]


def test_malformed_json_is_a_400(sandbox):
    response = sandbox.client.post(
        f"{BASE}/rest/v1.0/sub_jobs",
        data="{not json",
        content_type="application/json",
        headers={
            "Authorization": f"Bearer {sandbox.token.access_token}",
            "Procore-Company-Id": str(sandbox.company.id),
        },
    )
    assert response.status_code == 400


def test_it_needs_required_query_parameters(sandbox):
    response = sandbox.call("GET", f"/rest/v1.0/contract_payments?project_id={sandbox.project.id}")
    assert response.status_code == 400
    assert "contract_id" in response.json()["message"]


def test_money_comes_back_as_strings_and_references_expand(sandbox):
    vendor = sandbox.add("vendors", project=False, name="Steel Co")
    body = {
        "project_id": sandbox.project.id,
        "work_order_contract": {"title": "Steel", "vendor_id": vendor.id, "status": "Approved"},
    }
    contract = sandbox.call("POST", "/rest/v1.0/work_order_contracts", body).json()
    payment = sandbox.call(
        "POST",
        "/rest/v1.0/contract_payments",
        {
            "project_id": sandbox.project.id,
            "contract_id": contract["id"],
            "contract_payment": {"amount": 1250.5, "date": "2026-03-01", "origin_id": "pay-1"},
        },
    ).json()
    listed = sandbox.call(
        "GET",
        f"/rest/v1.0/contract_payments?project_id={sandbox.project.id}&contract_id={contract['id']}",
    ).json()
    assert payment["amount"] == "1250.5"
    assert [p["id"] for p in listed] == [payment["id"]]
    shown = sandbox.call(
        "GET", f"/rest/v1.0/work_order_contracts/{contract['id']}?project_id={sandbox.project.id}"
    ).json()
    assert shown["vendor"]["id"] == vendor.id
    assert shown["project"] == {"id": sandbox.project.id, "name": "Tower"}


def test_v2_answers_wrap_data_and_use_string_ids(sandbox):
    sandbox.add("prime_contracts", title="Prime")
    path = (
        f"/rest/v2.0/companies/{sandbox.company.id}/projects/{sandbox.project.id}/prime_contracts"
    )
    response = sandbox.call("GET", path)
    assert response["Per-Page"] == "10"
    assert isinstance(response.json()["data"][0]["id"], str)


def test_sync_creates_updates_and_reports_errors_per_item(sandbox):
    existing = sandbox.add("projects", project=False, name="Old", origin_id="p-1", active=True)
    updates = [
        {"origin_id": "p-1", "name": "Renamed"},
        {"origin_id": "p-2", "name": "Brand new"},
        {"id": 12345, "name": "Ghost"},
        {"name": {"bad": 1}},
    ]
    response = sandbox.call(
        "PATCH", "/rest/v1.0/projects/sync", {"company_id": sandbox.company.id, "updates": updates}
    )
    body = response.json()
    assert response.status_code == 200
    assert [e["name"] for e in body["entities"]] == ["Renamed", "Brand new"]
    assert body["entities"][0]["id"] == existing.id
    assert body["errors"][0]["errors"] == {"id": ["Entity with this ID not found"]}
    assert "name" in body["errors"][1]["errors"]


def test_sync_takes_at_most_1000_updates(sandbox):
    updates = [{"name": f"P{n}"} for n in range(1001)]
    response = sandbox.call(
        "PATCH", "/rest/v1.0/projects/sync", {"company_id": sandbox.company.id, "updates": updates}
    )
    assert response.status_code == 422


def test_daily_logs_list_today_unless_dates_are_given(sandbox):
    today = timezone.localdate().isoformat()
    sandbox.add("manpower_logs", date=today, num_workers=4)
    sandbox.add("manpower_logs", date="2026-01-02", num_workers=2)
    path = f"/rest/v1.0/projects/{sandbox.project.id}/manpower_logs"
    default = sandbox.call("GET", path).json()
    dated = sandbox.call("GET", f"{path}?log_date=2026-01-02").json()
    assert [log["num_workers"] for log in default] == [4]
    assert [log["num_workers"] for log in dated] == [2]


def test_change_event_line_items_get_ids_and_can_be_updated(sandbox):
    status = sandbox.add("change_event_statuses", project=False, name="Open")
    body = {
        "change_event": {
            "title": "Extra rebar",
            "change_event_status_id": status.id,
            "event_scope": "out_of_scope",
            "origin_id": "cor-1",
            "change_event_line_items_attributes": [
                {"description": "Rebar", "estimated_cost_amount": 100},
                {"description": "Labor", "estimated_cost_amount": 200},
            ],
        }
    }
    path = f"/rest/v1.0/change_events?project_id={sandbox.project.id}"
    created = sandbox.call("POST", path, body).json()
    lines = created["change_event_line_items"]
    update = {
        "change_event": {
            "change_event_line_items_attributes": [
                {"id": lines[0]["id"], "estimated_cost_amount": 150}
            ]
        }
    }
    updated = sandbox.call(
        "PATCH", f"/rest/v1.0/change_events/{created['id']}?project_id={sandbox.project.id}", update
    ).json()
    assert all(line["id"] > 2**32 for line in lines)
    assert created["change_event_status"]["name"] == "Open"
    assert [line["estimated_cost_amount"] for line in updated["change_event_line_items"]] == [
        "150",
        "200",
    ]


def test_a_requisition_attachment_is_served_by_url(sandbox):
    commitment = sandbox.add("work_order_contracts", title="Drywall")
    response = sandbox.client.post(
        f"{BASE}/rest/v1.0/requisitions",
        data={
            "project_id": str(sandbox.project.id),
            "commitment_id": str(commitment.id),
            "requisition[invoice_number]": "INV-7",
            "attachments[]": [SimpleUploadedFile("inv.pdf", b"%PDF-1.4 x", "application/pdf")],
        },
        headers={
            "Authorization": f"Bearer {sandbox.token.access_token}",
            "Procore-Company-Id": str(sandbox.company.id),
        },
    )
    requisition = response.json()
    attachment = requisition["attachments"][0]
    download = sandbox.client.get(attachment["url"].replace("http://testserver", ""))
    assert response.status_code == 201
    assert requisition["invoice_number"] == "INV-7"
    assert attachment["filename"] == "inv.pdf"
    assert download.status_code == 200 and download.content == b"%PDF-1.4 x"


def test_webhook_triggers_answer_upper_case_event_types(sandbox):
    hook = sandbox.call(
        "POST",
        "/rest/v1.0/webhooks/hooks",
        {
            "company_id": sandbox.company.id,
            "hook": {
                "api_version": "v2",
                "namespace": "trestle",
                "destination_url": "https://x",
                "destination_headers": {"Authorization": "Bearer secret-12345"},
            },
        },
    ).json()
    trigger = sandbox.call(
        "POST",
        f"/rest/v1.0/webhooks/hooks/{hook['id']}/triggers",
        {
            "company_id": sandbox.company.id,
            "api_version": "v2",
            "trigger": {"resource_name": "Company Users", "event_type": "update"},
        },
    ).json()
    assert hook["owned_by_company_id"] == sandbox.company.id
    assert hook["destination_headers"]["Authorization"].endswith("*12345")
    assert "secret" not in hook["destination_headers"]["Authorization"]
    assert trigger["event_type"] == "UPDATE"
    assert trigger["webhook_hook_id"] == hook["id"]


def test_bulk_timecard_entries_are_created_in_one_call(sandbox):
    entries = [
        {"project_id": sandbox.project.id, "date": "2026-03-02", "hours": 8, "origin_id": f"t{n}"}
        for n in range(3)
    ]
    path = f"/rest/v1.1/projects/{sandbox.project.id}/project_timecard_entries/bulk_create"
    response = sandbox.call("POST", path, {"timecard_entries": entries})
    too_many = sandbox.call("POST", path, {"timecard_entries": entries * 9})
    created = response.json()["timecard_entries"]
    assert response.status_code == 201
    assert [entry["hours"] for entry in created] == ["8", "8", "8"]
    assert too_many.status_code == 422


def test_unknown_paths_and_methods(sandbox):
    assert sandbox.call("GET", "/rest/v1.0/nothing_here").status_code == 404
    assert sandbox.call("PUT", f"/rest/v1.0/projects/{sandbox.project.id}").status_code == 405


def test_json_bodies_are_accepted_where_the_oas_says_multipart(sandbox):
    body = {"user": {"last_name": "Ng", "email_address": "ng@example.com", "is_employee": True}}
    path = f"/rest/v1.0/companies/{sandbox.company.id}/users"
    created = sandbox.call("POST", path, body)
    assert created.status_code == 201
    assert created.json()["is_employee"] is True
    assert json.loads(created.content)["name"] == "Ng"


def test_projects_list_active_ones_unless_asked(sandbox):
    closed = sandbox.add("projects", project=False, name="Closed", active=False)
    base = f"/rest/v1.0/projects?company_id={sandbox.company.id}"
    default = [p["id"] for p in sandbox.call("GET", base).json()]
    everything = [p["id"] for p in sandbox.call("GET", f"{base}&filters[by_status]=All").json()]
    inactive = [p["id"] for p in sandbox.call("GET", f"{base}&filters[by_status]=Inactive").json()]
    assert default == [sandbox.project.id]
    assert everything == [sandbox.project.id, closed.id]
    assert inactive == [closed.id]


def test_unknown_references_are_a_422(sandbox):
    other = registry.company_create(name="Other GC")
    foreign_code = store.record_create(company=other, resource="cost_codes", data={"code": "1"})
    entry = {"date": "2026-03-02", "hours": 8, "cost_code_id": foreign_code.id}
    path = f"/rest/v1.0/projects/{sandbox.project.id}/timecard_entries"
    status = sandbox.add("change_event_statuses", project=False, name="Open")
    event = {
        "change_event": {
            "change_event_status_id": status.id,
            "event_scope": "tbd",
            "change_event_line_items_attributes": [{"cost_code_id": 999}],
        }
    }
    refused = sandbox.call("POST", path, {"timecard_entry": entry})
    line_refused = sandbox.call(
        "POST", f"/rest/v1.0/change_events?project_id={sandbox.project.id}", event
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"cost_code_id": ["is invalid"]}
    assert "change_event_line_items_attributes.0.cost_code_id" in line_refused.json()["errors"]


@pytest.mark.parametrize(
    ("entry", "status"),
    [
        ({"date": "2026-03-02", "hours": 8}, 201),
        ({"date": "2026-03-02", "time_in": "07:00", "time_out": "15:30", "lunch_time": 30}, 201),
        ({"date": "2026-03-02", "description": "no time given"}, 422),
    ],
)
def test_a_project_timecard_entry_takes_hours_or_start_and_stop(sandbox, entry, status):
    path = f"/rest/v1.0/projects/{sandbox.project.id}/timecard_entries"
    response = sandbox.call("POST", path, {"timecard_entry": entry})
    assert response.status_code == status
    if status == 422:
        assert response.json()["errors"] == {"timecard_entry.hours": ["is missing"]}


def test_a_refused_bulk_create_creates_nothing(sandbox):
    entry = {"project_id": sandbox.project.id, "date": "2026-03-02", "hours": 8, "origin_id": "t1"}
    path = f"/rest/v1.0/companies/{sandbox.company.id}/timesheets"
    response = sandbox.call("POST", path, {"timecard_entries": [entry, entry]})
    assert response.status_code == 422
    assert not SandboxRecord.objects.filter(resource="timecard_entries").exists()


def test_a_path_company_must_match_the_header(sandbox):
    other = registry.company_create(name="Other GC", users=[sandbox.token.user])
    response = sandbox.call("GET", f"/rest/v1.0/companies/{other.id}/people")
    assert response.status_code == 404


def test_v2_errors_use_the_standard_error_object(sandbox):
    path = f"/rest/v2.0/companies/{sandbox.company.id}/webhooks/hooks"
    response = sandbox.call("POST", path, {"namespace": "trestle"})
    error = response.json()["error"]
    assert response.status_code == 422
    assert error["code"] == "UNPROCESSABLE_ENTITY"
    assert {d["source"] for d in error["details"]} == {"destination_url", "payload_version"}


def test_the_headers_report_the_window_closest_to_running_out(sandbox):
    faults.set_faults(rate_limit_hourly=5, rate_limit_spike=100)
    first = sandbox.call("GET", "/rest/v1.0/me")
    assert (first["X-Rate-Limit-Limit"], first["X-Rate-Limit-Remaining"]) == ("5", "4")


def test_a_contract_payment_with_an_origin_id_is_locked_but_can_be_deleted(sandbox):
    """procore-api.md §3.7: a synced payment keeps all but attachments and origin fields."""
    contract = sandbox.add("work_order_contracts", title="Steel")
    scope = {"project_id": sandbox.project.id, "contract_id": contract.id}
    created = sandbox.call(
        "POST",
        "/rest/v1.0/contract_payments",
        {**scope, "contract_payment": {"amount": "100.00", "origin_id": "pay-9"}},
    ).json()
    path = f"/rest/v1.0/contract_payments/{created['id']}"
    refused = sandbox.call("PATCH", path, {**scope, "contract_payment": {"amount": "200.00"}})
    assert refused.status_code == 422
    assert "locked" in refused.json()["errors"]["amount"][0]
    allowed = sandbox.call("PATCH", path, {**scope, "contract_payment": {"origin_data": "x"}})
    assert allowed.status_code == 200 and allowed.json()["amount"] == "100.00"
    query = f"?project_id={sandbox.project.id}&contract_id={contract.id}"
    assert sandbox.call("DELETE", path + query).status_code == 200
    assert sandbox.call("GET", path + query).status_code == 404
