"""What every REST endpoint shares: the policy check and turning a service's refusal into a 400."""

from collections.abc import Callable
from typing import TypeVar

from csp.constants import UNSAFE_INLINE
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import renderers, serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings

from apps.accounts import policy

T = TypeVar("T")


def require_api(request, action: str) -> None:
    """403 with the policy's reason when the caller's role may not do `action`."""
    if not policy.can(getattr(request, "membership", None), action):
        raise PermissionDenied(policy.reason(action))


def error_body(exc: DjangoValidationError) -> dict:
    """Field errors stay keyed by field; a plain message goes under DRF's non-field key."""
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def service_call(call: Callable[[], T]) -> T:
    """Run a service; its django ValidationError becomes a 400 with a readable body."""
    try:
        return call()
    except DjangoValidationError as exc:
        raise ValidationError(error_body(exc)) from exc


class AccountRecordField(serializers.PrimaryKeyRelatedField):
    """A record of the caller's account; another account's is "does not exist". The services
    check it is of the right office."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(queryset=model.objects.all(), **kwargs)

    def get_queryset(self):
        return self.model.objects.for_account(self.context["request"].account)


def optional_record(model) -> AccountRecordField:
    return AccountRecordField(model, required=False, allow_null=True)


def validated(serializer: serializers.Serializer) -> dict:
    """The serializer's data, or the 400 that names every field it refuses."""
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class PagePagination(PageNumberPagination):
    """DRF's page numbers, where a `page` that is not a positive whole number is a malformed
    query (400 naming it) like any other filter; a page past the end stays DRF's 404."""

    def paginate_queryset(self, queryset, request, view=None):
        page = request.query_params.get(self.page_query_param)
        if page is not None and page not in self.last_page_strings and not _page_number(page):
            raise ValidationError({self.page_query_param: ["Give a page number from 1."]})
        return super().paginate_queryset(queryset, request, view)


def _page_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) >= 1


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages for people trying the API. Its own templates set style attributes, so
    these pages alone allow inline style; inline script stays refused."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": [UNSAFE_INLINE]}  # read by CSPMiddleware
        return super().render(data, accepted_media_type, renderer_context)
