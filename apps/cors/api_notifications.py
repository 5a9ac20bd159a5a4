"""REST API for change notifications, sent by a customer account and answered by a contractor's COR.

A caller sees the notifications its account sent or received; the response COR is nested
read-only, for the customer only once the contractor has sent it. Writes go through
`cors.notifications`, whose refusals become 400s.
"""

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from apps.accounts.models import Account
from apps.core.api import require_api, service_call
from apps.core.limits import DESCRIPTION_MAX, SEARCH_MAX, validate_entered_date
from apps.projects.models import Project

from . import notifications
from .models import (
    ChangeNotification,
    ChangeOrderRequest,
    CorAttachment,
    CorLineItem,
    NotificationStatus,
)
from .notifications_selectors import (
    BOXES,
    notifications_for,
    partner_contractors,
    response_visible,
)

# Output ------------------------------------------------------------------------------------------


class PartnerAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ("id", "name")
        read_only_fields = fields


class ResponseCorLineSerializer(serializers.ModelSerializer):
    """A line of the response COR, as the customer sees it (no contractor cost codes)."""

    class Meta:
        model = CorLineItem
        fields = ("position", "description", "cost_type", "quantity", "unit", "unit_cost")
        fields += ("markup_percent", "amount")
        read_only_fields = fields


class ResponseCorAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CorAttachment
        fields = ("id", "name", "size", "uploaded_at")
        read_only_fields = fields


class ResponseCorSerializer(serializers.ModelSerializer):
    """The contractor's COR answering the notification, read-only."""

    lines = ResponseCorLineSerializer(many=True, read_only=True)
    attachments = ResponseCorAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = ChangeOrderRequest
        fields = ("number", "title", "description", "reason", "schedule_impact_days", "status")
        fields += ("sent_on", "decided_on", "subtotal", "markup_total", "total", "lines")
        fields += ("attachments",)
        read_only_fields = fields


class ChangeNotificationSerializer(serializers.ModelSerializer):
    project = serializers.CharField(
        source="customer_project", read_only=True, help_text="The customer's project."
    )
    customer = PartnerAccountSerializer(read_only=True)
    contractor = PartnerAccountSerializer(read_only=True)
    response_cor_id = serializers.SerializerMethodField(
        help_text="The id of the answering COR, for the contractor only (it is their COR)."
    )

    class Meta:
        model = ChangeNotification
        fields = ("id", "number", "title", "description", "respond_by", "status", "project")
        fields += ("customer", "contractor", "sent_at", "decided_at", "response_cor_id")
        read_only_fields = fields

    def get_response_cor_id(self, notification: ChangeNotification) -> int | None:
        if notification.contractor_id != self.context["request"].account.pk:
            return None
        return notification.response_cor_id


class ChangeNotificationDetailSerializer(ChangeNotificationSerializer):
    response_cor = serializers.SerializerMethodField()

    class Meta(ChangeNotificationSerializer.Meta):
        fields = (*ChangeNotificationSerializer.Meta.fields, "response_cor")
        read_only_fields = fields

    @extend_schema_field(ResponseCorSerializer(allow_null=True))
    def get_response_cor(self, notification: ChangeNotification) -> dict | None:
        if not response_visible(notification, self.context["request"].account):
            return None
        return ResponseCorSerializer(notification.response_cor).data


# Input -------------------------------------------------------------------------------------------


class AccountProjectField(serializers.PrimaryKeyRelatedField):
    """An active project of the caller's account; another account's is "does not exist"."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Project.objects.none(), **kwargs)  # the model, for the schema

    def get_queryset(self):
        return Project.objects.for_account(self.context["request"].account).filter(active=True)


class PartnerField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {"does_not_exist": notifications.NOT_A_PARTNER}

    def __init__(self, **kwargs):
        super().__init__(queryset=Account.objects.none(), **kwargs)  # the model, for the schema

    def get_queryset(self):
        return partner_contractors(self.context["request"].account)


class ChangeNotificationCreateSerializer(serializers.Serializer):
    customer_project = AccountProjectField(help_text="One of your active projects.")
    contractor = PartnerField(help_text="The account id of one of your trading partners.")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=DESCRIPTION_MAX
    )
    respond_by = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[validate_entered_date]
    )


class NotificationAnswerSerializer(serializers.Serializer):
    project = AccountProjectField(help_text="Your project the answering COR is created in.")


class NotificationFilterSerializer(serializers.Serializer):
    box = serializers.ChoiceField(
        choices=list(BOXES), required=False, help_text="sent or received; omitted: both."
    )
    status = serializers.ChoiceField(
        choices=NotificationStatus.choices, required=False, allow_blank=True
    )
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=SEARCH_MAX, help_text="Title, text or number."
    )


# Views -------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=[NotificationFilterSerializer],
        responses=ChangeNotificationSerializer(many=True),
    ),
    retrieve=extend_schema(responses=ChangeNotificationDetailSerializer),
    create=extend_schema(
        request=ChangeNotificationCreateSerializer,
        responses={201: ChangeNotificationDetailSerializer},
    ),
)
class ChangeNotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Change notifications the caller's account sent (as customer) or received (as contractor)."""

    serializer_class = ChangeNotificationDetailSerializer
    lookup_value_regex = "[0-9]+"

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        needed = "notifications.view" if request.method in SAFE_METHODS else "notifications.manage"
        require_api(request, needed)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no account
            return ChangeNotification.objects.none()
        return notifications_for(account=self.request.account)

    def _detail(self, notification: ChangeNotification, code: int = status.HTTP_200_OK):
        notification = self.get_queryset().get(pk=notification.pk)  # re-read with its response
        context = self.get_serializer_context()
        data = ChangeNotificationDetailSerializer(notification, context=context).data
        return Response(data, status=code)

    def list(self, request, *args, **kwargs) -> Response:
        filters = NotificationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        found = notifications_for(account=request.account, **filters.validated_data)
        page = self.paginate_queryset(found)
        data = ChangeNotificationSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)

    def create(self, request, *args, **kwargs) -> Response:
        data = ChangeNotificationCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        notification = service_call(
            lambda: notifications.notification_send(user=request.user, **data.validated_data)
        )
        return self._detail(notification, status.HTTP_201_CREATED)

    @extend_schema(responses=PartnerAccountSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def partners(self, request, **kwargs) -> Response:
        """The contractors the caller's account may send change notifications to."""
        contractors = partner_contractors(request.account)
        return Response(PartnerAccountSerializer(contractors, many=True).data)

    @extend_schema(
        request=NotificationAnswerSerializer, responses=ChangeNotificationDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None, **kwargs) -> Response:
        """The contractor starts its answering COR (a draft) in one of its projects."""
        notification = self.get_object()
        data = NotificationAnswerSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        project = data.validated_data["project"]
        service_call(
            lambda: notifications.notification_answer(
                notification=notification, contractor_project=project, user=request.user
            )
        )
        return self._detail(notification)

    def _decide(self, request, accept: bool) -> Response:
        notification = self.get_object()
        service_call(
            lambda: notifications.notification_decide(
                notification=notification,
                account=request.account,
                accept=accept,
                user=request.user,
            )
        )
        return self._detail(notification)

    @extend_schema(request=None, responses=ChangeNotificationDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None, **kwargs) -> Response:
        """The customer accepts the sent response: the COR becomes approved."""
        return self._decide(request, accept=True)

    @extend_schema(request=None, responses=ChangeNotificationDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None, **kwargs) -> Response:
        """The customer rejects the sent response: the COR becomes rejected."""
        return self._decide(request, accept=False)

    @extend_schema(request=None, responses=ChangeNotificationDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None, **kwargs) -> Response:
        """The customer withdraws a notification still awaiting a response."""
        notification = self.get_object()
        service_call(
            lambda: notifications.notification_withdraw(
                notification=notification, account=request.account, user=request.user
            )
        )
        return self._detail(notification)
