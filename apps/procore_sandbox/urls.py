"""Mounted at /procore-sandbox/: the login host (/oauth/...), the API host (/rest/...) and the
page that plays Procore's UI for edits (/change/...)."""

from django.urls import path, re_path

from . import api_views, change_views, oauth_views

app_name = "procore_sandbox"

urlpatterns = [
    path("oauth/authorize", oauth_views.authorize, name="authorize"),
    path("oauth/token", oauth_views.token, name="token"),
    path("oauth/token/info", oauth_views.token_info, name="token_info"),
    path("oauth/revoke", oauth_views.revoke, name="revoke"),
    path(
        "attachments/<int:attachment_id>/<str:filename>",
        api_views.attachment,
        name="attachment",
    ),
    re_path(r"^rest/(?P<path>.+)$", api_views.api, name="api"),
    # "Change it in Procore": the page a person uses to edit records as in Procore's UI
    path("change/", change_views.companies, name="change"),
    path(
        "change/<int:company_id>/",
        change_views.records,
        {"kind": "employee"},
        name="change_company",
    ),
    path("change/<int:company_id>/<slug:kind>/", change_views.records, name="change_records"),
    path(
        "change/<int:company_id>/<slug:kind>/<int:record_id>/",
        change_views.edit,
        name="change_edit",
    ),
]
