from django.urls import path

from . import views

urlpatterns = [
    path("", views.office_list, name="office_list"),
    path("new/", views.office_create_view, name="office_create"),
    path("<int:office_id>/", views.office_detail, name="office_detail"),
    path("<int:office_id>/edit/", views.office_edit, name="office_edit"),
]
