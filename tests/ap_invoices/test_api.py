"""The AP REST API: invoices with lines and totals, routing, line review, payments, queues and
routing rules, the imported-invoice lock, roles and tenancy."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.accounts import policy
from apps.accounts.models import AuditEntry, Role
from apps.ap_invoices.models import (
    ApInvoice,
    ApPayment,
    ApQueue,
    Commitment,
    InvoiceStatus,
    RoutingRule,
    Vendor,
)
from apps.ap_invoices.payments import payment_record
from apps.ap_invoices.services import Line, review_line
from apps.offices.models import Office
from apps.procore_sync.engine_models import SyncSettings
from apps.projects.models import CostCode, Project

from .conftest import make_invoice

pytestmark = pytest.mark.django_db
D = Decimal
URL = "/api/v1/ap-invoices/"


def body(ap, lines=None, **fields) -> dict:
    """A complete invoice as the API takes it, routed to review when `rule` exists."""
    if lines is None:
        lines = [{"description": "Studs", "amount": "1000.00", "retainage": "100.00"}]
        lines[0]["cost_code"] = ap.framing.pk
    return {
        "office": ap.office.pk,
        "queue": ap.queue.pk,
        "project": ap.project.pk,
        "vendor": ap.vendor.pk,
        "commitment": ap.commitment.pk,
        "invoice_number": "A-7",
        "billing_date": "2025-01-31",
        "period_start": "2025-01-01",
        "period_end": "2025-01-31",
        "lines": lines,
        **fields,
    }


@pytest.fixture
def clerk(api_as) -> APIClient:
    return api_as(Role.AP_CLERK)


@pytest.fixture
def approved(ap, rule, tenant) -> ApInvoice:
    invoice = make_invoice(ap, tenant.owner)
    review_line(line=invoice.lines.get(), user=ap.reviewer, approve=True)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.APPROVED and invoice.total == D("900.00")
    return invoice


def imported(invoice: ApInvoice) -> ApInvoice:
    ApInvoice.objects.filter(pk=invoice.pk).update(procore_requisition_id=5551234567890)
    invoice.refresh_from_db()
    return invoice


# Create and read ---------------------------------------------------------------------------------


def test_it_creates_an_invoice_with_lines_routes_it_and_gives_money_as_strings(clerk, ap, rule):
    lines = [
        {"description": "Studs", "amount": "1000.10", "retainage": "100.01"},
        {"description": "Plates", "amount": "0.20", "retainage": "0.02"},
    ]
    for line in lines:
        line["cost_code"] = ap.framing.pk
    response = clerk.post(URL, body(ap, lines), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["subtotal"], data["retainage"], data["total"]) == ("1000.30", "100.03", "900.27")
    assert (data["status"], data["queue_reason"]) == ("in_review", "")
    assert (data["paid_total"], data["balance"], data["payments"]) == ("0.00", "900.27", [])
    assert [(line["position"], line["amount"]) for line in data["lines"]] == [
        (1, "1000.10"),
        (2, "0.20"),
    ]
    assert {line["reviewer"] for line in data["lines"]} == {ap.reviewer.pk}
    assert data["procore_requisition_id"] is None and data["has_document"] is False
    invoice = ApInvoice.objects.get(pk=data["id"])
    assert (invoice.total, invoice.status, invoice.office) == (D("900.27"), "in_review", ap.office)
    assert AuditEntry.objects.filter(
        action="ap_invoice.created", target_id=str(invoice.pk)
    ).exists()


def test_an_invoice_no_rule_routes_waits_in_the_queue_with_the_reason(clerk, ap):
    response = clerk.post(URL, body(ap), format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "queued"
    assert "add a routing rule for cost code 06-100" in response.json()["queue_reason"]


def test_the_procore_fields_are_read_only(clerk, ap):
    sent = body(ap, procore_requisition_id=77, procore_status="approved", status="paid")
    data = clerk.post(URL, sent, format="json").json()
    assert (data["procore_requisition_id"], data["procore_status"]) == (None, "")
    assert data["status"] == "queued"


def test_the_list_filters_like_the_queue_page(api, ap, rule, tenant):
    other_vendor = Vendor.objects.create(office=ap.office, name="Lumber Yard")
    other_project = Project.objects.create(office=ap.office, number="300", name="PJB")
    other_queue = ApQueue.objects.create(office=ap.office, name="Subs")
    make_invoice(ap, tenant.owner, invoice_number="ROUTED")
    make_invoice(ap, tenant.owner, invoice_number="WAITING", billing_date=None)
    make_invoice(
        ap,
        tenant.owner,
        invoice_number="ELSEWHERE",
        vendor=other_vendor,
        project=other_project,
        queue=other_queue,
    )

    def numbers(**params) -> list[str]:
        response = api.get(URL, params)
        assert response.status_code == 200, response.json()
        return sorted(row["invoice_number"] for row in response.json()["results"])

    assert numbers() == ["ELSEWHERE", "ROUTED", "WAITING"]
    assert numbers(status="in_review") == ["ROUTED"]
    assert numbers(status="queued") == ["ELSEWHERE", "WAITING"]
    assert numbers(queue=other_queue.pk) == ["ELSEWHERE"]
    assert numbers(vendor=other_vendor.pk) == ["ELSEWHERE"]
    assert numbers(project=ap.project.pk) == ["ROUTED", "WAITING"]
    assert numbers(q="lumber") == ["ELSEWHERE"]
    assert numbers(q="wait") == ["WAITING"]
    page = api.get(URL).json()
    assert page["count"] == 3 and "lines" not in page["results"][0]
    bad = api.get(URL, {"status": "lost", "vendor": "x"})
    assert bad.status_code == 400 and set(bad.json()) == {"status", "vendor"}


def test_retrieve_nests_lines_payments_and_the_paid_total(api, approved, tenant):
    payment_record(
        invoice=approved, date="2025-02-01", amount=D("400"), method="check", user=tenant.owner
    )
    data = api.get(f"{URL}{approved.pk}/").json()
    assert (data["status"], data["paid_total"], data["balance"]) == ("approved", "400.00", "500.00")
    assert [p["amount"] for p in data["payments"]] == ["400.00"]
    assert data["lines"][0]["review_status"] == "approved"


# Validation --------------------------------------------------------------------------------------


def test_a_service_refusal_is_a_400_with_its_message(clerk, ap, tenant):
    north = Office.objects.create(account=tenant.account, name="North")
    their_vendor = Vendor.objects.create(office=north, name="North Vendor")
    line = {"description": "Studs", "amount": "10.00", "retainage": "-1.00"}
    negative = clerk.post(URL, body(ap, [line]), format="json")
    assert negative.status_code == 400
    assert negative.json() == {"non_field_errors": ["Line 1: retainage cannot be negative."]}
    elsewhere = clerk.post(URL, body(ap, vendor=their_vendor.pk), format="json")
    assert elsewhere.status_code == 400
    assert elsewhere.json() == {"non_field_errors": ["That vendor belongs to another office."]}
    assert not ApInvoice.objects.exists()


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ({"amount": "abc"}, "amount"),
        ({"amount": "1.234"}, "amount"),  # more decimals than the column keeps
        ({"amount": "1234567890123.00"}, "amount"),  # more digits than the column keeps
        ({"description": ""}, "description"),
        ({"cost_code": 999999}, "cost_code"),
    ],
)
def test_bad_line_values_are_a_400_naming_the_field(clerk, ap, line, error):
    lines = [{"description": "Studs", "amount": "10.00", **line}]
    response = clerk.post(URL, body(ap, lines), format="json")
    assert response.status_code == 400
    assert error in response.json()["lines"]["0"]
    assert not ApInvoice.objects.exists()


def test_a_total_too_large_for_the_columns_is_refused(clerk, ap):
    lines = [{"description": f"L{n}", "amount": "999999999999.99"} for n in range(2)]
    response = clerk.post(URL, body(ap, lines), format="json")
    assert response.status_code == 400
    assert response.json() == {"lines": ["The invoice total is too large."]}


# Update and route --------------------------------------------------------------------------------


def test_patching_fields_keeps_the_lines_and_routes_again(clerk, ap, tenant):
    invoice = make_invoice(ap, tenant.owner)
    before = list(invoice.lines.values_list("pk", "amount"))
    RoutingRule.objects.create(office=ap.office, reviewer=ap.reviewer)
    response = clerk.patch(f"{URL}{invoice.pk}/", {"invoice_number": "NEW"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["invoice_number"], response.json()["status"]) == ("NEW", "in_review")
    assert list(invoice.lines.values_list("pk", "amount")) == before


def test_a_full_update_keeps_lines_by_id_adds_new_and_drops_the_rest(clerk, ap, tenant):
    two = [Line(description="Kept", amount=D("10")), Line(description="Dropped", amount=D("20"))]
    invoice = make_invoice(ap, tenant.owner, lines=two)
    kept, dropped = invoice.lines.all()
    lines = [
        {"description": "New first", "amount": "1.00"},
        {"id": kept.pk, "description": "Kept", "amount": "11.00", "retainage": "1.00"},
    ]
    response = clerk.put(f"{URL}{invoice.pk}/", body(ap, lines), format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert [line["id"] for line in data["lines"]][1] == kept.pk
    assert dropped.pk not in [line["id"] for line in data["lines"]]
    assert (data["subtotal"], data["retainage"], data["total"]) == ("12.00", "1.00", "11.00")


def test_a_line_id_of_another_invoice_is_refused(clerk, ap, tenant):
    invoice, other = make_invoice(ap, tenant.owner), make_invoice(ap, tenant.owner)
    lines = [{"id": other.lines.get().pk, "description": "Mine now", "amount": "5.00"}]
    response = clerk.patch(f"{URL}{invoice.pk}/", {"lines": lines}, format="json")
    assert response.status_code == 400 and "lines" in response.json()
    assert other.lines.get().description == "Studs" and invoice.lines.get().description == "Studs"


def test_an_approved_invoice_cannot_be_edited(clerk, approved):
    response = clerk.patch(f"{URL}{approved.pk}/", {"invoice_number": "Late"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["An approved invoice cannot be edited."]}


def test_an_imported_invoice_is_read_only_unless_the_office_allows_edits(clerk, ap, tenant):
    invoice = imported(make_invoice(ap, tenant.owner))
    url = f"{URL}{invoice.pk}/"
    refused = clerk.patch(url, {"invoice_number": "X"}, format="json")
    assert refused.status_code == 400
    assert "invoice_number cannot be edited here" in refused.json()["non_field_errors"][0]
    lines = [{"description": "Extra", "amount": "5.00"}]
    assert "lines cannot be edited" in str(clerk.patch(url, {"lines": lines}, format="json").json())
    other_queue = ApQueue.objects.create(office=ap.office, name="Imports")
    moved = clerk.patch(url, {"queue": other_queue.pk}, format="json")  # the queue is ours
    assert moved.status_code == 200 and moved.json()["queue"] == other_queue.pk

    SyncSettings.objects.create(office=ap.office, options={"ap_allow_edit": True})
    allowed = clerk.patch(url, {"invoice_number": "X", "lines": lines}, format="json")
    assert allowed.status_code == 200, allowed.json()
    assert (allowed.json()["invoice_number"], allowed.json()["total"]) == ("X", "5.00")
    assert allowed.json()["procore_requisition_id"] == 5551234567890


def test_route_routes_a_queued_invoice_again(clerk, ap, tenant):
    invoice = make_invoice(ap, tenant.owner)
    assert invoice.lines.get().reviewer is None
    RoutingRule.objects.create(office=ap.office, cost_code=ap.framing, reviewer=ap.reviewer)
    response = clerk.post(f"{URL}{invoice.pk}/route/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["queue_reason"]) == ("in_review", "")
    assert response.json()["lines"][0]["reviewer"] == ap.reviewer.pk


def test_an_invoice_with_payments_is_not_routed_again(clerk, approved, tenant):
    payment_record(
        invoice=approved, date="2025-02-01", amount=D("1"), method="check", user=tenant.owner
    )
    response = clerk.post(f"{URL}{approved.pk}/route/")
    assert response.status_code == 400
    assert "void them first" in response.json()["non_field_errors"][0]


# Line review -------------------------------------------------------------------------------------


def review_url(invoice: ApInvoice, line_id: int) -> str:
    return f"{URL}{invoice.pk}/lines/{line_id}/review/"


def test_the_assigned_reviewer_approves_the_line_and_the_invoice(api_as, ap, rule, tenant):
    invoice = make_invoice(ap, tenant.owner)
    url = review_url(invoice, invoice.lines.get().pk)
    response = api_as(Role.PROJECT_MANAGER).post(url, {"decision": "approve"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    assert response.json()["lines"][0]["review_status"] == "approved"


def test_someone_else_may_not_review_the_line(api_as, ap, rule, tenant):
    invoice = make_invoice(ap, tenant.owner)
    url = review_url(invoice, invoice.lines.get().pk)
    not_theirs = api_as(Role.AP_CLERK).post(url, {"decision": "approve"}, format="json")
    assert not_theirs.status_code == 403
    assert not_theirs.json() == {
        "detail": "Only the line's reviewer, an owner or an admin can review it."
    }
    field = api_as(Role.FIELD).post(url, {"decision": "approve"}, format="json")
    assert field.status_code == 403 and field.json() == {"detail": policy.reason("ap.review")}
    assert invoice.lines.get().review_status == "pending"
    admin = api_as(Role.ADMIN).post(url, {"decision": "reject", "comment": "Qty"}, format="json")
    assert admin.status_code == 200 and admin.json()["status"] == "rejected"


def test_a_rejection_needs_a_comment(api, ap, rule, tenant):
    invoice = make_invoice(ap, tenant.owner)
    response = api.post(review_url(invoice, invoice.lines.get().pk), {"decision": "reject"})
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Say why the line is rejected."]}
    assert (
        api.post(review_url(invoice, invoice.lines.get().pk), {"decision": "?"}).status_code == 400
    )


def test_a_line_of_another_invoice_is_404_under_this_one(api, ap, rule, tenant):
    invoice, other = make_invoice(ap, tenant.owner), make_invoice(ap, tenant.owner)
    response = api.post(review_url(invoice, other.lines.get().pk), {"decision": "approve"})
    assert response.status_code == 404
    assert other.lines.get().review_status == "pending"


# Payments ----------------------------------------------------------------------------------------


def payment(amount: str, **fields) -> dict:
    return {"date": "2025-02-01", "amount": amount, "method": "check", **fields}


def test_a_payment_retried_with_its_key_is_recorded_once(clerk, approved):
    url = f"{URL}{approved.pk}/payments/"
    first = clerk.post(url, payment("400.00"), format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert first.status_code == 201, first.json()
    assert clerk.get(first["Location"]).json()["id"] == first.json()["id"]
    again = clerk.post(url, payment("400.00"), format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert (again.status_code, again.json(), again["Location"]) == (
        201,
        first.json(),
        first["Location"],
    )
    other = clerk.post(url, payment("300.00"), format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert other.status_code == 422
    assert approved.payments.count() == 1


def test_payments_mark_the_invoice_paid_and_approved_again(clerk, approved):
    url = f"{URL}{approved.pk}/payments/"
    first = clerk.post(url, payment("400.00", reference=" 1001 "), format="json")
    assert first.status_code == 201, first.json()
    assert (first.json()["amount"], first.json()["reference"]) == ("400.00", "1001")
    second = clerk.post(url, payment("500.00", method="electronic"), format="json")
    assert second.status_code == 201
    approved.refresh_from_db()
    assert approved.status == InvoiceStatus.PAID

    over = clerk.post(url, payment("0.01"), format="json")
    assert over.status_code == 400
    assert over.json() == {
        "non_field_errors": ["That pays more than the invoice: 0.00 is left to pay."]
    }

    patched = clerk.patch(f"{url}{first.json()['id']}/", {"amount": "300.00"}, format="json")
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["amount"], patched.json()["reference"]) == ("300.00", "1001")
    approved.refresh_from_db()
    assert approved.status == InvoiceStatus.APPROVED

    voided = clerk.post(f"{url}{second.json()['id']}/void/")
    assert voided.status_code == 200 and voided.json()["voided_at"] is not None
    detail = clerk.get(f"{URL}{approved.pk}/").json()
    assert (detail["status"], detail["paid_total"], detail["balance"]) == (
        "approved",
        "300.00",
        "600.00",
    )
    assert len(clerk.get(url).json()["results"]) == 2  # the voided one stays listed

    again = clerk.post(f"{url}{second.json()['id']}/void/")
    assert again.json() == {"non_field_errors": ["This payment is already void."]}
    changed = clerk.patch(f"{url}{second.json()['id']}/", {"amount": "1.00"}, format="json")
    assert changed.json() == {"non_field_errors": ["A voided payment cannot be changed."]}


def test_an_unapproved_invoice_cannot_be_paid(clerk, ap, tenant):
    invoice = make_invoice(ap, tenant.owner)
    response = clerk.post(f"{URL}{invoice.pk}/payments/", payment("1.00"), format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Only an approved invoice can be paid."]}
    bad = clerk.post(f"{URL}{invoice.pk}/payments/", payment("1", method="cash"), format="json")
    assert bad.status_code == 400 and "method" in bad.json()
    assert not ApPayment.objects.exists()


def test_a_payment_of_another_invoice_is_404_under_this_one(clerk, approved, ap, tenant):
    other = make_invoice(ap, tenant.owner)
    paid = payment_record(
        invoice=approved, date="2025-02-01", amount=D("1"), method="check", user=tenant.owner
    )
    url = f"{URL}{other.pk}/payments/{paid.pk}/"
    assert clerk.get(url).status_code == 404
    assert clerk.patch(url, {"amount": "2.00"}, format="json").status_code == 404
    assert clerk.post(f"{url}void/").status_code == 404
    paid.refresh_from_db()
    assert (paid.amount, paid.voided_at) == (D("1.00"), None)


def test_a_project_manager_sees_payments_but_cannot_pay(api, approved):
    url = f"{URL}{approved.pk}/payments/"
    assert api.get(url).status_code == 200
    refused = api.post(url, payment("1.00"), format="json")
    assert refused.status_code == 403 and refused.json() == {"detail": policy.reason("ap.manage")}


# Queues and routing rules ------------------------------------------------------------------------


def test_queues_are_created_renamed_and_deactivated_in_their_office(clerk, ap, tenant):
    created = clerk.post(
        "/api/v1/ap-queues/", {"office": ap.office.pk, "name": "Subs"}, format="json"
    )
    assert created.status_code == 201, created.json()
    queue_id = created.json()["id"]
    same_name = clerk.post(
        "/api/v1/ap-queues/", {"office": ap.office.pk, "name": "Main"}, format="json"
    )
    assert same_name.status_code == 400 and "name" in same_name.json()
    north = Office.objects.create(account=tenant.account, name="North")
    url = f"/api/v1/ap-queues/{queue_id}/"
    changed = clerk.patch(
        url, {"name": "Subs 2", "active": False, "office": north.pk}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["name"], changed.json()["active"]) == ("Subs 2", False)
    assert changed.json()["office"] == ap.office.pk  # a queue stays in its office
    assert clerk.patch(url, {"name": "Main"}, format="json").status_code == 400
    names = [
        q["name"] for q in clerk.get("/api/v1/ap-queues/", {"active": "true"}).json()["results"]
    ]
    assert names == ["Main"]
    assert clerk.delete(url).status_code == 405
    assert AuditEntry.objects.filter(action="apqueue.updated", target_id=str(queue_id)).exists()


def test_routing_rules_check_their_office_reviewer_and_amounts(clerk, ap, tenant, outsider):
    url = "/api/v1/ap-routing-rules/"
    rule = {"office": ap.office.pk, "priority": 5, "cost_code": ap.drywall.pk}
    created = clerk.post(url, {**rule, "reviewer": ap.reviewer.pk}, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["reviewer"], created.json()["active"]) == (ap.reviewer.pk, True)

    north = Office.objects.create(account=tenant.account, name="North")
    north_code = CostCode.objects.create(office=north, code="1", name="x", division_code="0")
    refusals = [
        ({"reviewer": tenant.member(Role.FIELD).pk}, "reviewer"),  # may not review AP lines
        ({"reviewer": outsider.owner.pk}, "reviewer"),
        ({"reviewer": ap.reviewer.pk, "cost_code": north_code.pk}, "cost_code"),
        ({"reviewer": ap.reviewer.pk, "min_amount": "10", "max_amount": "5"}, "max_amount"),
    ]
    for fields, error in refusals:
        response = clerk.post(url, {**rule, **fields}, format="json")
        assert response.status_code == 400 and error in response.json(), (fields, response.json())
    assert RoutingRule.objects.count() == 1

    detail = f"{url}{created.json()['id']}/"
    assert clerk.patch(detail, {"min_amount": "100.00"}, format="json").status_code == 200
    assert clerk.patch(detail, {"max_amount": "99.00"}, format="json").status_code == 400
    assert clerk.delete(detail).status_code == 204
    assert not RoutingRule.objects.exists()
    assert AuditEntry.objects.filter(action="routingrule.deleted").exists()


def test_reading_queues_and_rules_needs_ap_view_and_writing_ap_manage(api_as, ap):
    pm, field = api_as(Role.PROJECT_MANAGER), api_as(Role.FIELD)
    assert pm.get("/api/v1/ap-queues/").status_code == 200
    assert pm.get("/api/v1/ap-routing-rules/").status_code == 200
    refused = pm.post("/api/v1/ap-queues/", {"office": ap.office.pk, "name": "X"})
    assert refused.status_code == 403 and refused.json() == {"detail": policy.reason("ap.manage")}
    assert field.get("/api/v1/ap-queues/").status_code == 403
    assert not ApQueue.objects.filter(name="X").exists()


# Permissions and tenancy -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_reading_and_writing_invoices_follow_the_policy(api_as, role, ap):
    client = api_as(role)
    listed = client.get(URL)
    created = client.post(URL, body(ap), format="json")
    assert listed.status_code == (200 if role in policy.ALLOWED["ap.view"] else 403)
    assert created.status_code == (201 if role in policy.ALLOWED["ap.manage"] else 403)
    if role not in policy.ALLOWED["ap.manage"]:
        assert created.json() == {"detail": policy.reason("ap.manage")}
        assert not ApInvoice.objects.exists()


def test_anonymous_calls_are_refused(ap):
    assert APIClient().get(URL).status_code == 401


def test_it_refuses_another_accounts_records_with_404_on_every_route(api_as, ap, tenant, outsider):
    client = api_as(Role.OWNER)
    theirs = ApInvoice.objects.create(office=outsider.office, invoice_number="THEIRS")
    their_line = theirs.lines.create(description="X", amount=D("5"), reviewer=outsider.owner)
    ApInvoice.objects.filter(pk=theirs.pk).update(status=InvoiceStatus.APPROVED, total=D("5"))
    their_payment = payment_record(
        invoice=theirs, date="2025-02-01", amount=D("1"), method="check", user=outsider.owner
    )
    their_queue = ApQueue.objects.create(office=outsider.office, name="Theirs")
    their_rule = RoutingRule.objects.create(office=outsider.office, reviewer=outsider.owner)
    mine = make_invoice(ap, tenant.owner)
    detail, payments = f"{URL}{theirs.pk}/", f"{URL}{theirs.pk}/payments/"
    calls = [
        ("get", detail, None),
        ("put", detail, {"invoice_number": "Hijacked"}),
        ("patch", detail, {"invoice_number": "Hijacked"}),
        ("post", f"{detail}route/", None),
        ("post", review_url(theirs, their_line.pk), {"decision": "approve"}),
        ("post", review_url(mine, their_line.pk), {"decision": "approve"}),
        ("get", payments, None),
        ("post", payments, payment("1.00")),
        ("get", f"{payments}{their_payment.pk}/", None),
        ("patch", f"{payments}{their_payment.pk}/", {"amount": "2.00"}),
        ("post", f"{payments}{their_payment.pk}/void/", None),
        ("get", f"{URL}{mine.pk}/payments/{their_payment.pk}/", None),
        ("get", f"/api/v1/ap-queues/{their_queue.pk}/", None),
        ("patch", f"/api/v1/ap-queues/{their_queue.pk}/", {"name": "Hijacked"}),
        ("get", f"/api/v1/ap-routing-rules/{their_rule.pk}/", None),
        ("patch", f"/api/v1/ap-routing-rules/{their_rule.pk}/", {"priority": 1}),
        ("delete", f"/api/v1/ap-routing-rules/{their_rule.pk}/", None),
    ]
    for method, url, data in calls:
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
    theirs.refresh_from_db()
    their_payment.refresh_from_db()
    assert (theirs.invoice_number, theirs.status) == ("THEIRS", InvoiceStatus.APPROVED)
    assert (their_payment.amount, their_payment.voided_at) == (D("1.00"), None)
    assert their_line.__class__.objects.get(pk=their_line.pk).review_status == "pending"
    assert ApQueue.objects.get(pk=their_queue.pk).name == "Theirs"
    assert RoutingRule.objects.filter(pk=their_rule.pk).exists()
    assert client.get(URL, {"q": "THEIRS"}).json()["count"] == 0
    assert client.get("/api/v1/ap-queues/").json()["count"] == 1


def test_our_writes_cannot_reference_another_accounts_ids(clerk, ap, outsider):
    their_project = Project.objects.create(office=outsider.office, number="9", name="Theirs")
    their_vendor = Vendor.objects.create(office=outsider.office, name="Theirs")
    theirs = {
        "office": outsider.office.pk,
        "queue": ApQueue.objects.create(office=outsider.office, name="Theirs").pk,
        "project": their_project.pk,
        "vendor": their_vendor.pk,
        "commitment": Commitment.objects.create(
            office=outsider.office, project=their_project, kind="subcontract", number="S"
        ).pk,
    }
    for name, their_id in theirs.items():
        response = clerk.post(URL, body(ap, **{name: their_id}), format="json")
        assert response.status_code == 400, name
        assert "does not exist" in response.json()[name][0]
    their_code = CostCode.objects.create(
        office=outsider.office, code="1", name="x", division_code="0"
    )
    line = {"description": "X", "amount": "1.00", "cost_code": their_code.pk}
    response = clerk.post(URL, body(ap, [line]), format="json")
    assert "does not exist" in response.json()["lines"]["0"]["cost_code"][0]
    queue = clerk.post("/api/v1/ap-queues/", {"office": outsider.office.pk, "name": "Q"})
    assert "does not exist" in queue.json()["office"][0]
    assert not ApInvoice.objects.exists()
    assert not ApQueue.objects.filter(name="Q").exists()


def test_the_schema_documents_the_ap_routes(client):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    assert {
        "/api/v1/ap-invoices/",
        "/api/v1/ap-invoices/{id}/",
        "/api/v1/ap-invoices/{id}/route/",
        "/api/v1/ap-invoices/{id}/lines/{line_id}/review/",
        "/api/v1/ap-invoices/{invoice_id}/payments/",
        "/api/v1/ap-invoices/{invoice_id}/payments/{id}/",
        "/api/v1/ap-invoices/{invoice_id}/payments/{id}/void/",
        "/api/v1/ap-queues/",
        "/api/v1/ap-queues/{id}/",
        "/api/v1/ap-routing-rules/",
        "/api/v1/ap-routing-rules/{id}/",
    } <= set(paths)
