from apps.offices.record_views import RecordCreateView, RecordListView, RecordUpdateView

from .forms import EmployeeForm
from .models import Employee


class EmployeeViews:
    model = Employee
    form_class = EmployeeForm
    view_action = "records.view"
    manage_action = "employees.manage"
    title = "Employees"
    search_fields = ("employee_id", "first_name", "last_name", "email")
    columns = (
        ("employee_id", "Employee ID"),
        ("last_name", "Last name"),
        ("first_name", "First name"),
        ("email", "Email"),
        ("work_classification.name", "Work classification"),
    )
    list_url_name, create_url_name, edit_url_name = (
        "employee_list",
        "employee_create",
        "employee_edit",
    )

    def get_queryset(self):
        return super().get_queryset().select_related("work_classification")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "account": self.request.account}


class EmployeeList(EmployeeViews, RecordListView):
    pass


class EmployeeCreate(EmployeeViews, RecordCreateView):
    pass


class EmployeeEdit(EmployeeViews, RecordUpdateView):
    pass
