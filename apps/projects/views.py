from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import DetailView

from apps.accounts import policy
from apps.accounts.audit import audit_record
from apps.offices.record_views import (
    RecordCreateView,
    RecordListView,
    RecordMixin,
    RecordUpdateView,
)

from .forms import CostCodeForm, ProjectForm, SubJobForm
from .models import CostCode, Project


class ProjectViews:
    model = Project
    form_class = ProjectForm
    view_action = "records.view"
    manage_action = "projects.manage"
    title = "Projects"
    search_fields = ("number", "name", "city")
    columns = (("number", "Number"), ("name", "Name"), ("city", "City"), ("state", "State"))
    list_url_name, create_url_name, edit_url_name = "project_list", "project_create", "project_edit"
    detail_url_name = "project_detail"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            detail_url=self.detail_url_name, procore_column=True, **kwargs
        )


class ProjectList(ProjectViews, RecordListView):
    pass


class ProjectCreate(ProjectViews, RecordCreateView):
    pass


class ProjectEdit(ProjectViews, RecordUpdateView):
    pass


class ProjectDetail(ProjectViews, RecordMixin, DetailView):
    template_name = "projects/project_detail.html"
    pk_url_kwarg = "record_id"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            sub_jobs=self.object.sub_jobs.order_by("code"),
            sub_job_form=kwargs.pop("sub_job_form", SubJobForm()),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        """Adds a sub-job to the project."""
        policy.require(request.membership, self.manage_action)
        self.object = self.get_object()
        form = SubJobForm(request.POST)
        form.instance.project = self.object
        form.instance.office = self.object.office
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(sub_job_form=form), status=400)
        sub_job = form.save()
        audit_record(
            account=request.account, actor=request.user, action="subjob.created", target=sub_job
        )
        messages.success(request, f"Sub-job {sub_job.full_code} added.")
        return redirect("project_detail", record_id=self.object.pk)


class CostCodeViews:
    model = CostCode
    form_class = CostCodeForm
    view_action = "records.view"
    manage_action = "cost_codes.manage"
    title = "Cost codes"
    search_fields = ("code", "name", "division_code", "division_name")
    columns = (
        ("code", "Code"),
        ("name", "Name"),
        ("division_code", "Division"),
        ("division_name", "Division name"),
    )
    list_url_name, create_url_name, edit_url_name = (
        "cost_code_list",
        "cost_code_create",
        "cost_code_edit",
    )


class CostCodeList(CostCodeViews, RecordListView):
    pass


class CostCodeCreate(CostCodeViews, RecordCreateView):
    pass


class CostCodeEdit(CostCodeViews, RecordUpdateView):
    pass
