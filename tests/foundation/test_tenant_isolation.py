"""Every URL that takes an id refuses another account's object with 404.

The URL conf is walked, so a new view with a parameter fails this test until its parameter is
registered in `outsider_value` below (and so is checked).
"""

from typing import NamedTuple

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.accounts.models import Account, ApiToken, AuditEntry, Membership
from apps.accounts.services import api_token_create
from apps.ap_invoices.models import (
    ApInvoice,
    ApInvoiceLine,
    ApPayment,
    ApQueue,
    RoutingRule,
    Vendor,
)
from apps.cors.models import ChangeNotification, ChangeOrderRequest, CorAttachment, CorLineItem
from apps.offices.models import Office
from apps.procore_sync.engine_models import ExternalRef, SyncRun
from apps.procore_sync.reconcile_models import Difference
from apps.projects.models import CostCode, Project
from apps.timecards.models import Employee, ProductionQuantity, TimeCardEntry

TENANT_RECORDS = (Project, Employee, CostCode, Vendor, SyncRun, ExternalRef, ChangeOrderRequest)
TENANT_RECORDS += (CorAttachment, ChangeNotification, TimeCardEntry, ProductionQuantity)
TENANT_RECORDS += (ApInvoice, ApPayment, ApQueue, RoutingRule, Difference)

# Routes that take no tenant id, or whose id is a secret credential by design.
NOT_TENANT_SCOPED = {
    "invitation_accept": "the token in the link is the credential",
    "password_reset_confirm": "Django's signed reset link",
    "procore_webhook": "the secret in the URL is the credential (tests/sync_engine/test_webhooks)",
}
SKIPPED_PREFIXES = ("admin/", "procore-sandbox/")


def walk(patterns, prefix: str = "", inherited: tuple = ()):
    """(route, pattern, parameters) of every URL, parameters of included prefixes too."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        params = (*inherited, *entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route, params)
        elif isinstance(entry, URLPattern):
            yield route, entry, params


def parametrised_routes():
    for route, entry, params in walk(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES) or not params or entry.name in NOT_TENANT_SCOPED:
            continue
        if set(params) == {"format"}:
            continue  # DRF's format suffix on a list route: no id in it
        yield entry.name, params, route


class OutsiderIds(NamedTuple):
    by_param: dict  # parameter -> id of the outsider's object
    by_route: dict  # (route name, parameter) -> id, where a parameter names different objects


@pytest.fixture
def ids(outsider) -> OutsiderIds:
    """Ids of the outsider's objects, made once per test (not once per route)."""
    token, _ = api_token_create(account=outsider.account, user=outsider.owner, name="theirs")
    records = outsider_records(outsider)
    values = {
        "office_id": outsider.office.pk,
        "account_id": outsider.account.pk,
        "token_id": token.pk,
        "membership_id": Membership.objects.get(user=outsider.owner).pk,
        "run_id": records["run"].pk,
        "cor_id": records["cor"].pk,
        "link_id": records["link"].pk,
        "difference_id": records["difference"].pk,
        "notification_id": records["notification"].pk,
        "attachment_id": records["attachment"].pk,
        "entry_id": records["time_entry"].pk,
        "quantity_id": records["quantity"].pk,
        "invoice_id": records["ap_invoice"].pk,
        "line_id": records["ap_line"].pk,
        "payment_id": records["ap_payment"].pk,
        "format": "json",
    }
    by_route = {
        ("office-detail", "pk"): outsider.office.pk,
        ("project_detail", "record_id"): records["project"].pk,
        ("project_edit", "record_id"): records["project"].pk,
        ("project_procore", "record_id"): records["project"].pk,
        ("project_procore_unmap", "record_id"): records["project"].pk,
        ("employee_edit", "record_id"): records["employee"].pk,
        ("cost_code_edit", "record_id"): records["cost_code"].pk,
        ("vendor_edit", "record_id"): records["vendor"].pk,
        ("ap_queue_edit", "record_id"): records["ap_queue"].pk,
        ("ap_routing_rule_edit", "record_id"): records["ap_rule"].pk,
        ("ap_routing_rule_delete", "record_id"): records["ap_rule"].pk,
        ("cor-detail", "pk"): records["cor"].pk,
        ("cor-status", "pk"): records["cor"].pk,
        ("cor-line-detail", "pk"): records["line"].pk,
        ("sync-run-detail", "pk"): records["run"].pk,
        ("sync-run-items", "pk"): records["run"].pk,
        ("sync-run-retry", "pk"): records["run"].pk,
        ("time-entry-detail", "pk"): records["time_entry"].pk,
        ("production-quantity-detail", "pk"): records["quantity"].pk,
        ("ap-invoice-detail", "pk"): records["ap_invoice"].pk,
        ("ap-invoice-route", "pk"): records["ap_invoice"].pk,
        ("ap-invoice-line-review", "pk"): records["ap_invoice"].pk,
        ("ap-payment-detail", "pk"): records["ap_payment"].pk,
        ("ap-payment-void", "pk"): records["ap_payment"].pk,
        ("ap-queue-detail", "pk"): records["ap_queue"].pk,
        ("ap-routing-rule-detail", "pk"): records["ap_rule"].pk,
        **{
            (f"change-notification-{route}", "pk"): records["notification"].pk
            for route in ("detail", "answer", "accept", "reject", "withdraw")
        },
    }
    return OutsiderIds(values, by_route)


def outsider_value(name: str, param: str, ids: OutsiderIds) -> str:
    """A value for `param` that names an object of the outsider's account."""
    if (name, param) in ids.by_route:
        return str(ids.by_route[(name, param)])
    if param not in ids.by_param:
        pytest.fail(f"Route {name!r} takes {param!r}: register an outsider value for it here.")
    return str(ids.by_param[param])


def outsider_records(outsider) -> dict:
    office = outsider.office
    records = {
        "project": Project.objects.get_or_create(office=office, number="9", name="Theirs")[0],
        "employee": Employee.objects.get_or_create(office=office, last_name="Theirs")[0],
        "cost_code": CostCode.objects.get_or_create(
            office=office, code="01-1", name="Theirs", division_code="01"
        )[0],
        "vendor": Vendor.objects.get_or_create(office=office, name="Theirs")[0],
        "run": SyncRun.objects.get_or_create(office=office, flow="entities", trigger="user")[0],
        "cor": ChangeOrderRequest.objects.get_or_create(
            project=Project.objects.get_or_create(office=office, number="9", name="Theirs")[0],
            number=1,
            defaults={"title": "Theirs"},
        )[0],
        "line": CorLineItem.objects.get_or_create(
            cor=ChangeOrderRequest.objects.get_or_create(
                project=Project.objects.get_or_create(office=office, number="9", name="Theirs")[0],
                number=1,
                defaults={"title": "Theirs"},
            )[0],
            description="Theirs",
            defaults={"cost_type": "labor"},
        )[0],
        "link": ExternalRef.objects.get_or_create(
            office=office,
            procore_type="vendor",
            procore_id=77,
            content_type=ContentType.objects.get_for_model(Vendor),
            object_id=Vendor.objects.get_or_create(office=office, name="Theirs")[0].pk,
        )[0],
    }
    # The outsider's notification goes to an account of its own, never to ours.
    their_contractor = Account.objects.get_or_create(name="Their contractor")[0]
    records["notification"] = ChangeNotification.objects.get_or_create(
        customer_project=records["project"],
        number=1,
        defaults={"customer": outsider.account, "contractor": their_contractor, "title": "Theirs"},
    )[0]
    records["attachment"] = CorAttachment.objects.get_or_create(
        cor=records["cor"],
        name="theirs.txt",
        defaults={"file": ContentFile(b"theirs", name="theirs.txt"), "size": 6},
    )[0]
    records["time_entry"] = TimeCardEntry.objects.get_or_create(
        project=records["project"],
        employee=records["employee"],
        date="2025-01-06",
        defaults={"hours": 8},
    )[0]
    records["quantity"] = ProductionQuantity.objects.get_or_create(
        project=records["project"],
        cost_code=records["cost_code"],
        date="2025-01-06",
        defaults={"quantity": 10, "unit": "LF"},
    )[0]
    records.update(outsider_ap_records(outsider, records["vendor"]))
    records["difference"] = Difference.objects.get_or_create(
        office=outsider.office,
        run=records["run"],
        object_id=records["cor"].pk,
        defaults={"flow": "cor_push", "field": "amount", "side": "procore", "message": "Theirs"},
    )[0]
    return records


def outsider_ap_records(outsider, vendor) -> dict:
    office = outsider.office
    queue = ApQueue.objects.get_or_create(office=office, name="Theirs")[0]
    invoice = ApInvoice.objects.get_or_create(
        office=office,
        invoice_number="THEIRS-1",
        defaults={
            "vendor": vendor,
            "queue": queue,
            "status": "approved",
            "total": 10,
            "document": ContentFile(b"%PDF-theirs", name="theirs.pdf"),
        },
    )[0]
    return {
        "ap_queue": queue,
        "ap_invoice": invoice,
        "ap_line": ApInvoiceLine.objects.get_or_create(invoice=invoice, description="Theirs")[0],
        "ap_payment": ApPayment.objects.get_or_create(
            invoice=invoice, date="2025-01-06", amount=5, method="check"
        )[0],
        "ap_rule": RoutingRule.objects.get_or_create(office=office, reviewer=outsider.owner)[0],
    }


def url_for(name: str, params, ids: OutsiderIds) -> str:
    kwargs = {p: outsider_value(name, p, ids) for p in params}
    return reverse(name, kwargs=kwargs)


def outsider_rows(outsider) -> tuple:
    return (
        list(Office.objects.for_account(outsider.account).values()),
        [list(m.objects.for_account(outsider.account).values()) for m in TENANT_RECORDS],
        list(ApiToken.objects.for_account(outsider.account).values_list("pk", flat=True)),
        Membership.objects.for_account(outsider.account).count(),
    )


@pytest.mark.django_db
def test_every_id_route_is_registered_and_covered(tenant, ids):
    routes = list(parametrised_routes())
    assert routes, "the walker found no routes with ids"
    for name, params, _route in routes:
        url_for(name, params, ids)  # fails for an unregistered parameter


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["owner", "admin", "project_manager", "field"])
def test_it_refuses_another_accounts_objects_with_404(client, tenant, outsider, ids, role):
    user = tenant.owner if role == "owner" else tenant.member(role)
    client.force_login(user)
    covered = 0
    before = outsider_rows(outsider)  # each route must leave it as it is
    for name, params, route in parametrised_routes():
        statuses = answers(client, url_for(name, params, ids))
        assert outsider_rows(outsider) == before, f"{route} changed the outsider's data"
        assert set(statuses.values()) <= {403, 404, 405}, f"{route} ({name}) answered {statuses}"
        if 404 not in statuses.values():
            # A role refusal is fine only if it is the same answer a missing id gets.
            missing = answers(client, url_with_missing_ids(name, params))
            assert statuses == missing, f"{route} answers differ: {statuses} vs {missing}"
        covered += 1
    assert covered >= 5


def answers(client, url: str) -> dict[str, int]:
    return {
        "GET": client.get(url).status_code,
        "POST": client.post(url, {"name": "Hijacked"}).status_code,
        "PATCH": client.patch(
            url, {"name": "Hijacked"}, content_type="application/json"
        ).status_code,
    }


def url_with_missing_ids(name: str, params) -> str:
    kwargs = {p: "json" if p == "format" else "987654321" for p in params}
    return reverse(name, kwargs=kwargs)


@pytest.mark.django_db
def test_api_token_of_one_account_never_reads_another(client, tenant, outsider):
    _, key = api_token_create(account=tenant.account, user=tenant.owner, name="mine")
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    listed = client.get("/api/v1/offices/", **auth).json()
    assert [o["id"] for o in listed["results"]] == [tenant.office.pk]
    assert client.get(f"/api/v1/offices/{outsider.office.pk}/", **auth).status_code == 404


@pytest.mark.django_db
def test_audit_log_shows_only_own_account(owner_client, tenant, outsider):
    AuditEntry.objects.create(account=outsider.account, action="secret.thing", target_repr="theirs")
    AuditEntry.objects.create(account=tenant.account, action="office.created", target_repr="ours")
    page = owner_client.get("/settings/audit-log/").content.decode()
    assert "ours" in page
    assert "theirs" not in page


@pytest.mark.django_db
def test_anonymous_requests_are_sent_to_login_or_refused(client, ids):
    for name, params, route in parametrised_routes():
        status = client.get(url_for(name, params, ids)).status_code
        assert status in (302, 401, 403), f"{route} answered {status} without login"
