"""Keyset pages for the REST API (apps/core/keyset.py): `?cursor=` in, `next` and `previous`
links out. No `count`: counting every row over a list's joins would cost more than the page."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .keyset import CURSOR_MAX_LENGTH, InvalidCursor, KeysetPage, keyset_page


class KeysetPagination(BasePagination):
    """Pages a view's list in `view.keyset_order` (which ends with a unique field)."""

    page_size = 50
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None) -> list:
        self.request = request
        cursor = request.query_params.get(self.cursor_query_param, "")
        try:
            self.page: KeysetPage = keyset_page(
                queryset, order=view.keyset_order, cursor=cursor, size=self.page_size, strict=True
            )
        except InvalidCursor:
            raise ValidationError(
                {
                    self.cursor_query_param: [
                        "Not a cursor of this list: use a next or previous link."
                    ]
                }
            ) from None
        return self.page.object_list

    def _link(self, cursor: str) -> str | None:
        url = remove_query_param(self.request.build_absolute_uri(), "page")
        return replace_query_param(url, self.cursor_query_param, cursor) if cursor else None

    def get_paginated_response(self, data) -> Response:
        return Response(
            {
                "next": self._link(self.page.older),
                "previous": self._link(self.page.newer),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The page after (or before) another: a `next` or `previous` link's.",
                "schema": {"type": "string", "maxLength": CURSOR_MAX_LENGTH},
            }
        ]
