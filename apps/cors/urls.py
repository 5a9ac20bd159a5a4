from django.urls import path

from . import views

urlpatterns = [
    path("", views.cor_log, name="cor_log"),
    path("new/", views.cor_edit, name="cor_create"),
    path("<int:cor_id>/", views.cor_detail, name="cor_detail"),
    path("<int:cor_id>/edit/", views.cor_edit, name="cor_edit"),
    path("<int:cor_id>/status/", views.cor_status, name="cor_status"),
]
