"""Class-based views shared by the per-office records (projects, employees, cost codes, vendors).

Every queryset goes through `for_account`, so another account's record is a 404; the office of a
new record must be one of the account's offices.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect
from django.views.generic import CreateView, ListView, UpdateView

from apps.accounts import policy
from apps.accounts.audit import audit_record

from .models import Office


class RecordMixin(LoginRequiredMixin):
    model = None
    view_action = "records.view"
    manage_action = "records.manage"
    search_fields: tuple[str, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()  # (attribute, heading)
    title = ""

    def required_actions(self) -> tuple[str, ...]:
        return (self.view_action,)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            for action in self.required_actions():
                policy.require(request.membership, action)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.model.objects.for_account(self.request.account).select_related("office")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=self.title,
            columns=self.columns,
            can_manage=policy.can(self.request.membership, self.manage_action),
            list_url=self.list_url_name,
            create_url=self.create_url_name,
            edit_url=self.edit_url_name,
            **kwargs,
        )


class RecordListView(RecordMixin, ListView):
    template_name = "offices/record_list.html"
    paginate_by = 50
    paginator_class = Paginator

    def get_queryset(self):
        records = super().get_queryset()
        query = self.request.GET.get("q", "").strip()
        if query:
            condition = Q()
            for field in self.search_fields:
                condition |= Q(**{f"{field}__icontains": query})
            records = records.filter(condition)
        if self.request.GET.get("office"):
            records = records.filter(office_id=self.request.GET["office"])
        if self.request.GET.get("show") != "all":
            records = records.filter(active=True)
        return records

    def get_context_data(self, **kwargs):
        offices = Office.objects.for_account(self.request.account)
        return super().get_context_data(offices=offices, **kwargs)


class RecordWriteMixin(RecordMixin):
    template_name = "offices/record_form.html"

    def required_actions(self) -> tuple[str, ...]:
        return (self.view_action, self.manage_action)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if "office" in form.fields:
            form.fields["office"].queryset = Office.objects.for_account(self.request.account)
        return form

    def form_valid(self, form):
        created = form.instance.pk is None
        record = form.save()
        audit_record(
            account=self.request.account,
            actor=self.request.user,
            action=f"{self.model._meta.model_name}.{'created' if created else 'updated'}",
            target=record,
            detail={name: str(form.cleaned_data[name]) for name in form.changed_data},
        )
        messages.success(self.request, f"{record} saved.")
        return redirect(self.list_url_name)


class RecordCreateView(RecordWriteMixin, CreateView):
    pass


class RecordUpdateView(RecordWriteMixin, UpdateView):
    pk_url_kwarg = "record_id"
