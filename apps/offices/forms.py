from django import forms

from .models import Office
from .services import EDITABLE_FIELDS


class OfficeForm(forms.ModelForm):
    class Meta:
        model = Office
        fields = EDITABLE_FIELDS
