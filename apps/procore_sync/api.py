"""REST API for sync activity (runs and their items), for pushing CORs into Procore, for
exporting time cards and for the "Procore vs Trestle" report and its differences.

The push and the export live here, not in apps/cors or apps/timecards, because domain apps never
import the sync engine. `POST /api/v1/cor-pushes/`, `POST /api/v1/time-exports/`,
`POST /api/v1/reconcile/runs/` and `POST /api/v1/sync-runs/{id}/retry/` queue a SyncRun and
answer 202 with the run to poll (its URL in Location); each honours an `Idempotency-Key`
header (apps/core/idempotency.py).
"""

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from apps.core.api import error_body, require_api, service_call, validated
from apps.core.idempotency import PARAMETER as IDEMPOTENCY_KEY
from apps.core.idempotency import idempotent
from apps.cors.models import ChangeOrderRequest
from apps.offices.models import Office
from apps.projects.models import Project

from . import selectors
from .cor_push.options import CONTRACT_TYPES, PushOptions
from .cor_push.selectors import pushable_cor_list
from .cor_push.services import MAX_CORS, push_queue
from .engine_models import Outcome, RunStatus, SyncItem, SyncRun
from .project_mapping import project_mapping
from .push_models import PushMode
from .reconcile import selectors as reconcile_selectors
from .reconcile.registry import comparer_of
from .reconcile.services import differences_repair, reconcile_queue
from .reconcile_models import Difference, DiffField
from .runs import run_retry_failed
from .tasks import enqueue_run
from .time_export.options import MODES
from .time_export.services import time_export_queue
from .work import NothingLeft

FIRST_ITEMS = 500
PROCORE_ID_MAX = 2**63 - 1
BUDGET_KEY = re.compile(r"^(line|cor):[0-9]+$")


# Sync runs ---------------------------------------------------------------------------------------


class SyncItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncItem
        fields = ("id", "entity", "direction", "procore_id", "object_id", "label", "outcome")
        fields += ("message", "fix", "created_at")
        read_only_fields = fields


class SyncRunSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="sync-run-detail")
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = SyncRun
        fields = ("id", "url", "office", "flow", "trigger", "requested_by", "params", "status")
        fields += ("progress_done", "progress_total", "percent", "counts", "error")
        fields += ("created_at", "started_at", "ended_at")
        read_only_fields = fields


STARTED = {202: SyncRunSerializer, 422: OpenApiTypes.OBJECT}  # 422: a key reused, another body


def accepted(run: SyncRun, request) -> Response:
    """202 with the run to poll, its URL in Location as a plain string."""
    body = SyncRunSerializer(run, context={"request": request}).data
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": str(body["url"])})


class SyncRunDetailSerializer(SyncRunSerializer):
    """A run with its first items; `items_url` pages through all of them."""

    items = serializers.SerializerMethodField()
    items_count = serializers.SerializerMethodField()
    items_url = serializers.HyperlinkedIdentityField(view_name="sync-run-items")

    class Meta(SyncRunSerializer.Meta):
        fields = (*SyncRunSerializer.Meta.fields, "items_count", "items", "items_url")
        read_only_fields = fields

    @extend_schema_field(SyncItemSerializer(many=True))
    def get_items(self, run: SyncRun) -> list[dict]:
        return SyncItemSerializer(run.items.all()[:FIRST_ITEMS], many=True).data

    def get_items_count(self, run: SyncRun) -> int:
        return run.items.count()


class SyncRunFilterSerializer(serializers.Serializer):
    office = serializers.IntegerField(required=False, source="office_id")
    flow = serializers.CharField(required=False, allow_blank=True, max_length=40)
    status = serializers.ChoiceField(choices=RunStatus.choices, required=False, allow_blank=True)
    date_from = serializers.DateField(required=False, help_text="Created on or after.")
    date_to = serializers.DateField(required=False, help_text="Created on or before.")


class SyncItemFilterSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False, allow_blank=True)
    entity = serializers.CharField(required=False, allow_blank=True, max_length=40)


@extend_schema_view(
    list=extend_schema(
        parameters=[SyncRunFilterSerializer], responses=SyncRunSerializer(many=True)
    ),
    retrieve=extend_schema(responses=SyncRunDetailSerializer),
)
class SyncRunViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Sync runs of the caller's account, newest first: progress, counts and per-record items."""

    serializer_class = SyncRunDetailSerializer
    lookup_value_regex = "[0-9]+"

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        require_api(request, "sync.view")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no account
            return SyncRun.objects.none()
        return SyncRun.objects.for_account(self.request.account)

    def list(self, request, *args, **kwargs) -> Response:
        filters = validated(SyncRunFilterSerializer(data=request.query_params))
        page = self.paginate_queryset(selectors.sync_run_list(account=request.account, **filters))
        body = SyncRunSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(body)

    @extend_schema(parameters=[SyncItemFilterSerializer], responses=SyncItemSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="items", url_name="items")
    def items(self, request, *args, **kwargs) -> Response:
        """Every item of the run, a page at a time, optionally of one outcome or entity."""
        run = self.get_object()
        filters = validated(SyncItemFilterSerializer(data=request.query_params))
        items = selectors.sync_item_list(run=run, **filters)
        page = self.paginate_queryset(items)
        return self.get_paginated_response(SyncItemSerializer(page, many=True).data)

    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={**STARTED, 409: OpenApiTypes.OBJECT},
        description="Queue a run of exactly what this run left undone (the Retry failed "
        "button); 409 when everything it was asked to do went through.",
    )
    @action(detail=True, methods=["post"], url_path="retry", url_name="retry")
    def retry(self, request, *args, **kwargs) -> Response:
        require_api(request, "sync.run")
        run = self.get_object()

        def start() -> Response:
            try:
                retry = run_retry_failed(run=run, user=request.user, enqueue=enqueue_run)
            except NothingLeft as exc:
                return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
            return accepted(retry, request)

        return idempotent(request, start)


# COR pushes --------------------------------------------------------------------------------------


class ContractSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=CONTRACT_TYPES)
    id = serializers.IntegerField(min_value=1, max_value=PROCORE_ID_MAX)


class CorPushSerializer(serializers.Serializer):
    project = serializers.IntegerField(
        help_text="The Trestle project whose Procore project receives the push."
    )
    cors = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=MAX_CORS,
        help_text="COR ids: the project's own, or CORs answering its change notifications.",
    )
    mode = serializers.ChoiceField(choices=PushMode.choices, default=PushMode.LINES)
    change_event_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=PROCORE_ID_MAX,
        help_text="A Procore Change Event to push into; null makes a new one titled `title`.",
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=255)
    budget_codes = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=PROCORE_ID_MAX, allow_null=True),
        required=False,
        help_text='Procore budget (WBS) code id per "line:<line id>" (line items) '
        'or "cor:<COR id>" (lump sum).',
    )
    default_budget_code_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=PROCORE_ID_MAX
    )
    contract = ContractSerializer(required=False, allow_null=True)

    def validate_budget_codes(self, codes: dict) -> dict:
        wrong = sorted(key for key in codes if not BUDGET_KEY.match(key))
        if wrong:
            raise ValidationError(f'Keys are "line:<id>" or "cor:<id>", not {", ".join(wrong)}.')
        return codes

    def validate(self, attrs: dict) -> dict:
        try:
            attrs["options"] = PushOptions.from_params(attrs)
        except DjangoValidationError as exc:
            raise ValidationError(error_body(exc)) from exc
        return attrs


def _push_target(account, data: dict) -> tuple[Project, list[ChangeOrderRequest]]:
    """The project and CORs, seen from the caller's account only; anything else is unknown."""
    project = (
        Project.objects.for_account(account)
        .select_related("office__account")
        .filter(pk=data["project"])
        .first()
    )
    if project is None:
        raise ValidationError({"project": [f"No project with id {data['project']}."]})
    mapping = project_mapping(project)
    if mapping is None or mapping.procore_id is None:
        raise ValidationError({"project": ["Map this project to a Procore project first."]})
    cors = list(pushable_cor_list(account=account, project=project, cor_ids=data["cors"]))
    missing = sorted(set(data["cors"]) - {cor.pk for cor in cors})
    if missing:
        ids = ", ".join(str(pk) for pk in missing)
        raise ValidationError({"cors": [f"No COR that can be pushed here has id {ids}."]})
    return project, cors


class CorPushViewSet(viewsets.GenericViewSet):
    """Push CORs into a Procore Change Event. Needs cors.manage."""

    serializer_class = CorPushSerializer

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        require_api(request, "cors.manage")

    @extend_schema(
        request=CorPushSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=STARTED,
        description="Queue the push as a SyncRun; poll its `url` for progress and items.",
    )
    def create(self, request, *args, **kwargs) -> Response:
        return idempotent(request, lambda: self._start(request))

    def _start(self, request) -> Response:
        data = validated(CorPushSerializer(data=request.data))
        project, cors = _push_target(request.account, data)
        options, user = data["options"], request.user
        run = service_call(
            lambda: push_queue(
                project=project, cors=cors, options=options, user=user, enqueue=enqueue_run
            )
        )
        return accepted(run, request)


# Time exports ------------------------------------------------------------------------------------


class TimeExportSerializer(serializers.Serializer):
    office = serializers.IntegerField(help_text="The office whose time cards go to Procore.")
    start = serializers.DateField(help_text="First project-local date of the time cards.")
    end = serializers.DateField(help_text="Last project-local date (at most 366 days).")
    mode = serializers.ChoiceField(
        choices=MODES,
        required=False,
        allow_null=True,
        help_text="Where the office sends time (timesheets or daily_logs); the export always goes "
        "there, and another value is refused: hours in both would count twice.",
    )


class TimeExportViewSet(viewsets.GenericViewSet):
    """Export time cards to Procore ("Export now"). Needs sync.run."""

    serializer_class = TimeExportSerializer

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        require_api(request, "sync.run")

    @extend_schema(
        request=TimeExportSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=STARTED,
        description="Queue the export as a SyncRun; poll its `url` for progress and items "
        "(one per time card, or per daily-log row, with Procore's message and the fix).",
    )
    def create(self, request, *args, **kwargs) -> Response:
        return idempotent(request, lambda: self._start(request))

    def _start(self, request) -> Response:
        data = validated(TimeExportSerializer(data=request.data))
        office = Office.objects.for_account(request.account).filter(pk=data["office"]).first()
        if office is None:
            raise ValidationError({"office": [f"No office with id {data['office']}."]})
        run = service_call(
            lambda: time_export_queue(
                office=office,
                user=request.user,
                start=data["start"],
                end=data["end"],
                mode=data.get("mode"),
                enqueue=enqueue_run,
            )
        )
        return accepted(run, request)


# Procore vs Trestle ------------------------------------------------------------------------------


class ReconcileSerializer(serializers.Serializer):
    office = serializers.IntegerField(help_text="The office whose Procore records are compared.")


class ReconcileViewSet(viewsets.GenericViewSet):
    """Run the "Procore vs Trestle" report. Needs cors.manage."""

    serializer_class = ReconcileSerializer

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        require_api(request, "cors.manage")

    @extend_schema(
        request=ReconcileSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=STARTED,
        description="Queue the report as a SyncRun; its differences are then listed at "
        "/api/v1/reconcile/differences/?office=.",
    )
    def create(self, request, *args, **kwargs) -> Response:
        return idempotent(request, lambda: self._start(request))

    def _start(self, request) -> Response:
        data = validated(ReconcileSerializer(data=request.data))
        office = Office.objects.for_account(request.account).filter(pk=data["office"]).first()
        if office is None:
            raise ValidationError({"office": [f"No office with id {data['office']}."]})
        run = reconcile_queue(office=office, user=request.user, enqueue=enqueue_run)
        return accepted(run, request)


class DifferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Difference
        fields = ("id", "office", "run", "flow", "object_id", "label", "procore_project_id")
        fields += ("change_event_id", "line_item_id", "key", "field", "trestle_value")
        fields += ("procore_id", "procore_value", "side", "message", "repair", "repair_run")
        fields += ("first_found_at", "created_at")
        read_only_fields = fields


class DifferenceFilterSerializer(serializers.Serializer):
    office = serializers.IntegerField(required=False, source="office_id")
    flow = serializers.CharField(required=False, allow_blank=True, max_length=40)
    field = serializers.ChoiceField(choices=DiffField.choices, required=False, allow_blank=True)


class RepairSerializer(serializers.Serializer):
    differences = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, max_length=1000,
        help_text="Ids of open differences of one office, as listed.",
    )  # fmt: skip


class RepairedSerializer(serializers.Serializer):
    differences = serializers.ListField(child=serializers.IntegerField())
    runs = SyncRunSerializer(many=True)


@extend_schema_view(
    list=extend_schema(
        parameters=[DifferenceFilterSerializer], responses=DifferenceSerializer(many=True)
    )
)
class DifferenceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The open differences of the latest reports, per office and kind. Needs sync.view."""

    serializer_class = DifferenceSerializer

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        require_api(request, "sync.view")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no account
            return Difference.objects.none()
        filters = validated(DifferenceFilterSerializer(data=self.request.query_params))
        return reconcile_selectors.difference_list(account=self.request.account, **filters)

    @extend_schema(
        request=RepairSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={202: RepairedSerializer, 200: RepairedSerializer, 422: OpenApiTypes.OBJECT},
        description="Repair open differences as the report's buttons do: 202 with the runs "
        "queued (Location: the first), or 200 when the repair was written at once (a COR log "
        "status). Needs the permission of each difference's flow (cors.manage for CORs, "
        "time.approve for hours, ap.manage for invoices and payments, sync.run for links).",
    )
    @action(detail=False, methods=["post"])
    def repair(self, request) -> Response:
        return idempotent(request, lambda: self._repair(request))

    def _repair(self, request) -> Response:
        ids = validated(RepairSerializer(data=request.data))["differences"]
        rows = list(self.get_queryset().filter(pk__in=ids))
        unknown = sorted(set(ids) - {d.pk for d in rows})
        if unknown:
            raise ValidationError({"differences": [f"Not open differences: {unknown}."]})
        if len({d.office_id for d in rows}) > 1:
            raise ValidationError({"differences": ["All must be of one office."]})
        for flow in {d.flow for d in rows}:
            require_api(request, comparer_of(flow).permission)
        runs = differences_repair(differences=rows, user=request.user, enqueue=enqueue_run)
        body = {
            "differences": sorted(ids),
            "runs": SyncRunSerializer(runs, many=True, context={"request": request}).data,
        }
        if not runs:
            return Response(body, status=status.HTTP_200_OK)
        location = str(body["runs"][0]["url"])
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})
