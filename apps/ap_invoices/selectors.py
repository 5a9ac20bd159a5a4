from django.db.models import Case, Q, QuerySet, When

from apps.accounts.models import User

from .models import ApInvoice, ApInvoiceLine, ReviewStatus


def invoice_list(
    *, account, queue_id=None, status="", vendor_id=None, project_id=None, q=""
) -> QuerySet[ApInvoice]:
    invoices = ApInvoice.objects.for_account(account).select_related("queue", "vendor", "project")
    if queue_id:
        invoices = invoices.filter(queue_id=queue_id)
    if status:
        invoices = invoices.filter(status=status)
    if vendor_id:
        invoices = invoices.filter(vendor_id=vendor_id)
    if project_id:
        invoices = invoices.filter(project_id=project_id)
    if q:
        invoices = invoices.filter(
            Q(invoice_number__icontains=q)
            | Q(vendor__name__icontains=q)
            | Q(commitment__number__icontains=q)
        )
    return invoices


def invoice_reconcile_list(*, account) -> QuerySet[ApInvoice]:
    """Imported invoices, those needing attention (changed in Procore, an error, waiting for a
    document) first."""
    waiting = Q(processed_at__isnull=True, document="")
    return (
        ApInvoice.objects.for_account(account)
        .filter(procore_requisition_id__isnull=False)
        .select_related("vendor", "project")
        .annotate(waiting=Case(When(waiting, then=1), default=0))
        .order_by("-procore_changed", "-processing_error", "-waiting", "-procore_updated_at")
    )


def review_line_list(*, account, user: User) -> QuerySet[ApInvoiceLine]:
    """Lines waiting for `user`'s review."""
    return (
        ApInvoiceLine.objects.filter(invoice__office__account=account, reviewer=user)
        .filter(review_status=ReviewStatus.PENDING, invoice__status__in=("in_review", "rejected"))
        .select_related("invoice__vendor", "cost_code")
    )


def allow_imported_edits(office) -> bool:
    """The office's "allow edit of imported Procore invoices" setting (off without settings)."""
    sync_settings = getattr(office, "sync_settings", None)  # reverse one-to-one: may be missing
    return bool(sync_settings and (sync_settings.options or {}).get("ap_allow_edit", False))
