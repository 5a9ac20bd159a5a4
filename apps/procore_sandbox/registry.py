"""Creating the sandbox's apps, logins and companies: used by the seed command and by tests.

from apps.procore_sandbox import registry
app = registry.app_register()  # trestle-local-client / trestle-local-secret by default
company = registry.company_create(name="Acme", users=[registry.user_create()])
"""

from collections.abc import Iterable

from django.conf import settings

from . import ids
from .models import SandboxApp, SandboxCompany, SandboxUser

OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob"  # procore-api.md §2.2: code shown on a page
DEMO_LOGIN = "procore.demo@example.com"


def app_register(
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    name: str = "Trestle",
    redirect_uris: Iterable[str] | None = None,
) -> SandboxApp:
    """Create or update an OAuth app; defaults are Trestle's settings and its callback URL."""
    uris = list(redirect_uris or [settings.PROCORE_REDIRECT_URI, OOB_REDIRECT_URI])
    app, _ = SandboxApp.objects.update_or_create(
        client_id=client_id or settings.PROCORE_CLIENT_ID,
        defaults={
            "client_secret": client_secret or settings.PROCORE_CLIENT_SECRET,
            "name": name,
            "redirect_uris": uris,
        },
    )
    return app


def user_create(*, login: str = DEMO_LOGIN, name: str = "Pat Procore") -> SandboxUser:
    user = SandboxUser.objects.filter(login=login).first()
    return user or SandboxUser.objects.create(id=ids.allocate(), login=login, name=name)


def company_create(*, name: str, users: Iterable[SandboxUser] = ()) -> SandboxCompany:
    company = SandboxCompany.objects.create(id=ids.allocate(), name=name)
    company.users.set(users)
    return company
