"""REST API for AP invoices, their line reviews and payments, queues and routing rules.

Invoice writes go through `services` (and `routing`, `payments`), as the pages' do, so totals,
office checks, routing, audit entries and the Procore write-back signal are the same. Routing
saves its own copy of the invoice, so every answer re-reads it.
"""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from apps.accounts.audit import audit_record
from apps.accounts.tenancy import get_for_account_or_404
from apps.core.api import require_api, service_call, validated
from apps.core.idempotency import PARAMETER as IDEMPOTENCY_KEY
from apps.core.idempotency import idempotent

from . import payments, services
from .models import ApInvoice, ApPayment, ApQueue, RoutingRule
from .routing import route_or_queue
from .selectors import allow_imported_edits, invoice_list
from .serializers import (
    ApInvoiceCreateSerializer,
    ApInvoiceFilterSerializer,
    ApInvoiceListSerializer,
    ApInvoiceSerializer,
    ApInvoiceUpdateSerializer,
    ApPaymentInputSerializer,
    ApPaymentSerializer,
    ApQueueCreateSerializer,
    ApQueueSerializer,
    ApQueueUpdateSerializer,
    ApRecordFilterSerializer,
    InvoiceLineFieldsSerializer,
    LineReviewSerializer,
    RoutingRuleCreateSerializer,
    RoutingRuleSerializer,
    RoutingRuleUpdateSerializer,
)

NOT_YOUR_LINE = "Only the line's reviewer, an owner or an admin can review it."


# Helpers -----------------------------------------------------------------------------------------


def _line(data: dict) -> services.Line:
    fields = {k: v for k, v in data.items() if k in InvoiceLineFieldsSerializer._declared_fields}
    return services.Line(id=data.get("id"), **fields)


def _check_line_ids(invoice: ApInvoice, lines: list[dict]) -> None:
    """A line id must be one of this invoice's lines (the service would quietly add it anew)."""
    ids = [line["id"] for line in lines if line.get("id") is not None]
    unknown = set(ids) - set(invoice.lines.values_list("pk", flat=True))
    if unknown or len(ids) != len(set(ids)):
        message = f"Each line id must be one of this invoice's lines, once: {sorted(unknown)}."
        raise ValidationError({"lines": [message]})


class ApPolicyMixin:
    """Reading needs ap.view, writing ap.manage; checked before any object is looked up."""

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        require_api(request, "ap.view" if request.method in SAFE_METHODS else "ap.manage")


# Invoices ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=[ApInvoiceFilterSerializer], responses=ApInvoiceListSerializer(many=True)
    ),
    create=extend_schema(request=ApInvoiceCreateSerializer, responses={201: ApInvoiceSerializer}),
    update=extend_schema(request=ApInvoiceUpdateSerializer, responses=ApInvoiceSerializer),
    partial_update=extend_schema(request=ApInvoiceUpdateSerializer, responses=ApInvoiceSerializer),
)
class ApInvoiceViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """AP invoices of the caller's account, with lines, payments and totals. Reading needs
    ap.view, entering and routing ap.manage, reviewing a line ap.review. Saving routes the
    invoice again: in review when every check passes, else queued with the reasons. An invoice
    imported from Procore keeps Procore's fields and lines unless its office allows edits."""

    serializer_class = ApInvoiceSerializer
    lookup_value_regex = "[0-9]+"

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if self.action == "review":
            require_api(request, "ap.review")
        else:
            require_api(request, "ap.view" if request.method in SAFE_METHODS else "ap.manage")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no account
            return ApInvoice.objects.none()
        invoices = ApInvoice.objects.for_account(self.request.account)
        return invoices.select_related("office__account").prefetch_related("lines", "payments")

    def _detail(self, invoice: ApInvoice, code: int = status.HTTP_200_OK) -> Response:
        invoice = self.get_queryset().get(pk=invoice.pk)  # re-read: routing saved a copy
        return Response(ApInvoiceSerializer(invoice).data, status=code)

    def list(self, request, *args, **kwargs) -> Response:
        filters = validated(ApInvoiceFilterSerializer(data=request.query_params))
        invoices = invoice_list(account=request.account, **filters).order_by("-created_at", "-pk")
        page = self.paginate_queryset(invoices)
        return self.get_paginated_response(ApInvoiceListSerializer(page, many=True).data)

    def create(self, request, *args, **kwargs) -> Response:
        data = validated(ApInvoiceCreateSerializer(data=request.data, context={"request": request}))
        office, lines = data.pop("office"), [_line(line) for line in data.pop("lines", [])]
        invoice = service_call(
            lambda: services.invoice_create(office=office, user=request.user, lines=lines, **data)
        )
        return self._detail(invoice, status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs) -> Response:
        invoice = self.get_object()
        serializer = ApInvoiceUpdateSerializer(
            data=request.data, partial=partial, context={"request": request}
        )
        data = validated(serializer)
        lines = None
        if "lines" in data:
            _check_line_ids(invoice, data["lines"])
            lines = [_line(line) for line in data.pop("lines")]
        service_call(
            lambda: services.invoice_update(
                invoice=invoice,
                user=request.user,
                lines=lines,
                allow_imported_edits=allow_imported_edits(invoice.office),
                **data,
            )
        )
        return self._detail(invoice)

    def partial_update(self, request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(request=None, responses=ApInvoiceSerializer)
    @action(detail=True, methods=["post"])
    def route(self, request, *args, **kwargs) -> Response:
        """Check and route the invoice again (the pages' Reprocess): in review when every check
        passes and every line has a reviewer, else queued with the reasons in `queue_reason`.
        Refused while it has payments."""
        invoice = self.get_object()
        service_call(lambda: route_or_queue(invoice=invoice, user=request.user))
        return self._detail(invoice)

    @extend_schema(
        parameters=[OpenApiParameter("line_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=LineReviewSerializer,
        responses=ApInvoiceSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"lines/(?P<line_id>[0-9]+)/review",
        url_name="line-review",
    )
    def review(self, request, *args, line_id: str, **kwargs) -> Response:
        """Approve or reject one line (its reviewer, an owner or an admin; rejecting needs a
        comment). The invoice is approved once every line is, rejected while any line is."""
        invoice = self.get_object()
        line = invoice.lines.filter(pk=line_id).first()
        if line is None:
            raise Http404("No such line on this invoice.")
        # The service refuses anyone else too; here it is a 403 rather than a 400.
        if not services.may_review(line, request.user):
            raise PermissionDenied(NOT_YOUR_LINE)
        data = validated(LineReviewSerializer(data=request.data))
        approve = data["decision"] == "approve"
        service_call(
            lambda: services.review_line(
                line=line, user=request.user, approve=approve, comment=data["comment"]
            )
        )
        return self._detail(invoice)


# Payments ----------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=ApPaymentInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: ApPaymentSerializer, 422: OpenApiTypes.OBJECT},
        description="Record a payment; send an Idempotency-Key so a retry records it once.",
    ),
    update=extend_schema(request=ApPaymentInputSerializer, responses=ApPaymentSerializer),
    partial_update=extend_schema(request=ApPaymentInputSerializer, responses=ApPaymentSerializer),
)
@extend_schema(parameters=[OpenApiParameter("invoice_id", OpenApiTypes.INT, OpenApiParameter.PATH)])
class ApPaymentViewSet(
    ApPolicyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Payments of one approved invoice, voided ones included. The invoice is paid once the
    payments not voided cover its total, and approved again when they no longer do."""

    serializer_class = ApPaymentSerializer
    lookup_value_regex = "[0-9]+"

    def get_invoice(self) -> ApInvoice:
        if not hasattr(self, "_invoice"):
            self._invoice = get_for_account_or_404(
                ApInvoice.objects.select_related("office__account"),
                self.request.account,
                pk=self.kwargs["invoice_id"],
            )
        return self._invoice

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no account
            return ApPayment.objects.none()
        return self.get_invoice().payments.order_by("date", "pk")

    def create(self, request, *args, **kwargs) -> Response:
        return idempotent(request, lambda: self._record(request))

    def _record(self, request) -> Response:
        invoice = self.get_invoice()
        data = validated(ApPaymentInputSerializer(data=request.data))
        payment = service_call(
            lambda: payments.payment_record(invoice=invoice, user=request.user, **data)
        )
        location = reverse("ap-payment-detail", kwargs={"invoice_id": invoice.pk, "pk": payment.pk})
        return Response(
            ApPaymentSerializer(payment).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    def update(self, request, *args, partial: bool = False, **kwargs) -> Response:
        payment = self.get_object()
        data = validated(ApPaymentInputSerializer(data=request.data, partial=partial))
        current = {k: getattr(payment, k) for k in ("date", "amount", "method", "reference")}
        payment = service_call(
            lambda: payments.payment_update(
                payment=payment, user=request.user, **{**current, **data}
            )
        )
        return Response(ApPaymentSerializer(payment).data)

    def partial_update(self, request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(request=None, responses=ApPaymentSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, *args, **kwargs) -> Response:
        """Void the payment: it stays listed with `voided_at` and no longer counts."""
        payment = self.get_object()
        payment = service_call(lambda: payments.payment_void(payment=payment, user=request.user))
        return Response(ApPaymentSerializer(payment).data)


# Queues and routing rules ------------------------------------------------------------------------


class OfficeRecordViewSet(ApPolicyMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Queues and rules have no services: like the pages' record views, a write saves the
    validated fields and records it in the audit log."""

    model: type = None
    ordering: tuple[str, ...] = ()
    create_serializer_class: type = None
    update_serializer_class: type = None
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no account
            return self.model.objects.none()
        return self.model.objects.for_account(self.request.account).order_by(*self.ordering)

    def _save(self, record, data: dict, code: int = status.HTTP_200_OK) -> Response:
        created = record.pk is None
        for name, value in data.items():
            setattr(record, name, value)
        record.save()
        audit_record(
            account=self.request.account,
            actor=self.request.user,
            action=f"{self.model._meta.model_name}.{'created' if created else 'updated'}",
            target=record,
            detail={name: str(value) for name, value in data.items()},
        )
        return Response(self.get_serializer(record).data, status=code)

    def list(self, request, *args, **kwargs) -> Response:
        filters = validated(ApRecordFilterSerializer(data=request.query_params))
        if filters.get("active") is None:
            filters.pop("active", None)
        page = self.paginate_queryset(self.get_queryset().filter(**filters))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, *args, **kwargs) -> Response:
        serializer = self.create_serializer_class(data=request.data, context={"request": request})
        return self._save(self.model(), validated(serializer), status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs) -> Response:
        record = self.get_object()
        serializer = self.update_serializer_class(
            record, data=request.data, partial=partial, context={"request": request}
        )
        return self._save(record, validated(serializer))

    def partial_update(self, request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)


@extend_schema_view(
    list=extend_schema(parameters=[ApRecordFilterSerializer]),
    create=extend_schema(request=ApQueueCreateSerializer, responses={201: ApQueueSerializer}),
    update=extend_schema(request=ApQueueUpdateSerializer),
    partial_update=extend_schema(request=ApQueueUpdateSerializer),
)
class ApQueueViewSet(OfficeRecordViewSet):
    """Queues invoices wait in, per office. A queue is deactivated rather than deleted (invoices
    and the office's Procore import point at it)."""

    serializer_class = ApQueueSerializer
    model, ordering = ApQueue, ("name", "pk")
    create_serializer_class, update_serializer_class = (
        ApQueueCreateSerializer,
        ApQueueUpdateSerializer,
    )


@extend_schema_view(
    list=extend_schema(parameters=[ApRecordFilterSerializer]),
    create=extend_schema(
        request=RoutingRuleCreateSerializer, responses={201: RoutingRuleSerializer}
    ),
    update=extend_schema(request=RoutingRuleUpdateSerializer),
    partial_update=extend_schema(request=RoutingRuleUpdateSerializer),
)
class RoutingRuleViewSet(mixins.DestroyModelMixin, OfficeRecordViewSet):
    """Which reviewer gets an invoice line: the first active rule by priority whose every set
    condition (project, vendor, cost code, amount range) holds. The reviewer must be a member
    whose role may review AP lines."""

    serializer_class = RoutingRuleSerializer
    model, ordering = RoutingRule, ("priority", "pk")
    create_serializer_class, update_serializer_class = (
        RoutingRuleCreateSerializer,
        RoutingRuleUpdateSerializer,
    )

    def perform_destroy(self, instance: RoutingRule) -> None:
        audit_record(
            account=self.request.account,
            actor=self.request.user,
            action="routingrule.deleted",
            target=instance,
            detail={"priority": instance.priority},
        )
        instance.delete()
