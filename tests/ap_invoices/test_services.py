from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.ap_invoices.models import ApInvoice, Commitment, InvoiceStatus, RoutingRule, Vendor
from apps.ap_invoices.payments import payment_record, payment_update, payment_void
from apps.ap_invoices.routing import route_or_queue
from apps.ap_invoices.services import Line, invoice_update, invoice_validate, review_line
from apps.ap_invoices.signals import ap_payment_changed
from apps.ap_invoices.totals import invoice_totals
from apps.projects.models import Project

from .conftest import make_invoice

D = Decimal


def test_totals_add_lines_and_subtract_retainage():
    totals = invoice_totals([(D("100.10"), D("10.01")), (D("0.20"), D("0.02"))])
    assert tuple(totals) == (D("100.30"), D("10.03"), D("90.27"))


@pytest.mark.django_db
def test_a_valid_invoice_with_a_rule_goes_to_review_with_its_totals(ap, rule, tenant):
    invoice = make_invoice(ap, tenant.owner)
    assert (invoice.subtotal, invoice.retainage, invoice.total) == (D("1000"), D("100"), D("900"))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.IN_REVIEW and invoice.queue_reason == ""
    assert invoice.lines.get().reviewer == ap.reviewer


@pytest.mark.django_db
def test_validation_lists_every_reason(ap, rule, tenant):
    other = Vendor.objects.create(office=ap.office, name="Other")
    invoice = make_invoice(ap, tenant.owner, vendor=other, billing_date=None)
    reasons = invoice_validate(invoice)
    assert any("not with the invoice's vendor" in r for r in reasons)
    assert any("No billing period" in r for r in reasons)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.QUEUED and "No billing period" in invoice.queue_reason


@pytest.mark.django_db
def test_validation_catches_missing_vendor_commitment_and_totals(ap, rule, tenant):
    invoice = make_invoice(ap, tenant.owner, vendor=None, commitment=None)
    ApInvoice.objects.filter(pk=invoice.pk).update(total=D("5"))
    invoice.refresh_from_db()
    reasons = invoice_validate(invoice)
    assert [r.split(":")[0] for r in reasons] == [
        "No vendor",
        "No commitment",
        "Totals do not add up",
    ]


@pytest.mark.django_db
def test_a_commitment_of_another_project_is_a_reason(ap, rule, tenant):
    project = Project.objects.create(office=ap.office, number="201", name="B")
    theirs = Commitment.objects.create(
        office=ap.office, project=project, vendor=ap.vendor, kind="purchase_order", number="PO-7"
    )
    invoice = make_invoice(ap, tenant.owner, commitment=theirs)
    assert invoice_validate(invoice) == ["Commitment PO-7 is not of the invoice's project."]


@pytest.mark.django_db
def test_a_line_without_a_rule_keeps_the_invoice_queued_with_the_reason(ap, rule, tenant):
    lines = [
        Line(description="Studs", amount=D("10"), cost_code=ap.framing),
        Line(description="Board", amount=D("20"), cost_code=ap.drywall),
    ]
    invoice = make_invoice(ap, tenant.owner, lines=lines)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.QUEUED
    assert invoice.queue_reason == (
        "Line 2 has no reviewer: add a routing rule for cost code 09-200."
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("condition", "matches"),
    [
        ({"project": "own"}, True),
        ({"project": "other"}, False),
        ({"vendor": "own"}, True),
        ({"vendor": "other"}, False),
        ({"min_amount": D("1000.00")}, True),
        ({"min_amount": D("1000.01")}, False),
        ({"max_amount": D("1000.00")}, True),
        ({"max_amount": D("999.99")}, False),
        ({"cost_code": "drywall"}, False),
    ],
)
def test_each_rule_condition_must_hold(ap, tenant, condition, matches):
    values = {
        ("project", "own"): ap.project,
        ("project", "other"): Project.objects.create(office=ap.office, number="9", name="X"),
        ("vendor", "own"): ap.vendor,
        ("vendor", "other"): Vendor.objects.create(office=ap.office, name="X"),
        ("cost_code", "drywall"): ap.drywall,
    }
    fields = {k: values.get((k, v), v) for k, v in condition.items()}
    RoutingRule.objects.create(office=ap.office, reviewer=ap.reviewer, **fields)
    invoice = make_invoice(ap, tenant.owner)
    assert (invoice.lines.get().reviewer == ap.reviewer) is matches


@pytest.mark.django_db
def test_the_first_rule_by_priority_wins_and_inactive_or_departed_reviewers_are_skipped(ap, tenant):
    RoutingRule.objects.create(office=ap.office, priority=1, reviewer=ap.clerk, active=False)
    RoutingRule.objects.create(office=ap.office, priority=2, reviewer=tenant.member("field"))
    RoutingRule.objects.create(office=ap.office, priority=50, reviewer=ap.reviewer)
    RoutingRule.objects.create(office=ap.office, priority=10, reviewer=tenant.owner)
    invoice = make_invoice(ap, tenant.owner)
    assert invoice.lines.get().reviewer == tenant.owner


@pytest.mark.django_db
def test_review_approves_when_every_line_is_approved(ap, rule, tenant):
    RoutingRule.objects.create(office=ap.office, cost_code=ap.drywall, reviewer=ap.clerk)
    lines = [
        Line(description="Studs", amount=D("10"), cost_code=ap.framing),
        Line(description="Board", amount=D("20"), cost_code=ap.drywall),
    ]
    invoice = make_invoice(ap, tenant.owner, lines=lines)
    first, second = invoice.lines.all()
    with pytest.raises(ValidationError, match="reviewer"):
        review_line(line=first, user=ap.clerk, approve=True)
    assert review_line(line=first, user=ap.reviewer, approve=True) == InvoiceStatus.IN_REVIEW
    with pytest.raises(ValidationError, match="why"):
        review_line(line=second, user=ap.clerk, approve=False, comment=" ")
    assert review_line(line=second, user=ap.clerk, approve=False, comment="Wrong qty") == "rejected"
    assert review_line(line=second, user=tenant.owner, approve=True) == InvoiceStatus.APPROVED


@pytest.mark.django_db
def test_a_queued_invoice_is_not_reviewed(ap, tenant):
    invoice = make_invoice(ap, tenant.owner)
    with pytest.raises(ValidationError, match="not reviewed"):
        review_line(line=invoice.lines.get(), user=tenant.owner, approve=True)


@pytest.fixture
def approved(ap, rule, tenant):
    invoice = make_invoice(ap, tenant.owner)
    review_line(line=invoice.lines.get(), user=ap.reviewer, approve=True)
    invoice.refresh_from_db()
    return invoice


@pytest.mark.django_db
def test_payments_partial_then_full_mark_it_paid_and_announce_on_commit(
    approved, tenant, django_capture_on_commit_callbacks
):
    heard = []
    ap_payment_changed.connect(
        lambda **kw: heard.append(kw["action"]), weak=False, dispatch_uid="test-heard"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = payment_record(
                invoice=approved,
                date=date(2025, 2, 1),
                amount=D("400"),
                method="check",
                reference="1001",
                user=tenant.owner,
            )
        approved.refresh_from_db()
        assert approved.status == InvoiceStatus.APPROVED
        with django_capture_on_commit_callbacks(execute=True):
            payment_record(
                invoice=approved,
                date=date(2025, 2, 2),
                amount=D("500"),
                method="electronic",
                user=tenant.owner,
            )
        approved.refresh_from_db()
        assert approved.status == InvoiceStatus.PAID
        with django_capture_on_commit_callbacks(execute=True):
            payment_void(payment=first, user=tenant.owner)
        approved.refresh_from_db()
        assert approved.status == InvoiceStatus.APPROVED
        assert heard == ["created", "created", "voided"]
    finally:
        ap_payment_changed.disconnect(dispatch_uid="test-heard")


@pytest.mark.django_db
def test_over_payment_and_paying_unapproved_invoices_are_refused(approved, ap, tenant):
    with pytest.raises(ValidationError, match=r"900\.00 is left"):
        payment_record(
            invoice=approved,
            date=date(2025, 2, 1),
            amount=D("900.01"),
            method="check",
            user=tenant.owner,
        )
    payment = payment_record(
        invoice=approved, date=date(2025, 2, 1), amount=D("100"), method="check", user=tenant.owner
    )
    with pytest.raises(ValidationError, match="more than the invoice"):
        payment_update(
            payment=payment,
            date=date(2025, 2, 1),
            amount=D("901"),
            method="check",
            user=tenant.owner,
        )
    payment_void(payment=payment, user=tenant.owner)
    with pytest.raises(ValidationError, match="already void"):
        payment_void(payment=payment, user=tenant.owner)
    queued = make_invoice(ap, tenant.owner, billing_date=None)
    with pytest.raises(ValidationError, match="Only an approved"):
        payment_record(
            invoice=queued, date=date(2025, 2, 1), amount=D("1"), method="check", user=tenant.owner
        )


@pytest.mark.django_db
def test_a_paid_invoice_is_not_reprocessed(approved, tenant):
    payment_record(
        invoice=approved, date=date(2025, 2, 1), amount=D("900"), method="check", user=tenant.owner
    )
    with pytest.raises(ValidationError, match="payments"):
        route_or_queue(invoice=approved)


@pytest.mark.django_db
def test_imported_invoices_are_read_only_unless_the_office_allows_edits(ap, rule, tenant):
    invoice = make_invoice(ap, tenant.owner)
    ApInvoice.objects.filter(pk=invoice.pk).update(procore_requisition_id=5551234567890)
    invoice.refresh_from_db()
    line = invoice.lines.get()
    same = [
        Line(
            description=line.description,
            amount=line.amount,
            retainage=line.retainage,
            cost_code=line.cost_code,
            id=line.pk,
        )
    ]
    invoice_update(
        invoice=invoice, user=tenant.owner, lines=same, queue=None, invoice_number="INV-1"
    )
    with pytest.raises(ValidationError, match="invoice_number cannot be edited"):
        invoice_update(invoice=invoice, user=tenant.owner, invoice_number="X")
    more = [*same, Line(description="Extra", amount=D("5"))]
    with pytest.raises(ValidationError, match="lines cannot be edited"):
        invoice_update(invoice=invoice, user=tenant.owner, lines=more)
    invoice_update(
        invoice=invoice,
        user=tenant.owner,
        lines=more,
        invoice_number="X",
        allow_imported_edits=True,
    )
    invoice.refresh_from_db()
    assert (invoice.invoice_number, invoice.total) == ("X", D("905.00"))


@pytest.mark.django_db
def test_records_of_another_office_are_refused(ap, tenant, outsider):
    theirs = Vendor.objects.create(office=outsider.office, name="Theirs")
    with pytest.raises(ValidationError, match="another office"):
        make_invoice(ap, tenant.owner, vendor=theirs)
