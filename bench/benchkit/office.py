"""A Trestle office connected to the seeded sandbox company, as tests/sync_engine/conftest.py does.

Import after `stack.django_setup()`.
"""

import time
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from apps.accounts.models import Account, Membership, Role, User
from apps.offices.models import Office
from apps.procore_sandbox import oauth, registry, seed
from apps.procore_sandbox.models import SandboxCompany
from apps.procore_sync.client.oauth import save_tokens
from apps.procore_sync.engine_models import ExternalRef, SyncSettings
from apps.procore_sync.models import ProcoreConnection


def office_create(name: str) -> Office:
    account = Account.objects.create(name=name)
    return Office.objects.create(account=account, name=f"{name} HQ", city="Austin", state="TX")


def owner_create(account: Account, email: str) -> User:
    user = User.objects.create_user(email, "bench-password-1", full_name=f"Owner {account}")
    Membership.objects.create(account=account, user=user, role=Role.OWNER)
    return user


def link(
    office: Office, objs: list[models.Model], procore_type: str, procore_ids: list[int]
) -> None:
    """Trestle records linked to Procore ones as the imports link them (one ExternalRef each)."""
    content_type = ContentType.objects.get_for_model(type(objs[0]))
    ExternalRef.objects.bulk_create(
        ExternalRef(
            office=office,
            content_type=content_type,
            object_id=obj.pk,
            procore_type=procore_type,
            procore_id=procore_id,
        )
        for obj, procore_id in zip(objs, procore_ids, strict=True)
    )


def sandbox_token() -> Any:
    """A fresh token of the seeded login (the consent page skipped, as the tests do)."""
    return oauth.token_issue(app=registry.app_register(), user=registry.user_create())


def demo_company() -> SandboxCompany:
    return SandboxCompany.objects.get(name=seed.DEMO_COMPANY)


def sandbox_grant() -> dict[str, Any]:
    """A fresh token of the seeded login as Procore's token endpoint answers it (what
    `oauth.exchange_code` returns after the consent page, which benches skip)."""
    return _token_answer(sandbox_token())


def connected_office(name: str) -> tuple[Office, ProcoreConnection]:
    office, company, token = office_create(name), demo_company(), sandbox_token()
    connection = ProcoreConnection.objects.create(
        office=office, company_id=company.id, company_name=company.name
    )
    save_tokens(connection, _token_answer(token))
    SyncSettings.objects.get_or_create(office=office)
    return office, connection


def _token_answer(token: Any) -> dict[str, Any]:
    return {
        "access_token": token.access_token,
        "refresh_token": token.refresh_token,
        "expires_in": 5400,
        "created_at": int(time.time()),
    }


def auth_headers(access_token: str, company_id: int) -> dict[str, str]:
    """What the floor's bare requests send: a token and the company header, like the client."""
    return {
        "Authorization": f"Bearer {access_token}",
        "Accept": "application/json",
        "Procore-Company-Id": str(company_id),
    }
