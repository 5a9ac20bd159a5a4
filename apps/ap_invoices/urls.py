from django.urls import path

from . import views

vendor_urlpatterns = [
    path("", views.VendorList.as_view(), name="vendor_list"),
    path("new/", views.VendorCreate.as_view(), name="vendor_create"),
    path("<int:record_id>/edit/", views.VendorEdit.as_view(), name="vendor_edit"),
]
