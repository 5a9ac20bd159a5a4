"""Sandbox webhooks (procore-api.md §10): which triggers Procore takes, and how it delivers."""

import json
from datetime import timedelta

import pytest
import requests
import responses
from django.db import transaction
from django.utils import timezone

from apps.procore_sandbox import faults, store, webhook_resources, webhook_sender
from apps.procore_sandbox.models import SandboxDelivery, SandboxRecord

from .conftest import Sandbox, make_sandbox

DESTINATION = "https://trestle.example/procore/webhooks/secret/"
SECRET = "Bearer s3cret-12345"


class Clock:
    """The sender's `now`, moved by hand."""

    def __init__(self) -> None:
        self.moment = timezone.now()

    def __call__(self):
        return self.moment

    def to(self, moment) -> None:
        self.moment = moment


def hook(sandbox: Sandbox, *triggers: tuple[str, str], **scope) -> dict:
    """A hook of the company (or of `project_id`) with these (resource_name, event_type)."""
    scope = scope or {"company_id": sandbox.company.id}
    body = {
        **scope,
        "hook": {
            "api_version": "v2",
            "namespace": "trestle",
            "destination_url": DESTINATION,
            "destination_headers": {"Authorization": SECRET},
        },
    }
    created = sandbox.call("POST", "/rest/v1.0/webhooks/hooks", body).json()
    bulk = [{"resource_name": name, "event_type": event} for name, event in triggers]
    answer = sandbox.call(
        "POST",
        f"/rest/v1.0/webhooks/hooks/{created['id']}/triggers/bulk",
        {**scope, "api_version": "v2", "triggers": bulk},
    )
    assert answer.status_code == 200
    return created


def deliveries(sandbox: Sandbox, hook: dict) -> str:
    return f"/rest/v1.0/webhooks/hooks/{hook['id']}/deliveries?company_id={sandbox.company.id}"


@pytest.fixture
def destination():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def posted(destination) -> list[dict]:
    return [json.loads(call.request.body) for call in destination.calls]


# --- which triggers ----------------------------------------------------------------------------


def test_a_trigger_on_an_unknown_resource_name_is_a_422_naming_the_field(sandbox):
    created = hook(sandbox)
    response = sandbox.call(
        "POST",
        f"/rest/v1.0/webhooks/hooks/{created['id']}/triggers",
        {
            "company_id": sandbox.company.id,
            "api_version": "v2",
            "trigger": {"resource_name": "Bogus Resource", "event_type": "create"},
        },
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["resource_name"]
    assert not SandboxRecord.objects.filter(resource="webhook_triggers").exists()


def test_a_trigger_on_an_event_the_resource_does_not_publish_is_a_422(sandbox):
    created = hook(sandbox)
    path = f"/rest/v2.0/companies/{sandbox.company.id}/webhooks/hooks/{created['id']}/triggers"
    for name, event in (("Company Users", "delete"), ("Project Users", "update")):
        response = sandbox.call("POST", path, {"resource_name": name, "event_type": event})
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["source"] == "event_type"
    ok = sandbox.call(
        "POST", path, {"resource_name": "Timecard Time Types", "event_type": "delete"}
    )
    assert ok.status_code == 201


def test_a_bulk_create_with_refused_triggers_answers_207_with_success_and_failed(sandbox):
    created = hook(sandbox)
    wanted = [
        {"resource_name": "Company Users", "event_type": "update"},
        {"resource_name": "Requisitions", "event_type": "create"},
        {"resource_name": "Projects", "event_type": "delete"},
    ]
    response = sandbox.call(
        "POST",
        f"/rest/v1.0/webhooks/hooks/{created['id']}/triggers/bulk",
        {"company_id": sandbox.company.id, "api_version": "v2", "triggers": wanted},
    )
    body = response.json()
    assert response.status_code == 207
    assert [(t["resource_name"], t["event_type"]) for t in body["success"]] == [
        ("Company Users", "UPDATE")
    ]
    assert [(f["trigger"]["resource_name"], list(f["errors"])) for f in body["failed"]] == [
        ("Requisitions", ["resource_name"]),
        ("Projects", ["event_type"]),
    ]
    assert SandboxRecord.objects.filter(resource="webhook_triggers").count() == 1


def test_another_companys_hook_is_a_404(sandbox, client):
    other = make_sandbox(client, name="Other GC")
    theirs = hook(other, ("Company Users", "update"))
    response = sandbox.call(
        "GET",
        f"/rest/v1.0/webhooks/hooks/{theirs['id']}/deliveries?company_id={sandbox.company.id}",
    )
    assert response.status_code == 404


def test_the_resources_lists_say_which_events_each_resource_does_not_publish(sandbox):
    project = sandbox.call("GET", f"/rest/v1.0/webhooks/resources?project_id={sandbox.project.id}")
    rows = {row["tools"]: row for row in project.json()}
    assert len(rows) == len(webhook_resources.PROJECT)
    assert rows["Sub Jobs"]["except"] == [] and "Requisitions" not in rows
    assert (rows["Project Users"]["except"], rows["Project Users"]["update"]) == (["update"], None)
    path = f"/rest/v2.0/companies/{sandbox.company.id}/webhooks/resources?payload_version=v2.0"
    first = sandbox.call("GET", path)
    assert first["Total"] == str(len(webhook_resources.RESOURCES))
    everything = sandbox.call("GET", path + "&per_page=100").json()["data"]
    everything += sandbox.call("GET", path + "&per_page=100&page=2").json()["data"]
    listed = {row["name"]: (row["category"], row["actions"]) for row in everything}
    assert listed["Company Users"] == ("Company", ["create", "update"])
    assert listed["Timecard Time Types"] == ("Company", ["create", "delete"])
    assert len(listed) == len(webhook_resources.RESOURCES)


# --- what is delivered -------------------------------------------------------------------------


def test_a_change_is_posted_as_a_v2_payload_with_the_hooks_headers(sandbox, destination):
    destination.post(DESTINATION, status=204)
    hook(sandbox, ("Company Users", "update"))
    user = sandbox.add("users", project=False, first_name="Ada", last_name="Lovelace")
    store.record_update(user, {"last_name": "Byron"})  # as a page or command would: no app

    assert webhook_sender.deliver_due() == 1
    (call,) = destination.calls
    assert call.request.headers["Authorization"] == SECRET
    assert call.request.headers["Content-Type"] == "application/json"
    event = json.loads(call.request.body)
    assert set(event) == {
        *("id", "ulid", "timestamp", "metadata", "user_id", "company_id", "project_id"),
        *("api_version", "event_type", "resource_name", "resource_id"),
    }
    assert event["metadata"] == {
        "source_user_id": None,
        "source_project_id": None,
        "source_company_id": sandbox.company.id,
        "source_application_id": None,
        "source_operation_id": None,
    }
    assert (event["api_version"], event["event_type"], event["resource_name"]) == (
        "v2.0",
        "update",
        "Company Users",
    )
    assert (event["resource_id"], event["company_id"], event["project_id"]) == (
        user.id,
        sandbox.company.id,
        None,
    )
    assert len(event["ulid"]) == 26 and event["timestamp"].endswith("Z")
    assert webhook_sender.deliver_due() == 0  # delivered once, not again


def test_a_change_through_the_api_names_the_app_and_user_that_made_it(sandbox, destination):
    destination.post(DESTINATION, status=200)
    hook(sandbox, ("Company Vendors", "update"))
    vendor = sandbox.add("vendors", project=False, name="Steel Co")
    response = sandbox.call(
        "PATCH",
        f"/rest/v1.0/vendors/{vendor.id}",
        {"company_id": sandbox.company.id, "vendor": {"name": "Steel & Sons"}},
    )
    assert response.status_code == 200

    webhook_sender.deliver_due()
    (event,) = posted(destination)
    assert event["metadata"]["source_application_id"] == sandbox.token.app.client_id
    assert event["user_id"] == event["metadata"]["source_user_id"] == sandbox.token.user_id


def test_a_v2_hook_gets_the_payload_version_it_asked_for(sandbox, destination):
    destination.post(DESTINATION, status=200)
    v2 = f"/rest/v2.0/companies/{sandbox.company.id}/webhooks/hooks"
    body = {"payload_version": "v4.0", "namespace": "trestle", "destination_url": DESTINATION}
    created = sandbox.call("POST", v2, body).json()["data"]
    trigger = {"resource_name": "Sub Jobs", "event_type": "create"}
    assert sandbox.call("POST", f"{v2}/{created['id']}/triggers", trigger).status_code == 201
    sub_job = sandbox.add("sub_jobs", name="200")

    webhook_sender.deliver_due()
    (event,) = posted(destination)
    assert event == {
        "id": event["id"],
        "timestamp": event["timestamp"],
        "reason": "create",
        "company_id": str(sandbox.company.id),
        "project_id": str(sandbox.project.id),
        "user_id": None,
        "resource_type": "Sub Jobs",
        "resource_id": str(sub_job.id),
    }
    assert len(event["id"]) == 26  # v4.0 ids are ULIDs


def test_unpublished_changes_and_events_deliver_nothing(sandbox, destination):
    hook(sandbox, ("Company Users", "create"), ("Company Users", "update"))
    user = sandbox.add("users", project=False, first_name="Ada")
    store.record_delete(user)  # Company Users publishes no delete
    sandbox.add("requisitions", invoice_number="7")  # §10.2: no "Requisitions" resource
    sandbox.add("crews", name="Crew 1")
    assert [d.event["event_type"] for d in SandboxDelivery.objects.all()] == ["create"]


def test_a_rolled_back_change_queues_no_delivery(sandbox):
    hook(sandbox, ("Company Users", "create"))
    with pytest.raises(RuntimeError), transaction.atomic():
        sandbox.add("users", project=False, first_name="Ada")
        raise RuntimeError("the page failed after the write")
    assert not SandboxDelivery.objects.exists()


def test_a_project_hook_hears_only_its_own_project(sandbox, destination):
    destination.post(DESTINATION, status=200)
    other = sandbox.add("projects", project=False, name="Annex")
    project_scope = {"project_id": sandbox.project.id}
    hook(sandbox, ("Sub Jobs", "create"), ("Company Users", "create"), **project_scope)
    ours = sandbox.add("sub_jobs", name="200")
    store.record_create(company=sandbox.company, resource="sub_jobs", data={}, project_id=other.id)
    sandbox.add("users", project=False, first_name="Ada")  # a company event: no project

    webhook_sender.deliver_due()
    assert [(e["resource_name"], e["resource_id"]) for e in posted(destination)] == [
        ("Sub Jobs", ours.id)
    ]


def test_a_change_events_line_items_are_published_on_their_own(sandbox, destination):
    destination.post(DESTINATION, status=200)
    hook(sandbox, *(("Change Event Line Items", e) for e in ("create", "update", "delete")))
    lines = [
        {"description": "Drywall", "estimated_cost_amount": "850.00"},
        {"description": "Paint"},
    ]
    event = sandbox.add("change_events", title="Extra", change_event_line_items_attributes=lines)
    drywall, paint = (line["id"] for line in event.data["change_event_line_items"])
    webhook_sender.deliver_due()
    assert [(e["event_type"], e["resource_id"]) for e in posted(destination)] == [
        ("create", drywall),
        ("create", paint),
    ]
    destination.calls.reset()

    store.record_update(
        event,
        {
            "title": "Extra (rev. 1)",  # the event's own change: not a line's
            "change_event_line_items_attributes": [
                {"id": drywall, "estimated_cost_amount": "935.00"},
                {"id": paint, "description": "Paint"},  # unchanged: nothing to announce
                {"description": "Primer"},
            ],
        },
    )
    store.record_update(
        event, {"change_event_line_items_attributes": [{"id": paint, "_destroy": True}]}
    )

    webhook_sender.deliver_due()
    primer = max(line["id"] for line in event.data["change_event_line_items"])
    published = posted(destination)
    assert [(e["resource_name"], e["event_type"], e["resource_id"]) for e in published] == [
        ("Change Event Line Items", "update", drywall),
        ("Change Event Line Items", "create", primer),
        ("Change Event Line Items", "delete", paint),
    ]
    assert {e["project_id"] for e in published} == {sandbox.project.id}
    assert "Change Event Line Items" in webhook_resources.RESOURCES


# --- how it is delivered -----------------------------------------------------------------------


def test_a_failing_destination_is_retried_with_backoff_until_it_answers(sandbox, destination):
    destination.post(DESTINATION, status=500)
    destination.post(DESTINATION, body=requests.ConnectionError("refused"))
    destination.post(DESTINATION, status=200)
    created = hook(sandbox, ("Company Users", "create"))
    sandbox.add("users", project=False, first_name="Ada")
    clock = Clock()

    assert webhook_sender.deliver_due(now=clock) == 1  # 500
    delivery = SandboxDelivery.objects.get()
    assert delivery.status == "retrying" and delivery.due_at == clock() + timedelta(seconds=1)
    clock.to(clock() + timedelta(milliseconds=900))
    assert webhook_sender.deliver_due(now=clock) == 0  # paused until the backoff ends
    clock.to(delivery.due_at)
    assert webhook_sender.deliver_due(now=clock) == 1  # connection refused
    delivery.refresh_from_db()
    assert delivery.due_at == clock() + timedelta(seconds=2)
    clock.to(delivery.due_at)
    assert webhook_sender.deliver_due(now=clock) == 1  # 200

    listed = sandbox.call(
        "GET",
        f"/rest/v1.0/webhooks/hooks/{created['id']}/deliveries?company_id={sandbox.company.id}",
    ).json()
    assert [(d["outcome"], d["response_status"]) for d in listed] == [("retried", 200)]
    assert listed[0]["event"]["resource_name"] == "Company Users"
    v2 = sandbox.call(
        "GET",
        f"/rest/v2.0/companies/{sandbox.company.id}/webhooks/hooks/{created['id']}/deliveries",
    ).json()["data"]
    assert [(d["status"], len(d["delivery_attempts"])) for d in v2] == [("delivered", 3)]
    assert "refused" in v2[0]["delivery_attempts"][1]["response_error"]


def test_after_12_hours_of_failures_the_hooks_queue_is_discarded(sandbox, destination):
    destination.post(DESTINATION, status=503)
    created = hook(sandbox, ("Company Users", "create"))
    first = sandbox.add("users", project=False, first_name="Ada")
    sandbox.add("users", project=False, first_name="Grace")
    clock, gaps = Clock(), []
    while SandboxDelivery.objects.filter(status__in=webhook_sender.PENDING).exists():
        assert webhook_sender.deliver_due(now=clock) == 1
        head = SandboxDelivery.objects.order_by("id").first()
        gaps.append((head.due_at - clock()).total_seconds())
        clock.to(head.due_at)

    assert {e["resource_id"] for e in posted(destination)} == {first.id}  # the rest waited
    assert gaps[:13] == [2**n for n in range(12)] + [3600]
    assert set(SandboxDelivery.objects.values_list("status", flat=True)) == {"discarded"}
    failing = SandboxDelivery.objects.order_by("id").first()
    assert failing.due_at - failing.failing_since >= timedelta(hours=12)
    listed = sandbox.call("GET", deliveries(sandbox, created) + "&filters[status]=discarded").json()
    assert [d["outcome"] for d in listed] == ["discarded", "discarded"]


def test_the_duplicate_fault_posts_a_delivery_twice(sandbox, destination):
    destination.post(DESTINATION, status=200)
    faults.set_faults(webhook_duplicate=1.0)
    hook(sandbox, ("Company Users", "create"))
    sandbox.add("users", project=False, first_name="Ada")

    assert webhook_sender.deliver_due() == 2
    first, second = posted(destination)
    assert first == second
    assert webhook_sender.counts() == {
        "enqueued": 0,
        "retrying": 0,
        "delivered": 1,
        "discarded": 0,
        "posts": 2,
    }


def test_a_delivery_claimed_by_one_sender_is_not_sent_by_another(sandbox, destination):
    destination.post(DESTINATION, status=200)
    hook(sandbox, ("Company Users", "create"))
    sandbox.add("users", project=False, first_name="Ada")
    now = timezone.now()
    assert webhook_sender._claim(now) is not None
    assert webhook_sender._claim(now) is None  # leased
    assert webhook_sender._claim(now + webhook_sender.LEASE + timedelta(seconds=1)) is not None
