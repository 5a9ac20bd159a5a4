"""Deleting a routing rule asks first, through the same data-confirm question as every destructive
action: dismissed, the rule stays; accepted, it is gone (the template guard is
tests/foundation/test_confirm_guard.py)."""

import pytest

from apps.ap_invoices.models import RoutingRule
from tests.ap_invoices.conftest import ap, rule  # noqa: F401  (fixtures)

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_deleting_a_routing_rule_asks_for_confirmation(
    page,
    ap,  # noqa: F811  (the fixture imported above)
    rule,  # noqa: F811
):
    log_in(page, ap.clerk.email)
    page.goto("/ap-invoices/routing-rules/")
    asked = []

    def answer(dialog, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.get_by_role("button", name="Delete").click()
    assert asked == [
        f"Delete routing rule {rule.priority} (to {rule.reviewer})? This cannot be undone."
    ]
    page.reload()  # had the form posted, the reload would show the rule gone
    assert RoutingRule.objects.filter(pk=rule.pk).exists()

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    page.get_by_role("button", name="Delete").click()
    page.get_by_text("Routing rule deleted.").wait_for()
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()
