"""REST API for time card entries and production quantities.

Every write goes through `timecards.services` (or `quantities`), so the validation, the
fingerprint, the audit entry and the `time_entries_changed` signal are the pages' own. An entry's
day is either `date` (the project's local date) or `started_at`, a timestamp with its offset that
is turned into the date at the project (23:30 in Denver stays that day, whatever UTC says).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from apps.accounts import policy
from apps.core.api import AccountRecordField, optional_record, require_api, service_call, validated
from apps.core.api_keyset import KeysetPagination
from apps.core.limits import validate_entered_date
from apps.projects.models import CostCode, Project, SubJob

from . import quantities, services
from .dates import project_local_date
from .models import (
    Crew,
    Employee,
    EntryStatus,
    ProductionQuantity,
    TimeCardEntry,
    TimeType,
    WorkClassification,
)
from .selectors import RELATED, entry_list, live_entries, quantity_list

HOURS = {"max_digits": 5, "decimal_places": 2, "min_value": Decimal("0.01")}
HOURS["max_value"] = Decimal("24")
MAX_IDS = services.MAX_BULK


# Output ------------------------------------------------------------------------------------------


class TimeEntrySerializer(serializers.ModelSerializer):
    """Hours are a decimal string; `date` is the project's local date."""

    class Meta:
        model = TimeCardEntry
        fields = ("id", "project", "employee", "date", "sub_job", "cost_code", "time_type")
        fields += ("work_classification", "crew", "hours", "billable", "description", "status")
        fields += ("submitted_at", "decided_by", "decided_at", "rejection_reason", "created_by")
        fields += ("created_at", "updated_at", "fingerprint")
        read_only_fields = fields


class ProductionQuantitySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductionQuantity
        fields = ("id", "project", "cost_code", "date", "quantity", "unit", "description")
        fields += ("created_by", "created_at", "updated_at")
        read_only_fields = fields


# Input -------------------------------------------------------------------------------------------


class AwareDateTimeField(serializers.DateTimeField):
    """A timestamp with its offset: without one, the project's local time would be a guess."""

    default_error_messages = {
        **serializers.DateTimeField.default_error_messages,
        "naive": "Give the offset, e.g. 2025-01-05T23:30:00-07:00 or ...Z.",
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return value


class DayMixin(serializers.Serializer):
    date = serializers.DateField(
        required=False, help_text="The project's local date.", validators=[validate_entered_date]
    )
    started_at = AwareDateTimeField(
        required=False,
        help_text="Instead of `date`: when the work started, with its offset; the entry's date "
        "is this moment's date in the project's time zone.",
    )

    def validate(self, attrs: dict) -> dict:
        if "date" in attrs and "started_at" in attrs:
            raise serializers.ValidationError("Give either `date` or `started_at`, not both.")
        if not self.partial and "date" not in attrs and "started_at" not in attrs:
            raise serializers.ValidationError({"date": ["Give `date` or `started_at`."]})
        if "started_at" in attrs:
            try:
                validate_entered_date(attrs["started_at"].date())
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"started_at": exc.messages}) from exc
        return attrs


def _resolve_day(data: dict, project: Project) -> dict:
    """`started_at` becomes the project's local `date`."""
    if "started_at" in data:
        data["date"] = project_local_date(project, data.pop("started_at"))
    return data


class TimeEntryUpdateSerializer(DayMixin):
    employee = AccountRecordField(Employee)
    hours = serializers.DecimalField(**HOURS)
    sub_job = optional_record(SubJob)
    cost_code = optional_record(CostCode)
    time_type = optional_record(TimeType)
    work_classification = optional_record(WorkClassification)
    crew = optional_record(Crew)
    billable = serializers.BooleanField(required=False)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)


class TimeEntryCreateSerializer(TimeEntryUpdateSerializer):
    project = AccountRecordField(Project)


class TimeEntryFilterSerializer(serializers.Serializer):
    project = serializers.IntegerField(required=False, source="project_id")
    employee = serializers.IntegerField(required=False, source="employee_id")
    crew = serializers.IntegerField(required=False, source="crew_id")
    status = serializers.ChoiceField(choices=EntryStatus.choices, required=False, allow_blank=True)
    date_from = serializers.DateField(required=False, help_text="On or after (project date).")
    date_to = serializers.DateField(required=False, help_text="On or before (project date).")


class EntryIdsSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=MAX_IDS
    )


class EntryRejectSerializer(EntryIdsSerializer):
    reason = serializers.CharField(max_length=300)


class CrewMemberHoursSerializer(serializers.Serializer):
    employee = AccountRecordField(Employee)
    hours = serializers.DecimalField(**HOURS)
    cost_code = optional_record(CostCode)
    time_type = optional_record(TimeType)


class CrewDaySerializer(DayMixin):
    crew = AccountRecordField(Crew)
    project = AccountRecordField(Project)
    hours = serializers.DecimalField(
        **HOURS, required=False, help_text="The same hours for every active member."
    )
    members = CrewMemberHoursSerializer(
        many=True,
        required=False,
        max_length=200,
        help_text="Hours per member instead of `hours`; a cost code or time type left out is "
        "the day's.",
    )
    sub_job = optional_record(SubJob)
    cost_code = optional_record(CostCode)
    time_type = optional_record(TimeType)
    billable = serializers.BooleanField(required=False, default=True)
    description = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )


class QuantityUpdateSerializer(serializers.Serializer):
    cost_code = AccountRecordField(CostCode)
    date = serializers.DateField(
        help_text="The project's local date.", validators=[validate_entered_date]
    )
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=Decimal("0"))
    unit = serializers.CharField(max_length=20, help_text="Unit of measure, e.g. LF, CY, EA.")
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)


class QuantityCreateSerializer(QuantityUpdateSerializer):
    project = AccountRecordField(Project)


class QuantityFilterSerializer(serializers.Serializer):
    project = serializers.IntegerField(required=False, source="project_id")
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


# Helpers -----------------------------------------------------------------------------------------


def _entries(entries) -> list:
    return TimeEntrySerializer(entries, many=True).data


# Views -------------------------------------------------------------------------------------------

APPROVER_ACTIONS = ("approve", "reject")


@extend_schema_view(
    list=extend_schema(
        parameters=[TimeEntryFilterSerializer], responses=TimeEntrySerializer(many=True)
    ),
    create=extend_schema(request=TimeEntryCreateSerializer, responses={201: TimeEntrySerializer}),
    update=extend_schema(request=TimeEntryUpdateSerializer, responses=TimeEntrySerializer),
    partial_update=extend_schema(request=TimeEntryUpdateSerializer, responses=TimeEntrySerializer),
    destroy=extend_schema(
        description="Soft delete: the entry disappears from lists and is removed from Procore "
        "by the export. Submitted and approved entries are deleted by approvers only."
    ),
)
class TimeEntryViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Time card entries of the caller's account. Reading needs time.view, writing time.enter,
    approving and rejecting time.approve. Draft and rejected entries are editable by anyone who
    enters time; approvers also edit submitted ones, and an approved one they edit goes back to
    submitted."""

    serializer_class = TimeEntrySerializer
    lookup_value_regex = "[0-9]+"
    pagination_class = KeysetPagination  # page 50 costs what page 1 costs
    keyset_order = ("date", "pk")  # served by the (date) index

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if self.action in APPROVER_ACTIONS:
            require_api(request, "time.approve")
        else:
            require_api(request, "time.view" if request.method in SAFE_METHODS else "time.enter")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no account
            return TimeCardEntry.objects.none()
        return live_entries(self.request.account).select_related("project__office__account")

    def _as_approver(self) -> bool:
        return policy.can(self.request.membership, "time.approve")

    def list(self, request, *args, **kwargs) -> Response:
        filters = validated(TimeEntryFilterSerializer(data=request.query_params))
        entries = entry_list(account=request.account, **filters)
        page = self.paginate_queryset(entries.select_related(*RELATED))
        return self.get_paginated_response(_entries(page))

    def create(self, request, *args, **kwargs) -> Response:
        data = validated(TimeEntryCreateSerializer(data=request.data, context={"request": request}))
        project = data.pop("project")
        _resolve_day(data, project)
        entry = service_call(
            lambda: services.entry_create(project=project, user=request.user, **data)
        )
        return Response(TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs) -> Response:
        entry = self.get_object()
        serializer = TimeEntryUpdateSerializer(
            data=request.data, partial=partial, context={"request": request}
        )
        changes = _resolve_day(validated(serializer), entry.project)
        entry = service_call(
            lambda: services.entry_update(
                entry=entry, user=request.user, as_approver=self._as_approver(), **changes
            )
        )
        return Response(TimeEntrySerializer(entry).data)

    def partial_update(self, request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs) -> Response:
        entry = self.get_object()
        service_call(
            lambda: services.entry_delete(
                entry=entry, user=request.user, as_approver=self._as_approver()
            )
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _bulk(self, request, serializer_class, service, **extra) -> Response:
        data = validated(serializer_class(data=request.data))
        extra.update({k: v for k, v in data.items() if k != "ids"})
        entries = service_call(
            lambda: service(
                account=request.account, entry_ids=data["ids"], user=request.user, **extra
            )
        )
        return Response(_entries(entries))

    @extend_schema(request=EntryIdsSerializer, responses=TimeEntrySerializer(many=True))
    @action(detail=False, methods=["post"])
    def submit(self, request, *args, **kwargs) -> Response:
        """Submit draft or rejected entries for approval (all or none)."""
        return self._bulk(request, EntryIdsSerializer, services.entry_submit)

    @extend_schema(request=EntryIdsSerializer, responses=TimeEntrySerializer(many=True))
    @action(detail=False, methods=["post"])
    def approve(self, request, *args, **kwargs) -> Response:
        """Approve submitted entries (all or none); approved entries are what Procore gets."""
        return self._bulk(request, EntryIdsSerializer, services.entry_approve)

    @extend_schema(request=EntryRejectSerializer, responses=TimeEntrySerializer(many=True))
    @action(detail=False, methods=["post"])
    def reject(self, request, *args, **kwargs) -> Response:
        """Send submitted entries back with a reason (all or none)."""
        return self._bulk(request, EntryRejectSerializer, services.entry_reject)

    @extend_schema(request=CrewDaySerializer, responses={201: TimeEntrySerializer(many=True)})
    @action(detail=False, methods=["post"], url_path="crew-day", url_name="crew-day")
    def crew_day(self, request, *args, **kwargs) -> Response:
        """A draft entry per crew member for one day, in one transaction (all or none)."""
        data = validated(CrewDaySerializer(data=request.data, context={"request": request}))
        _resolve_day(data, data["project"])
        members = data.pop("members", None)
        lines = [services.CrewLine(**member) for member in members] if members else None
        entries = service_call(
            lambda: services.crew_day_enter(user=request.user, lines=lines, **data)
        )
        return Response(_entries(entries), status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        parameters=[QuantityFilterSerializer], responses=ProductionQuantitySerializer(many=True)
    ),
    create=extend_schema(
        request=QuantityCreateSerializer, responses={201: ProductionQuantitySerializer}
    ),
    update=extend_schema(request=QuantityUpdateSerializer, responses=ProductionQuantitySerializer),
    partial_update=extend_schema(
        request=QuantityUpdateSerializer, responses=ProductionQuantitySerializer
    ),
)
class ProductionQuantityViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Work put in place per project, cost code and day (quantity and unit of measure)."""

    serializer_class = ProductionQuantitySerializer
    lookup_value_regex = "[0-9]+"

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        require_api(request, "time.view" if request.method in SAFE_METHODS else "time.enter")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no account
            return ProductionQuantity.objects.none()
        records = ProductionQuantity.objects.for_account(self.request.account)
        return records.select_related("project__office__account", "cost_code")

    def list(self, request, *args, **kwargs) -> Response:
        filters = validated(QuantityFilterSerializer(data=request.query_params))
        records = quantity_list(account=request.account, **filters).order_by("date", "pk")
        page = self.paginate_queryset(records)
        return self.get_paginated_response(ProductionQuantitySerializer(page, many=True).data)

    def create(self, request, *args, **kwargs) -> Response:
        data = validated(QuantityCreateSerializer(data=request.data, context={"request": request}))
        record = service_call(lambda: quantities.quantity_create(user=request.user, **data))
        return Response(ProductionQuantitySerializer(record).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs) -> Response:
        record = self.get_object()
        serializer = QuantityUpdateSerializer(
            data=request.data, partial=partial, context={"request": request}
        )
        changes = validated(serializer)
        record = service_call(
            lambda: quantities.quantity_update(record=record, user=request.user, **changes)
        )
        return Response(ProductionQuantitySerializer(record).data)

    def partial_update(self, request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs) -> Response:
        record = self.get_object()
        service_call(lambda: quantities.quantity_delete(record=record, user=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
