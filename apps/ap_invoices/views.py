from django import forms

from apps.offices.record_views import RecordCreateView, RecordListView, RecordUpdateView

from .models import Vendor


class VendorForm(forms.ModelForm):
    class Meta:
        model = Vendor
        fields = (
            "office", "name", "abbreviated_name", "address", "city", "state", "zip_code",
            "phone", "email", "active",
        )  # fmt: skip


class VendorViews:
    model = Vendor
    form_class = VendorForm
    view_action = "records.view"
    manage_action = "vendors.manage"
    title = "Vendors"
    search_fields = ("name", "abbreviated_name", "city", "email")
    columns = (("name", "Name"), ("city", "City"), ("state", "State"), ("phone", "Phone"))
    list_url_name, create_url_name, edit_url_name = "vendor_list", "vendor_create", "vendor_edit"


class VendorList(VendorViews, RecordListView):
    pass


class VendorCreate(VendorViews, RecordCreateView):
    pass


class VendorEdit(VendorViews, RecordUpdateView):
    pass
