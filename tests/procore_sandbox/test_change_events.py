"""v1.0 Change Events as Trestle pushes CORs into them (procore-api.md §6, §7), on the demo data."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.procore_sandbox import change_events, faults, oauth, registry, seed, store
from apps.procore_sandbox.models import SandboxRecord

from .conftest import Sandbox


@pytest.fixture
def demo(db, client) -> Sandbox:
    """The demo company with two projects; calls go to the first one."""
    faults.reset_faults()
    company = seed.seed_demo(seed.Sizes(projects=2, employees=0, vendors=4, sub_jobs=0))
    project = SandboxRecord.objects.filter(resource="projects").order_by("id").first()
    token = oauth.token_issue(app=registry.app_register(), user=registry.user_create())
    return Sandbox(client, company, project, token)


def _first(resource: str, project_id: int | None = None, **data: str) -> SandboxRecord:
    found = SandboxRecord.objects.filter(resource=resource).order_by("id")
    if project_id is not None:
        found = found.filter(project_id=project_id)
    return found.filter(**{f"data__{k}": v for k, v in data.items()}).first()


def _status(name: str) -> int:
    return _first("change_event_statuses", name=name).id


def _other_project(demo: Sandbox) -> int:
    return SandboxRecord.objects.filter(resource="projects").exclude(id=demo.project.id).get().id


def _line(demo: Sandbox, project_id: int | None = None, **changes) -> dict:
    project_id = project_id or demo.project.id
    contract = _first("work_order_contracts", project_id)
    return {
        "description": "Extra rebar",
        "budget_code": {"id": _first("wbs_codes", project_id, flat_code="03-200.S").id},
        "estimated_cost_quantity": 2.5,
        "estimated_cost_unit_cost": 30.5,
        "estimated_cost_amount": 999,
        "estimated_cost_calculation_strategy": "automatic",
        "uom": "LS",
        "proposed_contract_id": contract.id,
        "proposed_vendor_id": contract.data["vendor_id"],
    } | changes


def _body(demo: Sandbox, lines: list[dict] | None = None, **changes) -> dict:
    event = {
        "title": "COR-001: Extra rebar",
        "change_event_status_id": _status("Open"),
        "event_scope": "out_of_scope",
        "event_type": "owner_change",
        "origin_id": "trestle-cor-1",
        "origin_data": "cor:1",
        "change_event_line_items_attributes": [_line(demo)] if lines is None else lines,
    }
    return {"change_event": event | changes}  # POST: project_id goes in the query only


def _create(demo: Sandbox, body: dict | None = None, project_id: int | None = None):
    path = f"/rest/v1.0/change_events?project_id={project_id or demo.project.id}"
    return demo.call("POST", path, body or _body(demo))


def _patch(demo: Sandbox, event_id: int, **changes):
    path = f"/rest/v1.0/change_events/{event_id}?project_id={demo.project.id}"
    return demo.call("PATCH", path, {"project_id": demo.project.id, "change_event": changes})


def test_a_created_change_event_answers_in_procores_shape(demo):
    response = _create(demo)
    event = response.json()
    line = event["change_event_line_items"][0]
    contract = _first("work_order_contracts", demo.project.id)
    vendor = SandboxRecord.objects.get(id=contract.data["vendor_id"])
    assert response.status_code == 201
    assert (event["number"], event["alphanumeric_number"]) == (1, "1")
    assert event["change_event_status"] == {
        "id": _status("Open"),
        "name": "Open",
        "mapped_to_status": "open",
        "show_in_select": True,
    }
    assert event["status"] == "open" and event["event_scope"] == "out_of_scope"
    assert event["origin_id"] == "trestle-cor-1" and event["project_id"] == demo.project.id
    assert line["id"] > 2**32 and line["event_id"] == event["id"]
    assert (line["description"], line["uom"]) == ("Extra rebar", "LS")
    assert line["budget_code"]["flat_code"] == "03-200.S"
    assert line["budget_code"]["description"] == "Reinforcing"
    assert line["estimated_cost_amount"] == "76.25"  # automatic: quantity x unit cost
    assert (line["estimated_cost_quantity"], line["estimated_cost_unit_cost"]) == (2.5, 30.5)
    assert line["estimated_cost_calculation_strategy"] == "automatic"
    assert line["contract"]["id"] == line["proposed_contract_id"] == contract.id
    assert (line["contract"]["number"], line["contract"]["title"]) == (
        contract.data["number"],
        contract.data["title"],
    )
    assert line["vendor"] == {"id": vendor.id, "name": vendor.data["name"]}
    assert line["cost_code"]["full_code"] == "03-200"
    assert line["line_item_type"]["code"] == "S"


def test_show_and_list_answer_what_create_answered(demo):
    created = _create(demo).json()
    base = f"/rest/v1.0/change_events?project_id={demo.project.id}"
    shown = demo.call(
        "GET", f"/rest/v1.0/change_events/{created['id']}?project_id={demo.project.id}"
    )
    listed = demo.call("GET", base).json()
    assert shown.json() == created
    assert listed == [created]


def test_numbers_are_sequential_per_project_and_keep_their_letters(demo):
    other = _other_project(demo)
    first, second = _create(demo).json(), _create(demo, _body(demo, origin_id="cor-2")).json()
    elsewhere = _create(
        demo,
        _body(demo, lines=[_line(demo, other)], origin_id="cor-3"),
        project_id=other,
    ).json()
    lettered = _create(demo, _body(demo, number="CE-007", origin_id="cor-4")).json()
    after = _create(demo, _body(demo, origin_id="cor-5")).json()
    assert [first["number"], second["number"], elsewhere["number"]] == [1, 2, 1]
    assert (lettered["number"], lettered["alphanumeric_number"]) == (7, "CE-007")
    assert (after["number"], after["alphanumeric_number"]) == (8, "8")


def test_lines_change_in_place_and_automatic_amounts_follow(demo):
    manual = _line(demo, description="Markup", estimated_cost_calculation_strategy="manual")
    event = _create(demo, _body(demo, lines=[_line(demo), manual])).json()
    auto_line, manual_line = event["change_event_line_items"]
    response = _patch(
        demo,
        event["id"],
        change_event_line_items_attributes=[
            {"id": auto_line["id"], "estimated_cost_quantity": 3},
            {"id": manual_line["id"], "estimated_cost_amount": 120.5},
            {"description": "New line", "wbs_code_id": {"id": auto_line["budget_code"]["id"]}},
        ],
    )
    lines = response.json()["change_event_line_items"]
    assert response.status_code == 200
    assert [line["id"] for line in lines[:2]] == [auto_line["id"], manual_line["id"]]
    assert [line["estimated_cost_amount"] for line in lines[:2]] == ["91.50", "120.5"]
    assert lines[0]["description"] == "Extra rebar"  # untouched fields stay
    assert lines[2]["description"] == "New line" and lines[2]["event_id"] == event["id"]


def test_lines_added_by_patch_take_their_budget_code_as_wbs_code_id(demo):
    """The PATCH schema names the budget code `wbs_code_id`; `budget_code` is the POST's name,
    and Procore would drop it silently on a PATCH, so the sandbox refuses it."""
    event = _create(demo).json()
    code = event["change_event_line_items"][0]["budget_code"]
    refused = _patch(
        demo, event["id"], change_event_line_items_attributes=[{"budget_code": {"id": code["id"]}}]
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "change_event.change_event_line_items_attributes.0.budget_code": [
            "is not a field of this operation"
        ]
    }
    added = _patch(
        demo, event["id"], change_event_line_items_attributes=[{"wbs_code_id": {"id": code["id"]}}]
    )
    assert added.json()["change_event_line_items"][1]["budget_code"]["flat_code"] == "03-200.S"
    body = _body(demo, lines=[{"description": "x", "wbs_code_id": {"id": code["id"]}}])
    assert _create(demo, body).status_code == 422  # and the POST knows only `budget_code`


def test_an_unknown_line_id_is_refused(demo):
    event = _create(demo).json()
    response = _patch(
        demo, event["id"], change_event_line_items_attributes=[{"id": 123, "description": "x"}]
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"change_event_line_items_attributes.0.id": ["is invalid"]}


@pytest.mark.parametrize("missing", ["change_event_status_id", "event_scope"])
def test_status_and_scope_are_required_on_create(demo, missing):
    body = _body(demo)
    del body["change_event"][missing]
    response = _create(demo, body)
    assert response.status_code == 422
    assert f"change_event.{missing}" in response.json()["errors"]
    assert not SandboxRecord.objects.filter(resource="change_events").exists()


@pytest.mark.parametrize(
    ("line_changes", "field"),
    [
        ({"budget_code": {"id": 42}}, "budget_code.id"),
        ({"proposed_contract_id": 42}, "proposed_contract_id"),
        ({"proposed_vendor_id": 42}, "proposed_vendor_id"),
    ],
)
def test_unknown_references_on_lines_are_a_422(demo, line_changes, field):
    response = _create(demo, _body(demo, lines=[_line(demo, **line_changes)]))
    assert response.status_code == 422
    assert response.json()["errors"] == {
        f"change_event_line_items_attributes.0.{field}": ["is invalid"]
    }


def test_budget_codes_and_contracts_of_another_project_are_refused(demo):
    other = _other_project(demo)
    foreign = _line(demo, other)
    prime = _first("prime_contracts", demo.project.id)
    lines = [
        _line(demo, budget_code=foreign["budget_code"]),
        _line(demo, proposed_contract_id=foreign["proposed_contract_id"]),
        _line(demo, proposed_contract_id=prime.id),  # a prime contract is not a commitment
    ]
    response = _create(demo, _body(demo, lines=lines))
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {
        "change_event_line_items_attributes.0.budget_code.id",
        "change_event_line_items_attributes.1.proposed_contract_id",
        "change_event_line_items_attributes.2.proposed_contract_id",
    }


def test_an_unknown_status_is_refused(demo):
    response = _create(demo, _body(demo, change_event_status_id=42))
    assert response.status_code == 422
    assert response.json()["errors"] == {"change_event_status_id": ["is invalid"]}


def test_patching_the_status_id_moves_the_event(demo):
    event = _create(demo).json()
    pending = _patch(demo, event["id"], change_event_status_id=_status("Pending")).json()
    closed = _patch(demo, event["id"], change_event_status_id=_status("Closed")).json()
    assert (pending["change_event_status"]["name"], pending["status"]) == ("Pending", "open")
    assert (closed["change_event_status"]["mapped_to_status"], closed["status"]) == (
        "closed",
        "closed",
    )


def test_a_closed_event_refuses_line_changes_but_takes_other_changes(demo):
    event = _create(demo).json()
    change_events.status_set(company=demo.company, change_event_id=event["id"], status="Closed")
    line_id = event["change_event_line_items"][0]["id"]
    refused = _patch(
        demo,
        event["id"],
        change_event_line_items_attributes=[{"id": line_id, "estimated_cost_quantity": 9}],
    )
    renamed = _patch(demo, event["id"], title="Renamed")
    reopened = _patch(
        demo,
        event["id"],
        change_event_status_id=_status("Open"),
        change_event_line_items_attributes=[{"id": line_id, "estimated_cost_quantity": 4}],
    )
    assert refused.status_code == 422
    assert refused.json()["message"] == "Change Event is closed"
    assert renamed.status_code == 200 and renamed.json()["title"] == "Renamed"
    assert reopened.status_code == 200
    assert reopened.json()["change_event_line_items"][0]["estimated_cost_amount"] == "122.00"


def test_the_edit_command_moves_an_event_by_status_name(demo):
    event = _create(demo).json()
    out = io.StringIO()
    call_command(
        "procore_sandbox_edit", "change-event", str(event["id"]), "--status=Closed", stdout=out
    )
    shown = demo.call("GET", f"/rest/v1.0/change_events/{event['id']}?project_id={demo.project.id}")
    assert shown.json()["change_event_status"]["name"] == "Closed"
    assert shown.json()["status"] == "closed"
    for event_id, status in ((event["id"], "Void"), (42, "Open")):
        with pytest.raises(CommandError):
            call_command(
                "procore_sandbox_edit",
                "change-event",
                str(event_id),
                f"--company={demo.company.id}",
                f"--status={status}",
                stdout=io.StringIO(),
            )


def test_the_list_filters_by_updated_at_and_ids_and_paginates(demo):
    ids = [_create(demo, _body(demo, origin_id=f"cor-{n}")).json()["id"] for n in range(3)]
    SandboxRecord.objects.filter(id=ids[0]).update(updated_at=timezone.now() - timedelta(days=3))
    base = f"/rest/v1.0/change_events?project_id={demo.project.id}"
    since = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    until = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def listed(query: str) -> list[int]:
        return [event["id"] for event in demo.call("GET", f"{base}&{query}").json()]

    page = demo.call("GET", f"{base}&per_page=2&page=2")
    assert listed(f"filters[updated_at]={since}...{until}") == ids[1:]
    assert listed(f"filters[id][]={ids[0]}&filters[id][]={ids[2]}") == [ids[0], ids[2]]
    assert page["Total"] == "3" and [event["id"] for event in page.json()] == ids[2:]
    assert 'rel="first"' in page["Link"]


def test_statuses_are_listed_per_project(demo):
    path = f"/rest/v1.0/change_event/statuses?project_id={demo.project.id}"
    statuses = demo.call("GET", path).json()
    assert [(s["name"], s["mapped_to_status"]) for s in statuses] == [
        ("Open", "open"),
        ("Pending", "pending"),
        ("Closed", "closed"),
    ]
    assert [s["default_status"] for s in statuses] == [True, False, False]


def test_budget_codes_name_their_cost_code_and_cost_type(demo):
    path = f"/rest/v1.0/projects/{demo.project.id}/work_breakdown_structure/wbs_codes"
    codes = demo.call("GET", f"{path}?per_page=1000").json()
    by_flat = {code["flat_code"]: code for code in codes}
    items = by_flat["03-200.S"]["segment_items"]
    assert len(codes) == 12 * 5  # cost codes x cost types L, M, E, S, O
    assert {code["flat_code"].rsplit(".", 1)[1] for code in codes} == {"L", "M", "E", "S", "O"}
    assert [(i["code"], i["name"], i["segment"]["type"]) for i in items] == [
        ("03-200", "Reinforcing", "cost_code"),
        ("S", "Subcontract", "line_item_type"),
    ]
    assert all(SandboxRecord.objects.filter(id=i["id"]).exists() for i in items)


def test_prime_contracts_and_commitments_are_listed_per_project(demo):
    primes = demo.call("GET", f"/rest/v1.0/prime_contracts?project_id={demo.project.id}").json()
    commitments = demo.call("GET", f"/rest/v1.0/commitments?project_id={demo.project.id}").json()
    assert [p["number"] for p in primes] == ["PC-001"]
    assert [c["number"] for c in commitments] == ["SC-001", "SC-002", "PO-003"]
    assert all(c["vendor"]["name"] for c in commitments)


def test_another_company_cannot_see_or_change_the_change_event(demo):
    event = _create(demo).json()
    other = registry.company_create(name="Other GC", users=[demo.token.user])
    foreign = store.record_create(company=other, resource="projects", data={"name": "X"})
    outsider = Sandbox(demo.client, other, foreign, demo.token)
    shown = outsider.call("GET", f"/rest/v1.0/change_events/{event['id']}?project_id={foreign.id}")
    patched = outsider.call(
        "PATCH",
        f"/rest/v1.0/change_events/{event['id']}?project_id={foreign.id}",
        {"project_id": foreign.id, "change_event": {"title": "Hijacked"}},
    )
    wrong_project = outsider.call("GET", f"/rest/v1.0/change_events?project_id={demo.project.id}")
    assert (shown.status_code, patched.status_code, wrong_project.status_code) == (404, 404, 404)
    assert SandboxRecord.objects.get(id=event["id"]).data["title"] == "COR-001: Extra rebar"


# Faults scoped to the change-event writes (the effect over real HTTP is in test_live.py).
CHANGE_EVENT_WRITES = {"paths": ["/rest/v1.0/change_events"], "methods": ["POST", "PATCH"]}


def _events() -> int:
    return SandboxRecord.objects.filter(resource="change_events").count()


def test_a_create_applied_but_its_response_lost(demo):
    faults.set_faults(drop_after=1.0, max_faults=1, **CHANGE_EVENT_WRITES)
    with pytest.raises(faults.ConnectionDropped):
        _create(demo)
    found = demo.call(
        "GET",
        f"/rest/v1.0/change_events?project_id={demo.project.id}&filters[id][]="
        f"{SandboxRecord.objects.get(resource='change_events').id}",
    )
    retried = _create(demo, _body(demo, origin_id="cor-retry"))
    assert found.status_code == 200 and len(found.json()) == 1  # reads are out of scope
    assert retried.status_code == 201  # the one fault is spent
    assert _events() == 2


def test_an_update_applied_but_its_response_lost(demo):
    event = _create(demo).json()
    faults.set_faults(drop_after=1.0, **CHANGE_EVENT_WRITES)
    with pytest.raises(faults.ConnectionDropped):
        _patch(demo, event["id"], title="Applied")
    assert SandboxRecord.objects.get(id=event["id"]).data["title"] == "Applied"


@pytest.mark.parametrize("fault", [{"error_503": 1.0}, {"drop_before": 1.0}])
def test_a_write_refused_before_it_is_applied(demo, fault):
    event = _create(demo).json()
    faults.set_faults(**fault, **CHANGE_EVENT_WRITES)
    if "drop_before" in fault:
        with pytest.raises(faults.ConnectionDropped):
            _create(demo, _body(demo, origin_id="cor-2"))
        with pytest.raises(faults.ConnectionDropped):
            _patch(demo, event["id"], title="Never")
    else:
        assert _create(demo, _body(demo, origin_id="cor-2")).status_code == 503
        assert _patch(demo, event["id"], title="Never").status_code == 503
    other_write = demo.call(
        "POST", "/rest/v1.0/sub_jobs", {"project_id": demo.project.id, "sub_job": {"name": "E"}}
    )
    assert other_write.status_code == 201  # outside the scoped path
    assert _events() == 1
    assert SandboxRecord.objects.get(id=event["id"]).data["title"] != "Never"


def test_a_share_of_scoped_writes_fail_and_the_count_caps_them(demo):
    faults.set_faults(seed=5, error_500=0.5, max_faults=2, **CHANGE_EVENT_WRITES)
    codes = [_create(demo, _body(demo, origin_id=f"cor-{n}")).status_code for n in range(12)]
    assert codes.count(500) == 2 and codes.count(201) == 10
    assert _events() == 10


def test_the_automatic_amount_rounds_to_cents(demo):
    line = _line(demo, estimated_cost_quantity="3", estimated_cost_unit_cost="0.3333")
    event = _create(demo, _body(demo, lines=[line])).json()
    amount = event["change_event_line_items"][0]["estimated_cost_amount"]
    assert Decimal(amount) == Decimal("1.00")


def test_credit_lines_keep_their_negative_amounts(demo):
    """procore-api.md and the OAS set no minimum on quantities, unit costs or amounts."""
    credit = _line(demo, estimated_cost_quantity=2, estimated_cost_unit_cost=-150.25)
    manual = _line(demo, estimated_cost_amount=-99.5, estimated_cost_calculation_strategy="manual")
    response = _create(demo, _body(demo, lines=[credit, manual]))
    assert response.status_code == 201
    lines = response.json()["change_event_line_items"]
    assert [line["estimated_cost_amount"] for line in lines] == ["-300.50", "-99.5"]
    changed = _patch(
        demo,
        response.json()["id"],
        change_event_line_items_attributes=[{"id": lines[0]["id"], "estimated_cost_quantity": -1}],
    )
    assert changed.json()["change_event_line_items"][0]["estimated_cost_amount"] == "150.25"


def _patch_v11(demo: Sandbox, event_id: int, **changes):
    path = f"/rest/v1.1/change_events/{event_id}?project_id={demo.project.id}"
    return demo.call("PATCH", path, {"change_event": changes})


def test_v11_sets_the_change_events_prime_contract_which_v10_does_not_show(demo):
    """v1.0 has no field for an event's prime contract (its lines name a commitment); v1.1
    writes `prime_contract_for_estimates` on the same Change Event (procore-api.md §7.2)."""
    event = _create(demo).json()
    prime = _first("prime_contracts", demo.project.id)

    response = _patch_v11(demo, event["id"], prime_contract_for_estimates={"id": prime.id})

    assert response.status_code == 200
    answer = response.json()
    assert answer["prime_contract_for_estimates"] == {
        "id": prime.id,
        "number": prime.data["number"],
        "name": prime.data["title"],
    }
    assert answer["status"] == {"id": _status("Open"), "name": "Open", "mapped_to_status": "open"}
    assert answer["scope"] == "out_of_scope" and answer["id"] == event["id"]
    shown = demo.call("GET", f"/rest/v1.1/change_events/{event['id']}?project_id={demo.project.id}")
    assert shown.json()["prime_contract_for_estimates"]["id"] == prime.id
    v10 = demo.call("GET", f"/rest/v1.0/change_events/{event['id']}?project_id={demo.project.id}")
    assert "prime_contract_for_estimates" not in v10.json()
    assert v10.json()["change_event_line_items"] == event["change_event_line_items"]


def test_v11_refuses_a_prime_contract_that_is_a_commitment_or_of_another_project(demo):
    event = _create(demo).json()
    commitment = _first("work_order_contracts", demo.project.id)
    elsewhere = _first("prime_contracts", _other_project(demo))
    for wrong in (commitment.id, elsewhere.id, 42):
        response = _patch_v11(demo, event["id"], prime_contract_for_estimates={"id": wrong})
        assert response.status_code == 422
        assert response.json()["errors"] == {"prime_contract_for_estimates.id": ["is invalid"]}
