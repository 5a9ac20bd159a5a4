"""The sync REST API: runs with their items, and queueing a push of CORs into Procore."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from apps.accounts import policy
from apps.accounts.models import Role
from apps.cors.models import ChangeNotification, ChangeOrderRequest
from apps.cors.services import Line, cor_create
from apps.offices.models import Office
from apps.procore_sync import api as sync_api
from apps.procore_sync.engine_models import ExternalRef, SyncItem, SyncRun
from apps.projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """Run ids handed to the worker; no worker runs."""
    calls: list[int] = []
    monkeypatch.setattr(sync_api, "enqueue_run", calls.append)
    return calls


def mapped_project(office, number: str = "200", procore_id: int = 5_000_000_001) -> Project:
    project = Project.objects.create(office=office, number=number, name=f"Project {number}")
    ExternalRef.objects.create(
        office=office,
        procore_type="project",
        procore_id=procore_id,
        content_type=ContentType.objects.get_for_model(Project),
        object_id=project.pk,
    )
    return project


def make_cor(project, user, title: str = "Extra outlet") -> ChangeOrderRequest:
    line = Line(
        description="Crew", cost_type="labor", quantity=Decimal("2"), unit_cost=Decimal("50")
    )
    return cor_create(project=project, user=user, title=title, lines=[line])


# Sync runs ---------------------------------------------------------------------------------------


def test_runs_are_listed_for_the_account_and_filtered(api, tenant, outsider):
    north = Office.objects.create(account=tenant.account, name="North")
    entities = SyncRun.objects.create(office=tenant.office, flow="entities", trigger="user")
    push = SyncRun.objects.create(office=north, flow="cor_push", trigger="user")
    SyncRun.objects.create(office=outsider.office, flow="entities", trigger="user")

    def ids(**params) -> list[int]:
        response = api.get("/api/v1/sync-runs/", params)
        assert response.status_code == 200, response.json()
        return [run["id"] for run in response.json()["results"]]

    assert ids() == [push.pk, entities.pk]
    assert ids(office=north.pk) == [push.pk]
    assert ids(flow="entities") == [entities.pk]
    assert ids(office=outsider.office.pk) == []
    assert api.get("/api/v1/sync-runs/", {"office": "north"}).status_code == 400


def test_a_run_shows_progress_counts_and_its_first_items(api, tenant, settings):
    run = SyncRun.objects.create(
        office=tenant.office,
        flow="entities",
        trigger="user",
        status="partial",
        progress_done=3,
        progress_total=4,
        counts={"created": 2, "failed": 1},
    )
    SyncItem.objects.bulk_create(
        SyncItem(run=run, entity="vendor", direction="in", label=f"V{n}", outcome="created")
        for n in range(sync_api.FIRST_ITEMS + 2)
    )
    data = api.get(f"/api/v1/sync-runs/{run.pk}/").json()
    assert (data["status"], data["percent"], data["counts"]) == ("partial", 75, run.counts)
    assert data["items_count"] == sync_api.FIRST_ITEMS + 2
    assert len(data["items"]) == sync_api.FIRST_ITEMS
    assert data["items_url"].endswith(f"/api/v1/sync-runs/{run.pk}/items/")
    page = api.get(data["items_url"], {"page": 11}).json()
    assert page["count"] == sync_api.FIRST_ITEMS + 2
    assert [item["label"] for item in page["results"]] == ["V500", "V501"]
    assert api.get(data["items_url"], {"outcome": "failed"}).json()["count"] == 0


def test_sync_runs_need_sync_view(api_as, tenant):
    run = SyncRun.objects.create(office=tenant.office, flow="entities", trigger="user")
    for role in (Role.FIELD, Role.AP_CLERK):
        response = api_as(role).get(f"/api/v1/sync-runs/{run.pk}/")
        assert response.status_code == 403
        assert response.json() == {"detail": policy.reason("sync.view")}


def test_another_accounts_run_is_404(api, outsider):
    theirs = SyncRun.objects.create(office=outsider.office, flow="entities", trigger="user")
    assert api.get(f"/api/v1/sync-runs/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/v1/sync-runs/{theirs.pk}/items/").status_code == 404


def test_retry_queues_exactly_what_a_run_left_and_refuses_when_nothing_is_left(api_as, tenant):
    owner = api_as(Role.OWNER)
    run = SyncRun.objects.create(
        office=tenant.office,
        flow="entities",
        trigger="user",
        status="failed",
        work={"entity": "kind", "ids": ["employees", "vendors"], "done": ["employees"]},
    )
    response = owner.post(f"/api/v1/sync-runs/{run.pk}/retry/")
    assert response.status_code == 202
    retry = SyncRun.objects.exclude(pk=run.pk).get()
    assert response["Location"].endswith(f"/api/v1/sync-runs/{retry.pk}/")
    assert retry.params == {
        "entities": ["vendors"],
        "full": True,
        "retry_of": run.pk,
        "origin_run": run.pk,
    }
    SyncRun.objects.filter(pk=run.pk).update(work={**run.work, "done": ["employees", "vendors"]})
    response = owner.post(f"/api/v1/sync-runs/{run.pk}/retry/")
    assert response.status_code == 409 and "Nothing is left to do" in response.json()["detail"]
    assert SyncRun.objects.count() == 2


def test_retry_needs_sync_run_and_the_callers_account(api_as, api, tenant, outsider):
    mine = SyncRun.objects.create(
        office=tenant.office, flow="entities", trigger="u", status="failed"
    )
    theirs = SyncRun.objects.create(office=outsider.office, flow="entities", trigger="u")
    assert api.post(f"/api/v1/sync-runs/{mine.pk}/retry/").status_code == 403  # a PM
    assert api_as(Role.OWNER).post(f"/api/v1/sync-runs/{theirs.pk}/retry/").status_code == 404
    assert SyncRun.objects.count() == 2


# Pushing CORs ------------------------------------------------------------------------------------


def push_body(project, cors, **options) -> dict:
    return {
        "project": project.pk,
        "cors": [cor.pk for cor in cors],
        "title": "CE from API",
        **options,
    }


def test_a_push_queues_a_sync_run_with_the_options(
    api, tenant, enqueued, django_capture_on_commit_callbacks
):
    project = mapped_project(tenant.office)
    cors = [make_cor(project, tenant.owner), make_cor(project, tenant.owner, "Move wall")]
    line_key = f"line:{cors[0].lines.get().pk}"
    body = push_body(
        project,
        cors,
        mode="lines",
        budget_codes={line_key: 9_000_000_001},
        default_budget_code_id=9_000_000_002,
        contract={"type": "prime_contract", "id": 77},
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/cor-pushes/", body, format="json")
    assert response.status_code == 202, response.json()
    run = SyncRun.objects.get()
    assert enqueued == [run.pk]
    assert response.json()["id"] == run.pk and response.json()["status"] == "queued"
    assert response.json()["url"].endswith(f"/api/v1/sync-runs/{run.pk}/")
    assert response["Location"] == response.json()["url"]
    pm = tenant.member(Role.PROJECT_MANAGER)
    assert (run.flow, run.office, run.requested_by) == ("cor_push", tenant.office, pm)
    assert run.params == {
        "project_id": project.pk,
        "cor_ids": [c.pk for c in cors],
        "mode": "lines",
        "change_event_id": None,
        "title": "CE from API",
        "budget_codes": {line_key: 9_000_000_001},
        "default_budget_code_id": 9_000_000_002,
        "contract": {"type": "prime_contract", "id": 77},
    }
    assert api.get(response.json()["url"]).json()["id"] == run.pk


def test_a_push_into_an_existing_change_event_needs_no_title(api, tenant, enqueued):
    project = mapped_project(tenant.office)
    body = {
        "project": project.pk,
        "cors": [make_cor(project, tenant.owner).pk],
        "change_event_id": 123,
        "mode": "lump_sum",
    }
    response = api.post("/api/v1/cor-pushes/", body, format="json")
    assert response.status_code == 202, response.json()
    assert SyncRun.objects.get().params["change_event_id"] == 123


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"title": ""}, "title"),
        ({"mode": "sideways"}, "mode"),
        ({"contract": {"type": "lease", "id": 1}}, "contract"),
        ({"budget_codes": {"row:1": 5}}, "budget_codes"),
        ({"budget_codes": {"line:1": "five"}}, "budget_codes"),
        ({"default_budget_code_id": -3}, "default_budget_code_id"),
        ({"change_event_id": "abc"}, "change_event_id"),
    ],
)
def test_bad_push_options_are_a_400_naming_the_field(api, tenant, enqueued, options, field):
    project = mapped_project(tenant.office)
    body = push_body(project, [make_cor(project, tenant.owner)], **options)
    response = api.post("/api/v1/cor-pushes/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not SyncRun.objects.exists() and enqueued == []


def test_another_accounts_cor_is_never_pushed(
    api, tenant, outsider, enqueued, django_capture_on_commit_callbacks
):
    project = mapped_project(tenant.office)
    theirs = make_cor(
        Project.objects.create(office=outsider.office, number="9", name="T"), outsider.owner
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post(
            "/api/v1/cor-pushes/",
            push_body(project, [make_cor(project, tenant.owner), theirs]),
            format="json",
        )
    assert response.status_code == 400
    assert response.json() == {"cors": [f"No COR that can be pushed here has id {theirs.pk}."]}
    assert not SyncRun.objects.exists() and enqueued == [] and callbacks == []


def test_a_project_of_another_account_is_never_a_target(api, tenant, outsider, enqueued):
    theirs = mapped_project(outsider.office, number="9")
    body = push_body(theirs, [make_cor(theirs, outsider.owner)])
    response = api.post("/api/v1/cor-pushes/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["project"]
    assert not SyncRun.objects.exists() and enqueued == []


def test_a_cor_of_another_project_is_refused(api, tenant, enqueued):
    project, other = mapped_project(tenant.office), mapped_project(tenant.office, "300", 42)
    body = push_body(project, [make_cor(other, tenant.owner)])
    response = api.post("/api/v1/cor-pushes/", body, format="json")
    assert response.status_code == 400
    assert "does not belong to project" in response.json()["non_field_errors"][0]
    assert not SyncRun.objects.exists() and enqueued == []


def test_an_unmapped_project_is_refused(api, tenant, enqueued):
    project = Project.objects.create(office=tenant.office, number="200", name="Unmapped")
    response = api.post(
        "/api/v1/cor-pushes/", push_body(project, [make_cor(project, tenant.owner)]), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"project": ["Map this project to a Procore project first."]}


def test_a_customer_pushes_the_contractors_answer_to_its_notification(
    api, tenant, outsider, enqueued
):
    """The contractor's COR answers a notification sent from our project: ours to push."""
    project, elsewhere = mapped_project(tenant.office), mapped_project(tenant.office, "300", 42)
    contractor_project = Project.objects.create(office=outsider.office, number="9", name="Job")
    answer = make_cor(contractor_project, outsider.owner, "Answer")
    other_answer = make_cor(contractor_project, outsider.owner, "Other answer")
    for number, (cor, sent_from) in enumerate(((answer, project), (other_answer, elsewhere))):
        ChangeNotification.objects.create(
            customer=tenant.account,
            customer_project=sent_from,
            contractor=outsider.account,
            number=number + 1,
            title="Change",
            response_cor=cor,
        )

    refused = api.post("/api/v1/cor-pushes/", push_body(project, [other_answer]), format="json")
    assert refused.status_code == 400 and "cors" in refused.json()
    accepted = api.post("/api/v1/cor-pushes/", push_body(project, [answer]), format="json")
    assert accepted.status_code == 202, accepted.json()
    assert SyncRun.objects.get().params["cor_ids"] == [answer.pk]


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_pushing_needs_cors_manage(api_as, role, tenant, enqueued):
    project = mapped_project(tenant.office)
    body = push_body(project, [make_cor(project, tenant.owner)])
    response = api_as(role).post("/api/v1/cor-pushes/", body, format="json")
    allowed = role in policy.ALLOWED["cors.manage"]
    assert response.status_code == (202 if allowed else 403)
    assert SyncRun.objects.exists() is allowed


def test_the_schema_documents_the_sync_routes(client):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    assert {"/api/v1/sync-runs/", "/api/v1/sync-runs/{id}/", "/api/v1/cor-pushes/"} <= set(paths)
    assert "202" in paths["/api/v1/cor-pushes/"]["post"]["responses"]
