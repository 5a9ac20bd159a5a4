"""Two trading accounts: a customer sends change notifications, a contractor answers."""

from dataclasses import dataclass
from decimal import Decimal

from django.test import Client

from apps.accounts.models import User
from apps.accounts.services import api_token_create
from apps.cors.models import ChangeNotification, ChangeOrderRequest, CorStatus
from apps.cors.notifications import (
    notification_answer,
    notification_send,
    partner_add,
    partner_code,
)
from apps.cors.services import Line, cor_set_status, cor_update
from apps.projects.models import Project
from tests.conftest import Tenant, make_tenant


@dataclass
class Parties:
    customer: Tenant
    contractor: Tenant
    customer_project: Project
    contractor_project: Project


def make_parties(customer: Tenant) -> Parties:
    """`customer` with a contractor that gave it its partner code, each with a project."""
    contractor = make_tenant("Bolt Electric")
    partner_add(
        customer=customer.account, code=partner_code(contractor.account), user=customer.owner
    )
    return Parties(
        customer=customer,
        contractor=contractor,
        customer_project=Project.objects.create(office=customer.office, number="200", name="Tower"),
        contractor_project=Project.objects.create(
            office=contractor.office, number="E-7", name="Tower electrical"
        ),
    )


def send(parties: Parties, title: str = "Move the panel") -> ChangeNotification:
    return notification_send(
        customer_project=parties.customer_project,
        contractor=parties.contractor.account,
        title=title,
        description="Panel moves to the east wall.",
        user=parties.customer.owner,
    )


def answer_and_send(parties: Parties, notification: ChangeNotification) -> ChangeOrderRequest:
    """The contractor answers with a priced COR and sends it."""
    user = parties.contractor.owner
    cor = notification_answer(
        notification=notification, contractor_project=parties.contractor_project, user=user
    )
    line = Line(
        description="Electrician",
        cost_type="labor",
        quantity=Decimal("4"),
        unit_cost=Decimal("85.50"),
        markup_percent=Decimal("10"),
    )
    cor_update(cor=cor, user=user, lines=[line], title=cor.title)
    return cor_set_status(cor=cor, status=CorStatus.SENT, user=user)


def web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(tenant: Tenant) -> dict:
    """Headers that authenticate as `tenant`'s owner with an API token."""
    _, key = api_token_create(account=tenant.account, user=tenant.owner, name="tests")
    return {"HTTP_AUTHORIZATION": f"Token {key}"}
