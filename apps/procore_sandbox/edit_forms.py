"""The change page's forms, one per kind; field names are the edit functions' arguments."""

from typing import Any

from django import forms

from . import edits
from .models import SandboxRecord


class EmployeeForm(forms.Form):
    first_name = forms.CharField(required=False, max_length=100)
    last_name = forms.CharField(max_length=100)
    email_address = forms.EmailField(label="Email")
    employee_id = forms.CharField(required=False, max_length=50, label="Employee ID")
    is_active = forms.BooleanField(required=False, label="Active")


class ProjectForm(forms.Form):
    name = forms.CharField(max_length=200)
    project_number = forms.CharField(required=False, max_length=50, label="Number")
    active = forms.BooleanField(required=False)


class VendorForm(forms.Form):
    name = forms.CharField(max_length=200)
    abbreviated_name = forms.CharField(required=False, max_length=50)
    is_active = forms.BooleanField(required=False, label="Active")


class ChangeEventForm(forms.Form):
    status = forms.ChoiceField()

    def __init__(self, *args: Any, statuses: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(name, name) for name in statuses]


class InvoiceForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s, s.replace("_", " ").capitalize()) for s in edits.INVOICE_STATUSES]
    )


FORMS: dict[edits.Kind, type[forms.Form]] = {
    edits.EMPLOYEE: EmployeeForm,
    edits.PROJECT: ProjectForm,
    edits.VENDOR: VendorForm,
    edits.CHANGE_EVENT: ChangeEventForm,
    edits.INVOICE: InvoiceForm,
}


def form_for(kind: edits.Kind, record: SandboxRecord, data: Any = None) -> forms.Form:
    """The kind's form, filled from the record as Procore holds it."""
    form_class = FORMS[kind]
    initial = {name: record.data.get(name) for name in form_class.base_fields}
    if kind is edits.CHANGE_EVENT:
        statuses = edits.change_event_statuses(record.company)
        initial["status"] = edits.change_event_status_name(record)
        return ChangeEventForm(data, initial=initial, statuses=statuses)
    return form_class(data, initial=initial)
