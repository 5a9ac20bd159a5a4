"""Writes on Procore connections: connect an office after the OAuth callback, disconnect it."""

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.audit import audit_record
from apps.accounts.models import User
from apps.offices.models import Office

from .client import oauth, resources
from .client.errors import PermissionDenied, ProcoreError
from .client.http import ProcoreClient
from .models import ConnectionStatus, ProcoreConnection
from .webhooks import webhooks_deregister

logger = logging.getLogger(__name__)


def connection_connect(*, office: Office, user: User, token: dict[str, Any]) -> ProcoreConnection:
    """Store a fresh grant (from `oauth.exchange_code`) as the office's live connection, then
    record which Procore user granted it. A reconnect reuses the live row and its company."""
    with transaction.atomic():
        connection = (
            ProcoreConnection.objects.select_for_update()
            .exclude(status=ConnectionStatus.DISCONNECTED)
            .filter(office=office)
            .first()
        ) or ProcoreConnection(office=office)
        connection.status, connection.status_reason = ConnectionStatus.CONNECTED, ""
        connection.connected_by, connection.connected_at = user, timezone.now()
        connection.save()
        oauth.save_tokens(connection, token)
        audit_record(
            account=office.account, actor=user, action="procore.connected", target=connection
        )
    me = resources.me(ProcoreClient(connection))
    connection.procore_user_id, connection.procore_user_login = me["id"], me.get("login", "")
    connection.save(update_fields=["procore_user_id", "procore_user_login"])
    return connection


def connection_choose_company(
    *, connection: ProcoreConnection, company_id: int, user: User
) -> ProcoreConnection:
    """Bind the connection to a company its Procore user can see; a posted id alone is never
    trusted, so an office cannot be pointed at another customer's company."""
    companies = resources.companies(ProcoreClient(connection))
    company = next((c for c in companies if c["id"] == company_id), None)
    if company is None:
        raise PermissionDenied("The connected Procore user has no access to that company.")
    try:
        with transaction.atomic():
            _check_company_free(connection, company)
            connection.company_id, connection.company_name = company["id"], company["name"]
            connection.status_reason = ""
            connection.save(update_fields=["company_id", "company_name", "status_reason"])
    except CompanyTaken as exc:
        _note_refusal(connection, exc)
        raise
    audit_record(
        account=connection.office.account,
        actor=user,
        action="procore.company_chosen",
        target=connection,
        detail={"company_id": company["id"], "company_name": company["name"]},
    )
    return connection


class CompanyTaken(ProcoreError):
    """A Procore company is kept in step with one Trestle office only."""


def _note_refusal(connection: ProcoreConnection, exc: CompanyTaken) -> None:
    """An office still waiting for its company says why, so its page never reads as connected;
    one that keeps an earlier company keeps working and says nothing."""
    if connection.company_id is None:
        connection.status_reason = f"No company chosen: {exc.message}"
        connection.save(update_fields=["status_reason"])


def _check_company_free(connection: ProcoreConnection, company: dict) -> None:
    other = (
        ProcoreConnection.objects.select_for_update()
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .exclude(pk=connection.pk)
        .filter(company_id=company["id"])
        .select_related("office")
        .first()
    )
    if other is None:
        return
    if other.office.account_id == connection.office.account_id:
        raise CompanyTaken(
            f"{company['name']} is already connected to your office {other.office}. "
            "Disconnect it there first."
        )
    raise CompanyTaken(f"{company['name']} is already connected to Trestle elsewhere.")


def connection_disconnect(*, connection: ProcoreConnection, user: User) -> None:
    """Remove our webhooks and revoke the grant at Procore (failures are logged, not fatal), then
    forget the tokens. Links stay, so a reconnect resumes where the office left off."""
    for step in (webhooks_deregister, oauth.revoke):
        try:
            step(connection)
        except ProcoreError as exc:
            logger.warning("procore %s failed for connection %s: %s", step.__name__,
                           connection.pk, exc.message)  # fmt: skip
    connection.status = ConnectionStatus.DISCONNECTED
    connection.status_reason = f"Disconnected by {user}."
    connection.access_token = connection.refresh_token = ""
    connection.save(update_fields=["status", "status_reason", "access_token", "refresh_token"])
    audit_record(
        account=connection.office.account,
        actor=user,
        action="procore.disconnected",
        target=connection,
    )
