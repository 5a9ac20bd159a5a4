from django import forms

from apps.accounts.models import Account
from apps.core.limits import DESCRIPTION_MAX, SEARCH_MAX, validate_entered_date
from apps.projects.models import Project

from .models import NotificationStatus
from .notifications_selectors import partner_contractors

BOX_CHOICES = [("sent", "Sent"), ("received", "Received")]


class NotificationForm(forms.Form):
    customer_project = forms.ModelChoiceField(queryset=Project.objects.none(), label="Project")
    contractor = forms.ModelChoiceField(
        queryset=Account.objects.none(),
        help_text="One of your trading partners.",
        error_messages={"invalid_choice": "Choose one of your trading partners."},
    )
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=DESCRIPTION_MAX
    )
    respond_by = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="Respond by",
        validators=[validate_entered_date],
    )

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_project"].queryset = Project.objects.for_account(account).filter(
            active=True
        )
        self.fields["contractor"].queryset = partner_contractors(account)


class PartnerAddForm(forms.Form):
    code = forms.CharField(
        max_length=200, label="Contractor's partner code", help_text="Ask the contractor for it."
    )


class AnswerForm(forms.Form):
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(), help_text="Your project the COR is created in."
    )

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.for_account(account).filter(active=True)


class NotificationFilterForm(forms.Form):
    box = forms.ChoiceField(choices=BOX_CHOICES, required=False)
    status = forms.ChoiceField(
        choices=[("", "Any status"), *NotificationStatus.choices], required=False
    )
    q = forms.CharField(required=False, label="Search", max_length=SEARCH_MAX)
