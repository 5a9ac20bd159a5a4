from django import forms

from apps.core.limits import DESCRIPTION_MAX, SEARCH_MAX
from apps.projects.models import CostCode, Project

from .models import ChangeOrderRequest, CorLineItem, CorStatus
from .selectors import PUSH_STATES


class CorForm(forms.ModelForm):
    class Meta:
        model = ChangeOrderRequest
        fields = ("project", "title", "description", "reason", "schedule_impact_days")
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    # The model's description is a TextField: its limit is the form's.
    description = forms.CharField(
        max_length=DESCRIPTION_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.for_account(account).filter(active=True)
        if self.instance.pk:
            self.fields["project"].disabled = True


class LineForm(forms.ModelForm):
    class Meta:
        model = CorLineItem
        fields = ("description", "cost_type", "cost_code", "quantity", "unit", "unit_cost",
                  "markup_percent")  # fmt: skip


LineFormSet = forms.inlineformset_factory(
    ChangeOrderRequest, CorLineItem, form=LineForm, extra=2, can_delete=True
)


def line_formset(*args, account, **kwargs):
    formset = LineFormSet(*args, **kwargs)
    codes = CostCode.objects.for_account(account).filter(active=True)
    for form in formset.forms:
        form.fields["cost_code"].queryset = codes
    return formset


class LogFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=SEARCH_MAX)
    project = forms.IntegerField(required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *CorStatus.choices], required=False)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.CharField(required=False)
    change_event_status = forms.CharField(required=False, max_length=40)
    push_state = forms.ChoiceField(choices=[("", "Any"), *PUSH_STATES], required=False)
