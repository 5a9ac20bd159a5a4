from django import forms

from .models import CostCode, Project, SubJob

DATE = forms.DateInput(attrs={"type": "date"})


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = (
            "office", "number", "name", "address", "city", "state", "zip_code", "phone",
            "start_date", "latitude", "longitude", "time_zone", "active",
        )  # fmt: skip
        widgets = {"start_date": DATE}


class SubJobForm(forms.ModelForm):
    class Meta:
        model = SubJob
        fields = ("code", "name", "active")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        taken = SubJob.objects.filter(project=self.instance.project, code__iexact=code)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"This project already has a sub-job {code}.")
        return code


class CostCodeForm(forms.ModelForm):
    class Meta:
        model = CostCode
        fields = ("office", "division_code", "division_name", "code", "name", "active")
