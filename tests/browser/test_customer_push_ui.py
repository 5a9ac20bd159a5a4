"""A customer opens the contractor's response to their change notification and pushes it into
their own Procore project (their office's connection), choosing the budget code themselves."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.cors.notifications import (
    notification_answer,
    notification_send,
    partner_add,
    partner_code,
)
from apps.cors.services import Line, cor_set_status, cor_update
from apps.procore_sync.push_models import CorPush
from apps.projects.models import Project

from .conftest import log_in
from .test_cor_push_ui import work_the_queue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_pushes_a_response_cor_into_their_own_procore(
    page, procore, target, tenant, outsider, screenshot, monkeypatch
):
    monkeypatch.setattr("apps.procore_sync.views.cor_push.enqueue_run", lambda run_id: None)
    customer, contractor = tenant, outsider  # the customer's office is the connected one
    partner_add(
        customer=customer.account, code=partner_code(contractor.account), user=customer.owner
    )
    notice = notification_send(
        customer_project=target.project,
        contractor=contractor.account,
        title="Add two outlets",
        user=customer.owner,
    )
    their_project = Project.objects.create(office=contractor.office, number="77", name="Tower job")
    cor = notification_answer(
        notification=notice, contractor_project=their_project, user=contractor.owner
    )
    lines = [
        Line("Electrician", "labor", Decimal("4"), Decimal("95")),
        Line("Outlets", "material", Decimal("2"), Decimal("30")),
    ]
    cor_update(cor=cor, user=contractor.owner, lines=lines, title=cor.title)
    cor_set_status(cor=cor, status="sent", user=contractor.owner)

    log_in(page, customer.owner.email)
    page.goto(reverse("change_notification_response", args=[notice.pk]))
    page.get_by_role("button", name="+PROCORE").click()
    page.get_by_role("heading", name="1. Change Event").wait_for()
    page.get_by_role("button", name="Next").click()
    page.get_by_text("has no budget code").first.wait_for()  # their cost codes are not ours
    page.get_by_label("Contract").select_option(label="Prime contract PC-001 Prime")
    page.get_by_label("Budget code for lines without one").select_option(label="26-100.O Wiring")
    page.get_by_role("button", name="Check again").click()
    page.get_by_text("Pre-flight passed").wait_for()
    screenshot(page, "preflight")
    page.get_by_role("button", name="Push").click()
    work_the_queue()

    [event] = procore.records("change_events")
    amounts = sorted(
        Decimal(str(i["estimated_cost_amount"])) for i in event["change_event_line_items"]
    )
    assert amounts == [Decimal("60"), Decimal("380")]
    push = CorPush.objects.get(cor=cor)
    assert push.office == customer.office and push.pushed_total == Decimal("440.00")
    page.goto(reverse("change_notification_response", args=[notice.pk]))
    page.get_by_text("In your Procore: Change Event").wait_for()
    screenshot(page, "pushed")
