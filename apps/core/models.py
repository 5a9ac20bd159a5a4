"""What the REST API remembers between requests: the answers of POSTs sent with an
`Idempotency-Key`, so a client that retries gets the first answer and starts nothing twice."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.accounts.tenancy import TenantQuerySet


class IdempotencyKey(models.Model):
    """One key of one caller (account and user) on one endpoint. The unique constraint, not a
    lookup first, is what makes two requests with one key start one run: the second insert
    waits for the first request's transaction and then fails."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=255)  # the request's path: a retry's names its run
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # sha256 of the request body
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "user", "endpoint", "key"], name="one_answer_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} on {self.endpoint}"
