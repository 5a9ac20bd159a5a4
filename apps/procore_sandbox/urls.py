"""Mounted at /procore-sandbox/: the login host (/oauth/...) and the API host (/rest/...)."""

from django.urls import path, re_path

from . import api_views, oauth_views

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
]
