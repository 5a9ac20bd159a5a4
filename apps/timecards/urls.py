from django.urls import path

from . import entry_views, quantity_views, timesheet_views, views

employee_urlpatterns = [
    path("", views.EmployeeList.as_view(), name="employee_list"),
    path("new/", views.EmployeeCreate.as_view(), name="employee_create"),
    path("<int:record_id>/edit/", views.EmployeeEdit.as_view(), name="employee_edit"),
]

urlpatterns = [
    path("", entry_views.timecard_list, name="timecard_list"),
    path("export.csv", entry_views.timecard_export_csv, name="timecard_export_csv"),
    path("timesheet/", timesheet_views.timecard_timesheet, name="timecard_timesheet"),
    path("crew/", timesheet_views.timecard_crew, name="timecard_crew"),
    path("approvals/", entry_views.timecard_approvals, name="timecard_approvals"),
    path("submit/", entry_views.timecard_submit, name="timecard_submit"),
    path("approve/", entry_views.timecard_approve, name="timecard_approve"),
    path("reject/", entry_views.timecard_reject, name="timecard_reject"),
    path("new/", entry_views.timecard_entry_edit, name="timecard_entry_create"),
    path("<int:entry_id>/edit/", entry_views.timecard_entry_edit, name="timecard_entry_edit"),
    path("<int:entry_id>/delete/", entry_views.timecard_entry_delete, name="timecard_entry_delete"),
    path("quantities/", quantity_views.quantity_list_view, name="quantity_list"),
    path("quantities/new/", quantity_views.quantity_edit, name="quantity_create"),
    path("quantities/<int:quantity_id>/edit/", quantity_views.quantity_edit, name="quantity_edit"),
    path(
        "quantities/<int:quantity_id>/delete/",
        quantity_views.quantity_delete,
        name="quantity_delete",
    ),
]
