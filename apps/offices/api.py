from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS

from apps.core.api import require_api, service_call

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
    """Offices of the caller's account, under the role table the offices page uses: reading
    needs offices.view (not customers), creating or changing offices.manage."""

    serializer_class = OfficeSerializer

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        require_api(request, "offices.view" if request.method in SAFE_METHODS else "offices.manage")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no account
            return Office.objects.none()
        return Office.objects.for_account(self.request.account)

    def perform_create(self, serializer) -> None:
        serializer.instance = service_call(
            lambda: office_create(
                account=self.request.account, actor=self.request.user, **serializer.validated_data
            )
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = service_call(
            lambda: office_update(
                office=serializer.instance, actor=self.request.user, **serializer.validated_data
            )
        )
