from django.urls import path

from . import views

employee_urlpatterns = [
    path("", views.EmployeeList.as_view(), name="employee_list"),
    path("new/", views.EmployeeCreate.as_view(), name="employee_create"),
    path("<int:record_id>/edit/", views.EmployeeEdit.as_view(), name="employee_edit"),
]
