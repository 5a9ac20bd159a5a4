from django.urls import path

from . import attachment_views, views

urlpatterns = [
    path("", views.cor_log, name="cor_log"),
    path("changed/", views.cor_log_changed, name="cor_log_changed"),
    path("new/", views.cor_edit, name="cor_create"),
    path("<int:cor_id>/", views.cor_detail, name="cor_detail"),
    path("<int:cor_id>/edit/", views.cor_edit, name="cor_edit"),
    path("<int:cor_id>/status/", views.cor_status, name="cor_status"),
    path(
        "<int:cor_id>/attachments/",
        attachment_views.cor_attachment_upload,
        name="cor_attachment_upload",
    ),
    path(
        "<int:cor_id>/attachments/<int:attachment_id>/",
        attachment_views.cor_attachment_download,
        name="cor_attachment_download",
    ),
    path(
        "<int:cor_id>/attachments/<int:attachment_id>/delete/",
        attachment_views.cor_attachment_delete,
        name="cor_attachment_delete",
    ),
]
