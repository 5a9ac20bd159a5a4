"""The one scoping mechanism for tenant data.

Every tenant-owned model uses `TenantQuerySet` and names the path to its Account in `tenant_path`
(default "account"). Views fetch rows through `for_account(...)` or `get_for_account_or_404(...)`,
so a row of another account is a 404 and a query without an account fails loudly.
"""

from django.db import models
from django.http import Http404


class MissingAccountError(LookupError):
    """A tenant query was made without an account: refuse rather than return everyone's rows."""


class TenantQuerySet(models.QuerySet):
    def for_account(self, account) -> "TenantQuerySet":
        if account is None:
            raise MissingAccountError(f"{self.model.__name__} queried without an account")
        path = getattr(self.model, "tenant_path", "account")
        return self.filter(**{path: account})


def get_for_account_or_404(queryset, account, **lookups):
    """One row of `account`, or 404 whether it is missing or belongs to another account."""
    if not hasattr(queryset, "for_account"):
        queryset = queryset._default_manager.all()
    try:
        return queryset.for_account(account).get(**lookups)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} here") from exc
