from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError

from apps.accounts import policy

from .models import Office
from .services import EDITABLE_FIELDS, office_create, office_update


class OfficeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Office
        fields = ("id", *EDITABLE_FIELDS, "created_at")
        read_only_fields = ("id", "created_at")


class OfficeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Offices of the caller's account. Creating or changing one needs owner or admin."""

    serializer_class = OfficeSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no account
            return Office.objects.none()
        return Office.objects.for_account(self.request.account)

    def _require_manage(self) -> None:
        if not policy.can(self.request.membership, "offices.manage"):
            raise PermissionDenied(policy.reason("offices.manage"))

    def perform_create(self, serializer) -> None:
        self._require_manage()
        serializer.instance = _service_call(
            lambda: office_create(
                account=self.request.account, actor=self.request.user, **serializer.validated_data
            )
        )

    def perform_update(self, serializer) -> None:
        self._require_manage()
        serializer.instance = _service_call(
            lambda: office_update(
                office=serializer.instance, actor=self.request.user, **serializer.validated_data
            )
        )


def _service_call(call):
    try:
        return call()
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
