"""The base fixture: two accounts (ours and an outsider's), with users in several roles."""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Account, Membership, Role, User
from apps.accounts.services import api_token_create
from apps.offices.models import Office

from .contract_audit import _record_procore_requests  # noqa: F401 - session-wide recorder


@dataclass
class Tenant:
    account: Account
    owner: User
    office: Office

    def member(self, role: str) -> User:
        """A user of this account with `role` (created on first use)."""
        email = f"{role}@{self.account.name.lower().replace(' ', '-')}.test"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, "pw-for-tests-1", full_name=f"{role.title()} of {self.account}"
        )
        Membership.objects.get_or_create(account=self.account, user=user, defaults={"role": role})
        return user


def make_tenant(name: str) -> Tenant:
    account = Account.objects.create(name=name)
    owner = User.objects.create_user(
        f"owner@{name.lower().replace(' ', '-')}.test", "pw-for-tests-1", full_name=f"Owner {name}"
    )
    Membership.objects.create(account=account, user=owner, role=Role.OWNER)
    office = Office.objects.create(account=account, name=f"{name} HQ", city="Austin", state="TX")
    return Tenant(account=account, owner=owner, office=office)


@pytest.fixture
def tenant(db) -> Tenant:
    return make_tenant("Acme Builders")


@pytest.fixture
def outsider(db) -> Tenant:
    return make_tenant("Other Corp")


@pytest.fixture
def owner_client(client, tenant):
    client.force_login(tenant.owner)
    return client


@pytest.fixture
def client_as(client, tenant):
    """Log the test client in as a member of `tenant` with the given role."""

    def login(role: str):
        client.force_login(tenant.owner if role == Role.OWNER else tenant.member(role))
        return client

    return login


@pytest.fixture
def api_as(tenant):
    """An API client authenticated with a token of a `tenant` user in `role`."""

    def make(role: str = Role.PROJECT_MANAGER) -> APIClient:
        user = tenant.owner if role == Role.OWNER else tenant.member(role)
        _, key = api_token_create(account=tenant.account, user=user, name=f"{role} token")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def api(api_as) -> APIClient:
    return api_as(Role.PROJECT_MANAGER)


def pytest_collection_modifyitems(items):
    """The contract audit reads what every other test sent, so it runs after them all."""
    items.sort(key=lambda item: item.get_closest_marker("audit") is not None)


@pytest.fixture
def short_waits(monkeypatch):
    """The client's waits under injected faults (backoff, Retry-After) last a hundredth as long:
    the same attempts in the same order, without seconds of real sleep per run (the waits
    themselves are tested with a fake clock in tests/procore_sync)."""
    import time

    from apps.procore_sync.client.http import ProcoreClient

    def sleep(seconds: float) -> None:
        time.sleep(seconds / 100)

    defaults = {**ProcoreClient.__init__.__kwdefaults__, "sleep": sleep}
    monkeypatch.setattr(ProcoreClient.__init__, "__kwdefaults__", defaults)


@pytest.fixture
def webhook_queued(monkeypatch) -> list[int]:
    """Runs the webhook view queues, kept here instead of going to Celery."""
    runs: list[int] = []
    monkeypatch.setattr("apps.procore_sync.views.webhook.enqueue_run", runs.append)
    return runs
