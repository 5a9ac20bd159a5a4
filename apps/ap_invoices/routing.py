"""Routing: which reviewer gets each line, and whether the invoice goes to review or waits."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import policy
from apps.accounts.audit import audit_record
from apps.accounts.models import Membership, User

from .models import ApInvoice, ApInvoiceLine, InvoiceStatus, ReviewStatus, RoutingRule
from .validation import invoice_validate


def reviewer_ids(account) -> list[int]:
    """The account's users whose role may review AP lines: who a rule may name."""
    members = Membership.objects.for_account(account)
    return [m.user_id for m in members if policy.can(m, "ap.review")]


def rule_problems(*, office, project, vendor, cost_code, min_amount, max_amount) -> dict:
    """{field: message} of what is wrong with a rule's conditions (the form's and the API's)."""
    problems = {
        name: "This belongs to another office."
        for name, record in (("project", project), ("vendor", vendor), ("cost_code", cost_code))
        if office is not None and record is not None and record.office_id != office.pk
    }
    if min_amount is not None and max_amount is not None and min_amount > max_amount:
        problems["max_amount"] = "The maximum is below the minimum."
    return problems


def rule_matches(rule: RoutingRule, invoice: ApInvoice, line: ApInvoiceLine) -> bool:
    """Every condition the rule sets holds (a rule with none matches every line)."""
    return all(
        (
            rule.project_id is None or rule.project_id == invoice.project_id,
            rule.vendor_id is None or rule.vendor_id == invoice.vendor_id,
            rule.cost_code_id is None or rule.cost_code_id == line.cost_code_id,
            rule.min_amount is None or line.amount >= rule.min_amount,
            rule.max_amount is None or line.amount <= rule.max_amount,
        )
    )


def _rules(invoice: ApInvoice) -> list[RoutingRule]:
    """The office's active rules, by priority, whose reviewer may still review in the account
    (a rule naming someone who left or changed role must not route work to them)."""
    reviewers = {
        m.user_id
        for m in Membership.objects.filter(account_id=invoice.office.account_id)
        if policy.can(m, "ap.review")
    }
    rules = RoutingRule.objects.filter(office_id=invoice.office_id, active=True)
    return [r for r in rules.order_by("priority", "id") if r.reviewer_id in reviewers]


def _no_reviewer(n: int, line: ApInvoiceLine) -> str:
    what = f"cost code {line.cost_code.code}" if line.cost_code else "a line without a cost code"
    return f"Line {n} has no reviewer: add a routing rule for {what}."


def route(invoice: ApInvoice) -> list[str]:
    """Give each line the reviewer of the first matching rule; returns a reason for each line
    left without one. Reviews start over."""
    rules = _rules(invoice)
    reasons = []
    lines = list(invoice.lines.select_related("cost_code"))
    for n, line in enumerate(lines, start=1):
        rule = next((r for r in rules if rule_matches(r, invoice, line)), None)
        line.reviewer_id = rule.reviewer_id if rule else None
        line.review_status, line.review_comment, line.reviewed_at = ReviewStatus.PENDING, "", None
        if rule is None:
            reasons.append(_no_reviewer(n, line))
    fields = ["reviewer", "review_status", "review_comment", "reviewed_at"]
    ApInvoiceLine.objects.bulk_update(lines, fields)
    return reasons


@transaction.atomic
def route_or_queue(*, invoice: ApInvoice, user: User | None = None) -> list[str]:
    """Validate and route: in review when every check passes and every line has a reviewer,
    otherwise back in the queue with every reason. Returns the reasons (empty on success)."""
    invoice = (
        ApInvoice.objects.select_for_update(of=("self",))
        .select_related("office", "commitment")
        .get(pk=invoice.pk)
    )
    if invoice.status == InvoiceStatus.PAID or invoice.payments.filter(voided_at=None).exists():
        raise ValidationError("An invoice with payments is not processed again: void them first.")
    reasons = invoice_validate(invoice) + route(invoice)
    invoice.status = InvoiceStatus.QUEUED if reasons else InvoiceStatus.IN_REVIEW
    invoice.queue_reason = "\n".join(reasons)
    invoice.processed_at = timezone.now()
    invoice.save(update_fields=["status", "queue_reason", "processed_at", "updated_at"])
    action = "ap_invoice.queued" if reasons else "ap_invoice.routed"
    audit_record(
        account=invoice.office.account,
        actor=user,
        action=action,
        target=invoice,
        detail={"reasons": reasons},
    )
    return reasons
