from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password

from .models import Role


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.FIELD)


class AcceptInvitationForm(forms.Form):
    """Only for an invited email without a Trestle login yet."""

    full_name = forms.CharField(max_length=200)
    password = forms.CharField(widget=forms.PasswordInput, min_length=8)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        validate_password(password)
        return password


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What the token is for, e.g. 'Payroll export'."
    )


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False)
    actor = forms.IntegerField(required=False, widget=forms.HiddenInput)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
