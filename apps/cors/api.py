"""REST API for change order requests and their lines.

Every write goes through `cors.services`, with the COR's whole resulting line list, so the stored
totals and the fingerprint a push compares against are always those of the saved lines.
"""

from dataclasses import replace
from decimal import Decimal

from django.db import transaction
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from apps.accounts.tenancy import get_for_account_or_404
from apps.core.api import require_api, service_call, validated
from apps.core.limits import DESCRIPTION_MAX, SEARCH_MAX
from apps.projects.models import CostCode, Project

from . import services
from .models import ChangeOrderRequest, CorLineItem, CorStatus, CostType
from .selectors import PUSH_STATES, SORTS, cor_list

ZERO = Decimal("0")
MAX_LINES = 500
MAX_SCHEDULE_DAYS = 3650


# Output ------------------------------------------------------------------------------------------


class CorLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = CorLineItem
        fields = ("id", "position", "description", "cost_type", "cost_code", "quantity", "unit")
        fields += ("unit_cost", "markup_percent", "amount")
        read_only_fields = fields


class CorListSerializer(serializers.ModelSerializer):
    """A row of the COR log; money is a decimal string."""

    class Meta:
        model = ChangeOrderRequest
        fields = ("id", "project", "number", "title", "description", "reason")
        fields += ("schedule_impact_days", "status", "created_by", "created_at", "sent_on")
        fields += ("decided_on", "subtotal", "markup_total", "total", "fingerprint", "updated_at")
        read_only_fields = fields


class CorSerializer(CorListSerializer):
    lines = CorLineSerializer(many=True, read_only=True)

    class Meta(CorListSerializer.Meta):
        fields = (*CorListSerializer.Meta.fields, "lines")
        read_only_fields = fields


# Input -------------------------------------------------------------------------------------------


class AccountProjectField(serializers.PrimaryKeyRelatedField):
    """An active project of the caller's account; another account's is "does not exist"."""

    def get_queryset(self):
        return Project.objects.for_account(self.context["request"].account).filter(active=True)


class AccountCostCodeField(serializers.PrimaryKeyRelatedField):
    """A cost code of the caller's account; the service checks it is of the COR's office."""

    def get_queryset(self):
        return CostCode.objects.for_account(self.context["request"].account)


class LineFieldsSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    cost_type = serializers.ChoiceField(choices=CostType.choices)
    cost_code = AccountCostCodeField(
        queryset=CostCode.objects.all(), required=False, allow_null=True, default=None
    )
    # Negative quantity or unit cost is a credit line (a deductive change order); the service
    # checks each line and the total against the money columns.
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, default=Decimal("1"))
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    unit_cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    markup_percent = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=ZERO, max_value=Decimal("1000"), default=ZERO
    )


class LineInputSerializer(LineFieldsSerializer):
    id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The id of one of the COR's lines to change it in place; omit for a new line.",
    )


class CorUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=DESCRIPTION_MAX
    )
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
    schedule_impact_days = serializers.IntegerField(
        required=False,
        min_value=-MAX_SCHEDULE_DAYS,
        max_value=MAX_SCHEDULE_DAYS,
        help_text="Negative when the change shortens the schedule.",
    )
    lines = LineInputSerializer(
        many=True,
        required=False,
        max_length=MAX_LINES,
        help_text="The COR's lines, in order. Omitted: the lines stay as they are. A line "
        "without an id is new; the COR's lines missing from the list are deleted.",
    )


class CorCreateSerializer(CorUpdateSerializer):
    project = AccountProjectField(queryset=Project.objects.all())


class CorStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CorStatus.choices)


class CorFilterSerializer(serializers.Serializer):
    """The COR log's filters, as query parameters."""

    project = serializers.IntegerField(required=False, source="project_id")
    status = serializers.ChoiceField(choices=CorStatus.choices, required=False, allow_blank=True)
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=SEARCH_MAX, help_text="Title, text or number."
    )
    date_from = serializers.DateField(required=False, help_text="Created on or after.")
    date_to = serializers.DateField(required=False, help_text="Created on or before.")
    sort = serializers.ChoiceField(choices=list(SORTS), required=False, default="-created")
    change_event_status = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="Of the COR's Procore push."
    )
    push_state = serializers.ChoiceField(choices=PUSH_STATES, required=False, allow_blank=True)


# Helpers -----------------------------------------------------------------------------------------


def _line(data: dict) -> services.Line:
    fields = {k: v for k, v in data.items() if k in LineFieldsSerializer._declared_fields}
    return services.Line(id=data.get("id"), **fields)


def _saved_line(item: CorLineItem) -> services.Line:
    return services.Line(
        id=item.pk,
        description=item.description,
        cost_type=item.cost_type,
        cost_code=item.cost_code,
        quantity=item.quantity,
        unit=item.unit,
        unit_cost=item.unit_cost,
        markup_percent=item.markup_percent,
    )


def _saved_lines(cor: ChangeOrderRequest) -> list[services.Line]:
    return [_saved_line(item) for item in cor.lines.select_related("cost_code")]


def _locked(cor: ChangeOrderRequest) -> ChangeOrderRequest:
    """The COR row locked for this transaction, so two line writes never drop each other's line."""
    return (
        ChangeOrderRequest.objects.select_for_update(of=("self",))
        .select_related("project__office__account")
        .get(pk=cor.pk)
    )


def _check_line_ids(cor: ChangeOrderRequest, lines: list[dict]) -> None:
    ids = [line["id"] for line in lines if line.get("id") is not None]
    unknown = set(ids) - set(cor.lines.values_list("pk", flat=True))
    if unknown or len(ids) != len(set(ids)):
        raise ValidationError(
            {"lines": [f"Each line id must be one of this COR's lines, once: {sorted(unknown)}."]}
        )


class CorPolicyMixin:
    """Reading needs cors.view, writing cors.manage; checked before any object is looked up."""

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        require_api(request, "cors.view" if request.method in SAFE_METHODS else "cors.manage")


# Views -------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[CorFilterSerializer], responses=CorListSerializer(many=True)),
    retrieve=extend_schema(responses=CorSerializer),
    create=extend_schema(request=CorCreateSerializer, responses={201: CorSerializer}),
    update=extend_schema(request=CorUpdateSerializer, responses=CorSerializer),
    partial_update=extend_schema(request=CorUpdateSerializer, responses=CorSerializer),
    destroy=extend_schema(description="Only a draft COR can be deleted."),
)
class CorViewSet(
    CorPolicyMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Change order requests of the caller's account, with their lines."""

    serializer_class = CorSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no account
            return ChangeOrderRequest.objects.none()
        cors = ChangeOrderRequest.objects.for_account(self.request.account)
        return cors.select_related("project__office__account")

    def list(self, request, *args, **kwargs) -> Response:
        filters = validated(CorFilterSerializer(data=request.query_params))
        page = self.paginate_queryset(cor_list(account=request.account, **filters))
        return self.get_paginated_response(CorListSerializer(page, many=True).data)

    def create(self, request, *args, **kwargs) -> Response:
        data = validated(CorCreateSerializer(data=request.data, context={"request": request}))
        project, lines = data.pop("project"), [_line(line) for line in data.pop("lines", [])]
        cor = service_call(
            lambda: services.cor_create(project=project, user=request.user, lines=lines, **data)
        )
        return Response(CorSerializer(cor).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs) -> Response:
        cor = self.get_object()
        serializer = CorUpdateSerializer(
            data=request.data, partial=partial, context={"request": request}
        )
        data = validated(serializer)
        with transaction.atomic():
            cor = _locked(cor)
            if "lines" in data:
                _check_line_ids(cor, data["lines"])
                lines = [_line(line) for line in data.pop("lines")]
            else:
                lines = _saved_lines(cor)
            service_call(
                lambda: services.cor_update(cor=cor, user=request.user, lines=lines, **data)
            )
        return Response(CorSerializer(cor).data)

    def destroy(self, request, *args, **kwargs) -> Response:
        cor = self.get_object()
        service_call(lambda: services.cor_delete(cor=cor, user=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=CorStatusSerializer, responses=CorSerializer)
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request, *args, **kwargs) -> Response:
        """Move the COR to another status (draft, sent, approved, rejected, void)."""
        cor = self.get_object()
        new_status = validated(CorStatusSerializer(data=request.data))["status"]
        service_call(lambda: services.cor_set_status(cor=cor, status=new_status, user=request.user))
        return Response(CorSerializer(cor).data)


@extend_schema_view(
    create=extend_schema(request=LineFieldsSerializer, responses={201: CorLineSerializer}),
    update=extend_schema(request=LineFieldsSerializer, responses=CorLineSerializer),
    partial_update=extend_schema(request=LineFieldsSerializer, responses=CorLineSerializer),
)
@extend_schema(parameters=[OpenApiParameter("cor_id", OpenApiTypes.INT, OpenApiParameter.PATH)])
class CorLineViewSet(
    CorPolicyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The lines of one COR. Each write saves the COR's whole line list, so totals follow."""

    serializer_class = CorLineSerializer
    lookup_value_regex = "[0-9]+"

    def get_cor(self) -> ChangeOrderRequest:
        if not hasattr(self, "_cor"):
            self._cor = get_for_account_or_404(
                ChangeOrderRequest.objects.select_related("project__office__account"),
                self.request.account,
                pk=self.kwargs["cor_id"],
            )
        return self._cor

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no account
            return CorLineItem.objects.none()
        return self.get_cor().lines.all()

    def create(self, request, *args, **kwargs) -> Response:
        cor = self.get_cor()
        new = _line(
            validated(LineFieldsSerializer(data=request.data, context={"request": request}))
        )
        with transaction.atomic():
            cor = _locked(cor)
            before = set(cor.lines.values_list("pk", flat=True))
            lines = [*_saved_lines(cor), new]
            service_call(lambda: services.cor_update(cor=cor, user=request.user, lines=lines))
            line = cor.lines.exclude(pk__in=before).get()
        return Response(CorLineSerializer(line).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs) -> Response:
        line = self.get_object()
        serializer = LineFieldsSerializer(
            data=request.data, partial=partial, context={"request": request}
        )
        changes = validated(serializer)
        with transaction.atomic():
            cor = _locked(line.cor)
            lines = _saved_lines(cor)
            if line.pk not in {saved.id for saved in lines}:
                raise Http404("That line was just deleted.")
            lines = [replace(s, **changes) if s.id == line.pk else s for s in lines]
            service_call(lambda: services.cor_update(cor=cor, user=request.user, lines=lines))
        return Response(CorLineSerializer(cor.lines.get(pk=line.pk)).data)

    def destroy(self, request, *args, **kwargs) -> Response:
        line = self.get_object()
        with transaction.atomic():
            cor = _locked(line.cor)
            lines = [saved for saved in _saved_lines(cor) if saved.id != line.pk]
            service_call(lambda: services.cor_update(cor=cor, user=request.user, lines=lines))
        return Response(status=status.HTTP_204_NO_CONTENT)
