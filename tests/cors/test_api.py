"""The COR REST API: CRUD with lines, the log's filters, money as strings, roles, tenancy."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts import policy
from apps.accounts.models import AuditEntry, Role
from apps.cors.fingerprint import cor_fingerprint
from apps.cors.models import ChangeOrderRequest, CorStatus
from apps.cors.services import Line, cor_create, cor_set_status
from apps.offices.models import Office
from apps.procore_sync.push_models import CorPush
from apps.projects.models import CostCode, Project

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def project(tenant) -> Project:
    return Project.objects.create(office=tenant.office, number="200", name="PJA")


@pytest.fixture
def code(tenant) -> CostCode:
    return CostCode.objects.create(
        office=tenant.office, code="26-100", name="Electrical", division_code="26"
    )


def make_cor(project, user, title="Extra outlet", amounts=("100",)) -> ChangeOrderRequest:
    lines = [
        Line(description=f"Line {n}", cost_type="labor", quantity=D("1"), unit_cost=D(amount))
        for n, amount in enumerate(amounts)
    ]
    return cor_create(project=project, user=user, title=title, lines=lines)


def line(description="Electrician", **fields) -> dict:
    return {
        "description": description,
        "cost_type": "labor",
        "quantity": "4",
        "unit_cost": "85.50",
        "markup_percent": "10",
        **fields,
    }


def assert_totals_match_saved_lines(cor_id: int) -> ChangeOrderRequest:
    """The stored totals and fingerprint are those of the saved lines."""
    cor = ChangeOrderRequest.objects.get(pk=cor_id)
    lines = list(cor.lines.all())
    assert cor.subtotal == sum((item.cost for item in lines), D("0"))
    assert cor.total == sum((item.amount for item in lines), D("0"))
    assert cor.fingerprint == cor_fingerprint(cor, lines)
    return cor


# Create and read ---------------------------------------------------------------------------------


def test_it_creates_a_cor_with_lines_and_gives_money_as_decimal_strings(api, project, code):
    body = {
        "project": project.pk,
        "title": "Extra outlet",
        "schedule_impact_days": 2,
        "lines": [
            line(cost_code=code.pk),
            line("Box", cost_type="material", quantity="2", unit_cost="12.25", markup_percent="0"),
        ],
    }
    response = api.post("/api/v1/cors/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["number"] == 1 and data["status"] == "draft"
    assert (data["subtotal"], data["markup_total"], data["total"]) == ("366.50", "34.20", "400.70")
    assert [item["amount"] for item in data["lines"]] == ["376.20", "24.50"]
    assert data["lines"][0]["quantity"] == "4.000" and data["lines"][0]["cost_code"] == code.pk
    cor = assert_totals_match_saved_lines(data["id"])
    assert data["fingerprint"] == cor.fingerprint and cor.total == D("400.70")
    assert AuditEntry.objects.filter(action="cor.created", target_id=str(cor.pk)).exists()


def test_a_credit_cor_is_created_with_negative_lines(api, project):
    """A deductive change order: negative quantity or unit cost, markup still a rate."""
    body = {
        "project": project.pk,
        "title": "Omit two outlets",
        "lines": [line("Outlet", quantity="-2", unit_cost="50", markup_percent="10")],
    }
    response = api.post("/api/v1/cors/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["total"] == "-110.00"
    assert assert_totals_match_saved_lines(response.json()["id"]).total == D("-110.00")


def test_a_cor_without_lines_is_created_empty(api, project):
    response = api.post("/api/v1/cors/", {"project": project.pk, "title": "T"}, format="json")
    assert response.status_code == 201
    assert response.json()["lines"] == [] and response.json()["total"] == "0.00"


def test_retrieve_nests_the_lines_in_order(api, project, tenant):
    cor = make_cor(project, tenant.owner, amounts=("10", "20.5"))
    data = api.get(f"/api/v1/cors/{cor.pk}/").json()
    assert [(item["position"], item["unit_cost"]) for item in data["lines"]] == [
        (0, "10.00"),
        (1, "20.50"),
    ]
    assert data["total"] == "30.50"


def test_the_list_filters_like_the_cor_log(api, project, tenant):
    other = Project.objects.create(office=tenant.office, number="300", name="Other")
    outlet = make_cor(project, tenant.owner, "Extra outlet", ("100",))
    wall = make_cor(project, tenant.owner, "Move wall", ("500",))
    make_cor(other, tenant.owner, "Roof", ("50",))
    cor_set_status(cor=wall, status=CorStatus.SENT, user=tenant.owner)
    ChangeOrderRequest.objects.filter(pk=outlet.pk).update(
        created_at=timezone.now() - timedelta(days=10)
    )

    def titles(**params) -> list[str]:
        response = api.get("/api/v1/cors/", params)
        assert response.status_code == 200, response.json()
        return [row["title"] for row in response.json()["results"]]

    assert titles(project=project.pk, sort="title") == ["Extra outlet", "Move wall"]
    assert titles(status="sent") == ["Move wall"]
    assert titles(q="wall") == ["Move wall"]
    assert titles(q=str(outlet.number), project=project.pk) == ["Extra outlet"]
    assert titles(date_to=(timezone.localdate() - timedelta(days=5)).isoformat()) == [
        "Extra outlet"
    ]
    assert titles(date_from=timezone.localdate().isoformat(), sort="-total") == [
        "Move wall",
        "Roof",
    ]
    page = api.get("/api/v1/cors/").json()
    assert page["count"] == 3 and page["results"][0]["total"] in ("500.00", "50.00", "100.00")
    assert "lines" not in page["results"][0]


def test_the_list_filters_by_procore_push_state(api, project, tenant):
    pushed = make_cor(project, tenant.owner, "Pushed")
    make_cor(project, tenant.owner, "New")
    CorPush.objects.create(
        office=tenant.office,
        cor=pushed,
        procore_project_id=1,
        change_event_status="open",
        fingerprint=pushed.fingerprint,
    )

    def titles(**params) -> list[str]:
        return [row["title"] for row in api.get("/api/v1/cors/", params).json()["results"]]

    assert titles(push_state="pushed") == ["Pushed"]
    assert titles(push_state="not_pushed") == ["New"]
    assert titles(push_state="out_of_date") == []
    assert titles(change_event_status="open") == ["Pushed"]
    assert api.get("/api/v1/cors/", {"push_state": "sideways"}).status_code == 400


def test_a_bad_filter_is_a_400_naming_it(api):
    response = api.get("/api/v1/cors/", {"status": "lost", "date_from": "yesterday"})
    assert response.status_code == 400
    assert set(response.json()) == {"status", "date_from"}


# Update ------------------------------------------------------------------------------------------


def test_patching_fields_keeps_the_lines(api, project, tenant):
    cor = make_cor(project, tenant.owner, amounts=("10", "20"))
    before = list(cor.lines.values_list("pk", "amount"))
    response = api.patch(f"/api/v1/cors/{cor.pk}/", {"title": "Renamed"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Renamed" and response.json()["total"] == "30.00"
    assert list(cor.lines.values_list("pk", "amount")) == before
    assert assert_totals_match_saved_lines(cor.pk).fingerprint != cor.fingerprint  # title is in it


def test_a_full_update_keeps_lines_by_id_adds_new_and_drops_the_rest(api, project, tenant):
    cor = make_cor(project, tenant.owner, amounts=("10", "20"))
    kept, dropped = cor.lines.all()
    body = {
        "title": "Both",
        "lines": [
            line("New first", unit_cost="1.00", markup_percent="0", quantity="3"),
            line("Kept", id=kept.pk, unit_cost="11.00", markup_percent="0", quantity="1"),
        ],
    }
    response = api.put(f"/api/v1/cors/{cor.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    ids = [item["id"] for item in response.json()["lines"]]
    assert ids[1] == kept.pk and dropped.pk not in ids
    assert response.json()["total"] == "14.00"
    assert assert_totals_match_saved_lines(cor.pk).lines.get(pk=kept.pk).description == "Kept"


def test_a_line_id_of_another_cor_is_refused(api, project, tenant):
    cor, other = make_cor(project, tenant.owner), make_cor(project, tenant.owner)
    body = {"title": "T", "lines": [line(id=other.lines.get().pk)]}
    response = api.put(f"/api/v1/cors/{cor.pk}/", body, format="json")
    assert response.status_code == 400
    assert "lines" in response.json()
    assert other.lines.count() == 1 and cor.lines.get().unit_cost == D("100.00")


def test_an_approved_cor_cannot_be_edited(api, project, tenant):
    cor = make_cor(project, tenant.owner)
    cor_set_status(cor=cor, status=CorStatus.SENT, user=tenant.owner)
    cor_set_status(cor=cor, status=CorStatus.APPROVED, user=tenant.owner)
    response = api.patch(f"/api/v1/cors/{cor.pk}/", {"title": "Late"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["A approved COR cannot be edited."]}


# Validation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"markup_percent": "-5"}, "markup_percent"),
        ({"unit_cost": "1.234"}, "unit_cost"),  # more decimals than the column keeps
        ({"unit_cost": "1234567890123.00"}, "unit_cost"),  # more digits than the column keeps
        ({"quantity": "abc"}, "quantity"),
        ({"cost_type": "magic"}, "cost_type"),
        ({"description": ""}, "description"),
    ],
)
def test_bad_line_values_are_a_400_naming_the_field(api, project, fields, error):
    body = {"project": project.pk, "title": "T", "lines": [line(**fields)]}
    response = api.post("/api/v1/cors/", body, format="json")
    assert response.status_code == 400
    assert error in response.json()["lines"]["0"]  # errors are keyed by the line's index
    assert not ChangeOrderRequest.objects.exists()


def test_a_total_too_large_for_the_columns_is_refused(api, project):
    huge = line(quantity="999999999", unit_cost="999999999999.99")
    response = api.post(
        "/api/v1/cors/", {"project": project.pk, "title": "T", "lines": [huge]}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["The COR total is too large."]}


def test_a_cost_code_must_be_of_the_projects_office(api, project, tenant, outsider):
    north = Office.objects.create(account=tenant.account, name="North")
    ours_elsewhere = CostCode.objects.create(office=north, code="1", name="x", division_code="0")
    theirs = CostCode.objects.create(office=outsider.office, code="1", name="x", division_code="0")
    for cost_code, message in ((ours_elsewhere, "another office"), (theirs, "does not exist")):
        body = {"project": project.pk, "title": "T", "lines": [line(cost_code=cost_code.pk)]}
        response = api.post("/api/v1/cors/", body, format="json")
        assert response.status_code == 400
        assert message in str(response.json())
    assert not ChangeOrderRequest.objects.exists()


def test_a_project_of_another_account_does_not_exist(api, outsider):
    theirs = Project.objects.create(office=outsider.office, number="9", name="Theirs")
    response = api.post("/api/v1/cors/", {"project": theirs.pk, "title": "T"}, format="json")
    assert response.status_code == 400
    assert "does not exist" in response.json()["project"][0]
    assert not ChangeOrderRequest.objects.exists()


# Lines -------------------------------------------------------------------------------------------


def test_line_writes_keep_the_cors_totals_and_fingerprint(api, project, tenant):
    cor = make_cor(project, tenant.owner, amounts=("100",))
    url = f"/api/v1/cors/{cor.pk}/lines/"

    created = api.post(url, line(), format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["amount"] == "376.20" and created.json()["position"] == 1
    assert assert_totals_match_saved_lines(cor.pk).total == D("476.20")

    first = cor.lines.order_by("position").first()
    patched = api.patch(f"{url}{first.pk}/", {"unit_cost": "50"}, format="json")
    assert patched.status_code == 200, patched.json()
    assert patched.json()["id"] == first.pk and patched.json()["description"] == "Line 0"
    assert assert_totals_match_saved_lines(cor.pk).total == D("426.20")

    assert api.delete(f"{url}{first.pk}/").status_code == 204
    cor = assert_totals_match_saved_lines(cor.pk)
    assert cor.total == D("376.20") and cor.lines.count() == 1
    listed = api.get(url).json()
    assert [item["id"] for item in listed["results"]] == [created.json()["id"]]


def test_a_line_write_on_an_approved_cor_is_refused(api, project, tenant):
    cor = make_cor(project, tenant.owner)
    cor_set_status(cor=cor, status=CorStatus.VOID, user=tenant.owner)
    response = api.post(f"/api/v1/cors/{cor.pk}/lines/", line(), format="json")
    assert response.status_code == 400 and "cannot be edited" in str(response.json())
    assert cor.lines.count() == 1


def test_a_line_of_another_cor_is_404_under_this_one(api, project, tenant):
    cor, other = make_cor(project, tenant.owner), make_cor(project, tenant.owner)
    url = f"/api/v1/cors/{cor.pk}/lines/{other.lines.get().pk}/"
    assert api.get(url).status_code == 404
    assert api.delete(url).status_code == 404
    assert other.lines.count() == 1


# Status and delete -------------------------------------------------------------------------------


def test_status_moves_through_the_allowed_transitions(api, project, tenant):
    cor = make_cor(project, tenant.owner)
    url = f"/api/v1/cors/{cor.pk}/status/"
    refused = api.post(url, {"status": "approved"}, format="json")
    assert refused.status_code == 400
    assert "cannot become Approved" in refused.json()["non_field_errors"][0]
    assert api.post(url, {"status": "lost"}, format="json").status_code == 400
    sent = api.post(url, {"status": "sent"}, format="json")
    assert sent.status_code == 200
    assert sent.json()["status"] == "sent" and sent.json()["sent_on"] == str(timezone.localdate())


def test_only_a_draft_can_be_deleted(api, project, tenant):
    draft, sent = make_cor(project, tenant.owner), make_cor(project, tenant.owner)
    cor_set_status(cor=sent, status=CorStatus.SENT, user=tenant.owner)
    refused = api.delete(f"/api/v1/cors/{sent.pk}/")
    assert refused.status_code == 400
    assert "Only a draft COR can be deleted" in refused.json()["non_field_errors"][0]
    assert api.delete(f"/api/v1/cors/{draft.pk}/").status_code == 204
    assert list(ChangeOrderRequest.objects.all()) == [sent]
    assert AuditEntry.objects.filter(action="cor.deleted", target_id=str(draft.pk)).exists()


# Permissions and tenancy -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_reading_and_writing_follow_the_policy(api_as, role, project, tenant):
    client = api_as(role)
    cor = make_cor(project, tenant.owner)
    listed = client.get("/api/v1/cors/")
    created = client.post("/api/v1/cors/", {"project": project.pk, "title": "T"}, format="json")
    line_added = client.post(f"/api/v1/cors/{cor.pk}/lines/", line(), format="json")
    assert listed.status_code == (200 if role in policy.ALLOWED["cors.view"] else 403)
    assert created.status_code == (201 if role in policy.ALLOWED["cors.manage"] else 403)
    assert line_added.status_code == (201 if role in policy.ALLOWED["cors.manage"] else 403)
    if role not in policy.ALLOWED["cors.manage"]:
        assert created.json() == {"detail": policy.reason("cors.manage")}
        assert cor.lines.count() == 1


def test_a_field_user_is_refused_with_the_reason(api_as, project, tenant):
    cor = make_cor(project, tenant.owner)
    response = api_as(Role.FIELD).get(f"/api/v1/cors/{cor.pk}/")
    assert response.status_code == 403
    assert response.json() == {"detail": policy.reason("cors.view")}


def test_anonymous_calls_are_refused(project, tenant):
    assert APIClient().get("/api/v1/cors/").status_code == 401


def test_it_refuses_another_accounts_cor_with_404_on_every_route(api, project, tenant, outsider):
    mine = make_cor(project, tenant.owner)
    theirs_project = Project.objects.create(office=outsider.office, number="9", name="Theirs")
    theirs = make_cor(theirs_project, outsider.owner, title="Theirs")
    theirs_line = theirs.lines.get()
    before = (
        ChangeOrderRequest.objects.filter(pk=theirs.pk).values().get(),
        list(theirs.lines.values()),
    )
    detail, lines = f"/api/v1/cors/{theirs.pk}/", f"/api/v1/cors/{theirs.pk}/lines/"
    calls = [
        ("get", detail, None),
        ("put", detail, {"title": "Hijacked", "lines": []}),
        ("patch", detail, {"title": "Hijacked"}),
        ("delete", detail, None),
        ("post", f"{detail}status/", {"status": "void"}),
        ("get", lines, None),
        ("post", lines, line()),
        ("get", f"{lines}{theirs_line.pk}/", None),
        ("patch", f"{lines}{theirs_line.pk}/", {"unit_cost": "1"}),
        ("delete", f"{lines}{theirs_line.pk}/", None),
        ("get", f"/api/v1/cors/{mine.pk}/lines/{theirs_line.pk}/", None),
    ]
    for method, url, body in calls:
        response = getattr(api, method)(url, body, format="json")
        assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
    after = (
        ChangeOrderRequest.objects.filter(pk=theirs.pk).values().get(),
        list(theirs.lines.values()),
    )
    assert after == before
    listed = api.get("/api/v1/cors/", {"q": "Theirs"}).json()
    assert listed["count"] == 0


def test_the_schema_documents_the_cor_routes(client):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    assert {"/api/v1/cors/", "/api/v1/cors/{id}/", "/api/v1/cors/{id}/status/"} <= set(paths)
    assert {"/api/v1/cors/{cor_id}/lines/", "/api/v1/cors/{cor_id}/lines/{id}/"} <= set(paths)
