"""`manage.py demo_setup`: the demo contractor and customer, and the customer's change
notification the contractor has answered, made once however often `make run` runs it."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from apps.accounts.models import Account, User
from apps.cors.models import ChangeNotification, ChangeOrderRequest, TradingPartner
from apps.projects.models import Project


def _setup() -> str:
    out = io.StringIO()
    call_command("demo_setup", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_prints_both_logins_and_they_are_real():
    printed = _setup()
    assert "Demo login: demo@trestle.local / trestle-demo" in printed
    assert "Demo customer: customer@trestle.local / trestle-demo" in printed
    for email in ("demo@trestle.local", "customer@trestle.local"):
        assert User.objects.get(email=email).check_password("trestle-demo")


@pytest.mark.django_db
def test_the_customer_has_an_answered_notification_on_riverside_lofts():
    _setup()
    contractor = Account.objects.get(name="Demo Construction Co.")
    customer = Account.objects.get(name="Riverside Development")
    lofts = Project.objects.get(office__account=customer, number="RD-1", name="Riverside Lofts")
    [notice] = ChangeNotification.objects.filter(customer_project=lofts)
    cor = notice.response_cor
    assert (notice.contractor, notice.status) == (contractor, "answered")
    assert cor.status == "sent" and cor.project.office.account == contractor
    assert cor.total == Decimal("693.00")  # (6 x 95 + 2 x 30) + 10%
    assert not cor.lines.filter(cost_code__isnull=False).exists()  # the customer picks codes


@pytest.mark.django_db
def test_running_it_again_makes_nothing_twice():
    _setup()
    _setup()
    assert User.objects.count() == 2 and Account.objects.count() == 2
    assert TradingPartner.objects.count() == 1 and Project.objects.count() == 2
    assert ChangeNotification.objects.count() == 1 and ChangeOrderRequest.objects.count() == 1
