"""Who may do what: the one place roles are checked.

Actions are plain strings; `ALLOWED` maps each to the roles that may perform it.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied

from .models import Membership, Role

MANAGERS = frozenset({Role.OWNER, Role.ADMIN})
STAFF = frozenset({Role.OWNER, Role.ADMIN, Role.PROJECT_MANAGER, Role.AP_CLERK, Role.FIELD})

ALLOWED: dict[str, frozenset[str]] = {
    "offices.view": STAFF,
    "offices.manage": MANAGERS,
    "integrations.manage": MANAGERS,
    "members.view": MANAGERS,
    "members.invite": frozenset({Role.OWNER}),
    "members.manage": frozenset({Role.OWNER}),
    "audit.view": MANAGERS,
    "api_tokens.manage": MANAGERS | {Role.PROJECT_MANAGER, Role.AP_CLERK},
    "records.view": STAFF,
    "sync.view": MANAGERS | {Role.PROJECT_MANAGER},
    "cors.view": MANAGERS | {Role.PROJECT_MANAGER},
    "cors.manage": MANAGERS | {Role.PROJECT_MANAGER},
    "sync.run": MANAGERS,
    "projects.manage": MANAGERS | {Role.PROJECT_MANAGER},
    "projects.map": MANAGERS | {Role.PROJECT_MANAGER},
    "employees.manage": MANAGERS,
    "cost_codes.manage": MANAGERS,
    "vendors.manage": MANAGERS | {Role.AP_CLERK},
    "notifications.view": MANAGERS | {Role.PROJECT_MANAGER},
    "notifications.manage": MANAGERS | {Role.PROJECT_MANAGER},
    "partners.manage": MANAGERS,
    # Field users see and enter every time card entry of their account (a foreman enters a
    # crew's day), but approving and rejecting are for owners, admins and project managers.
    "time.view": MANAGERS | {Role.PROJECT_MANAGER, Role.FIELD},
    "time.enter": MANAGERS | {Role.PROJECT_MANAGER, Role.FIELD},
    "time.approve": MANAGERS | {Role.PROJECT_MANAGER},
    "ap.view": MANAGERS | {Role.AP_CLERK, Role.PROJECT_MANAGER},
    "ap.manage": MANAGERS | {Role.AP_CLERK},
    "ap.review": MANAGERS | {Role.PROJECT_MANAGER, Role.AP_CLERK},
}

REASONS: dict[str, str] = {
    "offices.manage": "Only an account owner or admin can change offices.",
    "integrations.manage": "Only an account owner or admin can enable or connect integrations.",
    "members.invite": "Only the account owner can invite people.",
    "members.manage": "Only the account owner can change roles or remove people.",
    "members.view": "Only an account owner or admin can see the people of the account.",
    "audit.view": "Only an account owner or admin can read the audit log.",
    "records.view": "Customers see only what is shared with them.",
    "sync.view": "Only an owner, admin or project manager can see sync activity.",
    "cors.view": "Only an owner, admin or project manager can see change order requests.",
    "cors.manage": "Only an owner, admin or project manager can change change order requests.",
    "sync.run": "Only an account owner or admin can start or retry a sync.",
    "projects.manage": "Only an owner, admin or project manager can change projects.",
    "projects.map": "Only an owner, admin or project manager can map a project to Procore.",
    "employees.manage": "Only an account owner or admin can change employees.",
    "cost_codes.manage": "Only an account owner or admin can change cost codes.",
    "vendors.manage": "Only an owner, admin or AP clerk can change vendors.",
    "notifications.view": "Only an owner, admin or project manager can see change notifications.",
    "notifications.manage": (
        "Only an owner, admin or project manager can send or answer change notifications."
    ),
    "partners.manage": "Only an account owner or admin can see the partner code or add partners.",
    "time.view": "Only an owner, admin, project manager or field user can see time cards.",
    "time.enter": "Only an owner, admin, project manager or field user can enter time.",
    "time.approve": "Only an owner, admin or project manager can approve or reject time.",
    "ap.view": "Only an owner, admin, AP clerk or project manager can see AP invoices.",
    "ap.manage": "Only an owner, admin or AP clerk can enter, route or pay AP invoices.",
    "ap.review": "Only an owner, admin, project manager or AP clerk can review AP invoice lines.",
}


def can(membership: Membership | None, action: str) -> bool:
    if membership is None:
        return False
    return membership.role in ALLOWED[action]


def reason(action: str) -> str:
    return REASONS.get(action, "Your role does not allow this.")


def require(membership: Membership | None, action: str) -> None:
    if not can(membership, action):
        raise PermissionDenied(reason(action))


def permission_required(action: str):
    """View decorator: the current membership must be allowed `action` (403 with the reason)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require(getattr(request, "membership", None), action)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
