from django import template

from ..ap_import.manual import import_office_list
from ..ap_payments.states import PaymentState, payment_states
from ..project_mapping import mapped_project_ids
from ..push_models import CorPush
from ..time_export.states import entry_state_labels

register = template.Library()


@register.simple_tag
def procore_mapped(projects) -> set[int]:
    """`{% procore_mapped object_list as mapped %}`: ids of the listed projects in Procore."""
    return mapped_project_ids(projects)


@register.filter
def change_event_label(catalog, change_event_id) -> str:
    """ "12 Owner changes" for a Change Event of the push catalog."""
    event = catalog.change_event(change_event_id)
    return f"{event['number']} {event['title']}".strip() if event else f"#{change_event_id}"


@register.simple_tag
def cor_push_of(cor, project):
    """`{% cor_push_of cor project as push %}`: where `project`'s office pushed `cor`, if it did."""
    return CorPush.objects.filter(office_id=project.office_id, cor=cor).first()


@register.simple_tag
def time_entry_states(entries) -> dict[int, str]:
    """`{% time_entry_states entries as states %}`: {entry id: "Sent" | "Out of date" |
    "Failed: <reason>" | "Not sent"}, in two queries for the whole list."""
    return entry_state_labels(entries)


@register.simple_tag
def payment_procore_states(payments) -> dict[int, PaymentState]:
    """`{% payment_procore_states payments as states %}`: {payment id: its Procore state} for
    the payments of imported invoices, in two queries."""
    return payment_states(payments)


@register.simple_tag
def procore_import_offices(account) -> list:
    """`{% procore_import_offices request.account as offices %}`: the account's offices connected
    to Procore, from which the invoice entry page can import an approved invoice."""
    return import_office_list(account) if account is not None else []


@register.filter
def get_item(mapping, key):
    """`{{ states|get_item:entry.pk }}`: a dict's value by key (None when absent)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
