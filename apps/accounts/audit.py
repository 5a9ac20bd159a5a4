"""The one helper that records an action in the account's audit log."""

from typing import Any

from django.db import models

from .models import Account, AuditEntry, User

SECRET_WORDS = ("token", "secret", "password", "key")


def _without_secrets(detail: dict[str, Any]) -> dict[str, Any]:
    """Audit entries must never hold a credential, whatever a caller passes."""
    return {
        k: ("[redacted]" if any(w in k.lower() for w in SECRET_WORDS) else v)
        for k, v in detail.items()
    }


def audit_record(
    *,
    account: Account,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    entry = audit_entry(
        account=account,
        actor=actor,
        action=action,
        target=target,
        detail=detail,
        ip_address=ip_address,
    )
    entry.save(force_insert=True)
    return entry


def audit_entry(
    *,
    account: Account,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """An entry not saved yet, for a service that writes many at once (`bulk_create`)."""
    return AuditEntry(
        account=account,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        detail=_without_secrets(detail or {}),
        ip_address=ip_address,
    )


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
