"""The sandbox holds callers to Procore's published contract: undeclared query parameters and
body fields are a 422 naming them, and answers honour the documented `view` parameter."""

from requests.structures import CaseInsensitiveDict

from apps.procore_sandbox import contract, store

from .conftest import Sandbox


def test_an_undeclared_query_parameter_is_a_422_naming_it(sandbox: Sandbox):
    # procore-api.md: sub jobs publish no `filters[updated_at]`; Procore would ignore it
    response = sandbox.call(
        "GET", f"/rest/v1.0/sub_jobs?project_id={sandbox.project.id}&filters[updated_at]=x...y"
    )
    assert response.status_code == 422
    assert "filters[updated_at]" in response.json()["errors"]


def test_array_spellings_of_a_declared_filter_are_accepted(sandbox: Sandbox):
    company = sandbox.company.id
    vendor = sandbox.add("vendors", project=False, name="Acme Steel")
    for name in ("filters[id][]", "filters[id]"):  # declared as filters[id][] on vendors
        response = sandbox.call(
            "GET", f"/rest/v1.0/vendors?company_id={company}&{name}={vendor.id}"
        )
        assert response.status_code == 200, response.json()
        assert [v["id"] for v in response.json()] == [vendor.id]


def test_a_value_outside_a_documented_enum_is_a_422(sandbox: Sandbox):
    response = sandbox.call(
        "GET", f"/rest/v1.0/custom_field_definitions?company_id={sandbox.company.id}&view=full"
    )
    assert response.status_code == 422
    assert "view" in response.json()["errors"]


def test_an_undeclared_body_field_is_a_422_naming_its_path(sandbox: Sandbox):
    body = {"company_id": sandbox.company.id, "vendor": {"name": "Acme", "nickname": "A"}}
    response = sandbox.call("POST", "/rest/v1.0/vendors", body)
    assert response.status_code == 422
    assert response.json()["errors"] == {"vendor.nickname": ["is not a field of this operation"]}
    assert sandbox.call("GET", f"/rest/v1.0/vendors?company_id={sandbox.company.id}").json() == []


def test_templated_custom_field_keys_are_declared(sandbox: Sandbox):
    body = {"company_id": sandbox.company.id, "vendor": {"name": "Acme", "custom_field_12": "x"}}
    assert sandbox.call("POST", "/rest/v1.0/vendors", body).status_code == 201


def _definition(sandbox: Sandbox):
    definition = sandbox.add(
        "custom_field_definitions", project=False, label="Region", data_type="lov_entry",
        active=True, custom_field_lov_entries=[{"id": 7, "label": "North", "active": True}],
    )  # fmt: skip
    return definition


def test_custom_field_definitions_leave_out_dropdown_entries_by_default(sandbox: Sandbox):
    definition = _definition(sandbox)
    base = f"/rest/v1.0/custom_field_definitions?company_id={sandbox.company.id}"
    (default,) = sandbox.call("GET", base).json()
    assert default["id"] == definition.id and "custom_field_lov_entries" not in default
    for view in ("with_lov_entries", "extended"):
        (shown,) = sandbox.call("GET", f"{base}&view={view}").json()
        assert [e["label"] for e in shown["custom_field_lov_entries"]] == ["North"]
    one = f"/rest/v1.0/custom_field_definitions/{definition.id}?company_id={sandbox.company.id}"
    assert "custom_field_lov_entries" not in sandbox.call("GET", one).json()


def test_standard_cost_codes_default_view_holds_only_ids(sandbox: Sandbox):
    code_list = sandbox.add("standard_cost_code_lists", project=False, name="Main")
    store_code = dict(code="03", name="Concrete", standard_cost_code_list_id=code_list.id)
    code = store.record_create(
        company=sandbox.company,
        resource="standard_cost_codes",
        data={"origin_id": "o-3", **store_code},
        parent_id=code_list.id,
    )
    base = (
        f"/rest/v1.0/standard_cost_codes?company_id={sandbox.company.id}"
        f"&standard_cost_code_list_id={code_list.id}"
    )
    assert sandbox.call("GET", base).json() == [
        {"id": code.id, "standard_cost_code_list_id": code_list.id}
    ]
    (compact,) = sandbox.call("GET", f"{base}&view=compact").json()
    assert set(compact) == {"id", "standard_cost_code_list_id", "origin_id"}
    (extended,) = sandbox.call("GET", f"{base}&view=extended").json()
    assert extended["name"] == "Concrete" and extended["code"] == "03"


def test_request_errors_name_what_does_not_follow_the_contract():
    headers = CaseInsensitiveDict({"Procore-Company-Id": "5"})
    assert contract.request_errors("GET", "/rest/v1.0/nothing", {}, headers, None) == {
        "path": ["GET /rest/v1.0/nothing is not an operation of the published API"]
    }
    errors = contract.request_errors("GET", "/rest/v1.0/sub_jobs", {}, CaseInsensitiveDict(), None)
    assert errors == {
        "project_id": ["is missing"],
        "Procore-Company-Id": ["header is missing"],
    }
    body = {"change_event": {"change_event_line_items_attributes": [{"budget_code": {"id": 1}}]}}
    errors = contract.request_errors(
        "PATCH", "/rest/v1.0/change_events/9", {"project_id": ["3"]}, headers, body
    )
    assert errors == {
        "change_event.change_event_line_items_attributes.0.budget_code": [
            "is not a field of this operation"
        ],
    }
