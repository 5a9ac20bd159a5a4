from django import forms

from .models import Employee, WorkClassification


class EmployeeForm(forms.ModelForm):
    class Meta:
        model = Employee
        fields = (
            "office", "employee_id", "first_name", "last_name", "email", "address", "city",
            "state", "zip_code", "mobile_phone", "work_classification", "active",
        )  # fmt: skip

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_classification"].queryset = WorkClassification.objects.for_account(
            account
        )
