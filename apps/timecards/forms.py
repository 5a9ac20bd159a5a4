from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from apps.core.labels import label
from apps.core.limits import validate_entered_date
from apps.projects.models import CostCode, Project, SubJob

from .models import Crew, Employee, EntryStatus, TimeType, WorkClassification


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


# Time cards --------------------------------------------------------------------------------------


class EmployeeChoiceField(forms.ModelChoiceField):
    """Every employee select: "Eli Berg (E0012)", since names repeat across a company."""

    def label_from_instance(self, obj: Employee) -> str:
        return obj.choice_label


class SubJobSelect(forms.Select):
    """Each option names its project (`data-for`), so trestle.js offers only the sub-jobs of
    the project chosen in the field named by `data-follow`."""

    def create_option(self, name, value, *args, **kwargs) -> dict:
        option = super().create_option(name, value, *args, **kwargs)
        if instance := getattr(value, "instance", None):
            option["attrs"]["data-for"] = instance.project_id
        return option


class SubJobChoiceField(forms.ModelChoiceField):
    """A sub-job select that follows the form's project field."""

    widget = SubJobSelect(attrs={"data-follow": "project"})


DATE_INPUT = forms.DateInput(attrs={"type": "date"})


def _scoped(model, account, **filters):
    return model.objects.for_account(account).filter(**filters)


class EntryFilterForm(forms.Form):
    """The filters of the entry list, the approval queue and the CSV export (query parameters)."""

    project = forms.ModelChoiceField(queryset=Project.objects.none(), required=False)
    employee = EmployeeChoiceField(queryset=Employee.objects.none(), required=False)
    crew = forms.ModelChoiceField(queryset=Crew.objects.none(), required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *EntryStatus.choices], required=False)
    date_from = forms.DateField(required=False, label="From", widget=DATE_INPUT)
    date_to = forms.DateField(required=False, label="To", widget=DATE_INPUT)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = _scoped(Project, account)
        self.fields["employee"].queryset = _scoped(Employee, account)
        self.fields["crew"].queryset = _scoped(Crew, account)
        for name in ("project", "employee", "crew"):
            self.fields[name].empty_label = f"All {name}s"

    def filters(self) -> dict | None:
        """The filters as `entry_list` keywords, or None when one is malformed: the page then
        shows the form's errors and lists nothing, since quietly dropping a bad date filter
        would list entries the user did not ask for."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return {
            "project_id": getattr(data.get("project"), "pk", None),
            "employee_id": getattr(data.get("employee"), "pk", None),
            "crew_id": getattr(data.get("crew"), "pk", None),
            "status": data.get("status") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }

    def error_summary(self) -> str:
        """One line naming each malformed filter, e.g. "From: Enter a valid date."."""
        return " ".join(
            f"{self.fields[name].label or label(name)}: {' '.join(errors)}"
            for name, errors in self.errors.items()
        )


class EntryForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.none())
    employee = EmployeeChoiceField(queryset=Employee.objects.none())
    date = forms.DateField(
        widget=DATE_INPUT, help_text="The date at the project.", validators=[validate_entered_date]
    )
    hours = forms.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("24")
    )
    sub_job = SubJobChoiceField(queryset=SubJob.objects.none(), required=False, label="Sub-job")
    cost_code = forms.ModelChoiceField(queryset=CostCode.objects.none(), required=False)
    time_type = forms.ModelChoiceField(queryset=TimeType.objects.none(), required=False)
    work_classification = forms.ModelChoiceField(
        queryset=WorkClassification.objects.none(),
        required=False,
        help_text="Empty: the employee's own.",
    )
    crew = forms.ModelChoiceField(queryset=Crew.objects.none(), required=False)
    billable = forms.BooleanField(required=False, initial=True)
    description = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, account, entry=None, **kwargs):
        super().__init__(*args, **kwargs)
        scoped = {
            "project": _scoped(Project, account, active=True).select_related("office"),
            "employee": _scoped(Employee, account, active=True),
            "sub_job": _scoped(SubJob, account, active=True).select_related("project"),
            "cost_code": _scoped(CostCode, account, active=True),
            "time_type": _scoped(TimeType, account, active=True),
            "work_classification": _scoped(WorkClassification, account, active=True),
            "crew": _scoped(Crew, account, active=True),
        }
        for name, queryset in scoped.items():
            self.fields[name].queryset = queryset
        if entry is not None:  # a saved entry keeps its project; its records may be inactive now
            self.fields["project"].disabled = True
            for name in scoped:
                self.fields[name].queryset = _scoped(scoped[name].model, account)


class CrewDayForm(forms.Form):
    """The crew, project and day a foreman enters, with what is the same for every member."""

    crew = forms.ModelChoiceField(queryset=Crew.objects.none())
    project = forms.ModelChoiceField(queryset=Project.objects.none())
    date = forms.DateField(widget=DATE_INPUT, validators=[validate_entered_date])
    hours = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("24"),
        required=False,
        label="Hours for each member",
        help_text="A member's own hours, if typed, win.",
    )
    sub_job = SubJobChoiceField(queryset=SubJob.objects.none(), required=False, label="Sub-job")
    cost_code = forms.ModelChoiceField(queryset=CostCode.objects.none(), required=False)
    time_type = forms.ModelChoiceField(queryset=TimeType.objects.none(), required=False)
    billable = forms.BooleanField(required=False, initial=True)
    description = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["crew"].queryset = _scoped(Crew, account, active=True)
        self.fields["project"].queryset = _scoped(Project, account, active=True).select_related(
            "office"
        )
        self.fields["sub_job"].queryset = _scoped(SubJob, account, active=True).select_related(
            "project"
        )
        self.fields["cost_code"].queryset = _scoped(CostCode, account, active=True)
        self.fields["time_type"].queryset = _scoped(TimeType, account, active=True)


class QuantityForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.none())
    cost_code = forms.ModelChoiceField(queryset=CostCode.objects.none())
    date = forms.DateField(widget=DATE_INPUT, validators=[validate_entered_date])
    quantity = forms.DecimalField(max_digits=12, decimal_places=3, min_value=Decimal("0"))
    unit = forms.CharField(max_length=20, help_text="e.g. LF, SF, CY, EA")
    description = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, account, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = _scoped(Project, account, active=True).select_related(
            "office"
        )
        self.fields["cost_code"].queryset = _scoped(CostCode, account)
        if record is not None:
            self.fields["project"].disabled = True
            self.fields["project"].queryset = _scoped(Project, account)


def add_service_error(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal on the form: on its field when the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
