"""The wizard's AP settings: the queue imported invoices go to, and whether they may be edited."""

import pytest
from django.core.exceptions import ValidationError

from apps.ap_invoices.models import ApQueue
from apps.procore_sync.wizard import DEFAULT_AP_QUEUE, SettingsChoice, settings_save

pytestmark = pytest.mark.django_db


def choice(**overrides) -> SettingsChoice:
    values = {
        "directions": {},
        "flows": {"ap_invoices": True},
        "intervals": {},
        "time_mode": "timesheets",
        "ap_mode": "auto_route",
    }
    return SettingsChoice(**{**values, **overrides})


def test_an_office_without_queues_gets_one_and_keeps_it(tenant):
    settings = settings_save(office=tenant.office, choice=choice(), user=tenant.owner)
    queue = ApQueue.objects.get(office=tenant.office)
    assert queue.name == DEFAULT_AP_QUEUE and settings.options["ap_queue_id"] == queue.pk
    assert settings.options["ap_allow_edit"] is False
    again = settings_save(
        office=tenant.office, choice=choice(ap_allow_edit=True), user=tenant.owner
    )
    assert again.options["ap_queue_id"] == queue.pk and again.options["ap_allow_edit"] is True
    assert ApQueue.objects.filter(office=tenant.office).count() == 1


def test_the_chosen_queue_must_be_the_offices(tenant, outsider):
    mine = ApQueue.objects.create(office=tenant.office, name="Subs")
    theirs = ApQueue.objects.create(office=outsider.office, name="Theirs")
    settings = settings_save(
        office=tenant.office, choice=choice(ap_queue_id=mine.pk), user=tenant.owner
    )
    assert settings.options["ap_queue_id"] == mine.pk
    with pytest.raises(ValidationError, match="AP queues"):
        settings_save(office=tenant.office, choice=choice(ap_queue_id=theirs.pk), user=tenant.owner)
