from django.urls import path

from . import notification_views as views

urlpatterns = [
    path("", views.notification_list, name="change_notification_list"),
    path("new/", views.notification_create, name="change_notification_create"),
    path("partners/", views.partners, name="change_notification_partners"),
    path("<int:notification_id>/", views.notification_detail, name="change_notification_detail"),
    path(
        "<int:notification_id>/answer/",
        views.notification_answer,
        name="change_notification_answer",
    ),
    path(
        "<int:notification_id>/decide/",
        views.notification_decide,
        name="change_notification_decide",
    ),
    path(
        "<int:notification_id>/withdraw/",
        views.notification_withdraw,
        name="change_notification_withdraw",
    ),
    path(
        "<int:notification_id>/response/",
        views.notification_response,
        name="change_notification_response",
    ),
    path(
        "<int:notification_id>/response/attachments/<int:attachment_id>/",
        views.notification_attachment,
        name="change_notification_attachment",
    ),
]
