"""The sandbox's own tables: its OAuth registry, companies, generic records and run-time knobs.

Procore ids are 64-bit (procore-api.md §1), so every id the sandbox hands out comes from one
allocator (`ids.allocate`) that starts above 2**32.
"""

from django.db import models


class SandboxUser(models.Model):
    """A Procore login the consent page authorizes as (`GET /rest/v1.0/me`)."""

    id = models.BigIntegerField(primary_key=True)
    login = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.login


class SandboxCompany(models.Model):
    """A Procore company; its `users` are the logins allowed to act in it."""

    id = models.BigIntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    users = models.ManyToManyField(SandboxUser, related_name="companies", blank=True)

    def __str__(self) -> str:
        return self.name


class SandboxApp(models.Model):
    """A registered OAuth application (client id/secret and its exact redirect URIs)."""

    client_id = models.CharField(max_length=200, unique=True)
    client_secret = models.CharField(max_length=200)
    name = models.CharField(max_length=200)
    redirect_uris = models.JSONField(default=list)

    def __str__(self) -> str:
        return self.name


class SandboxGrant(models.Model):
    """An authorization code: single use, valid 10 minutes (procore-api.md §2.2)."""

    code = models.CharField(max_length=100, unique=True)
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE)
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE)
    redirect_uri = models.CharField(max_length=500)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"grant for {self.app_id}"


class SandboxToken(models.Model):
    """An access token and the refresh token issued with it (procore-api.md §2.3)."""

    access_token = models.CharField(max_length=200, unique=True)
    refresh_token = models.CharField(max_length=200, unique=True)
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE)
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    refresh_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token for {self.user_id}"


class SandboxRecord(models.Model):
    """One Procore object of any resource type; `data` holds its fields as Procore returns them."""

    id = models.BigIntegerField(primary_key=True)
    company = models.ForeignKey(SandboxCompany, on_delete=models.CASCADE)
    resource = models.CharField(max_length=60)
    project_id = models.BigIntegerField(null=True, blank=True)
    parent_id = models.BigIntegerField(null=True, blank=True)
    # null, not "": records without an origin_id stay out of the unique constraint below
    origin_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["company", "resource", "project_id", "id"]),
            models.Index(fields=["company", "resource", "updated_at"]),
        ]
        constraints = [
            # procore-api.md §3.7: origin_id is unique within a company (per resource type).
            models.UniqueConstraint(
                fields=["company", "resource", "origin_id"],
                condition=models.Q(origin_id__isnull=False),
                name="sandbox_origin_id_unique_per_company",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.id}"


class SandboxAttachment(models.Model):
    """A file attached to a record, served back by URL like Procore's attachment objects."""

    id = models.BigIntegerField(primary_key=True)
    # DO_NOTHING keeps deleting a big company one DELETE per table (the seed removes these first)
    record = models.ForeignKey(SandboxRecord, on_delete=models.DO_NOTHING, null=True, blank=True)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.filename


class SandboxSequence(models.Model):
    """The next free Procore id; one row, locked while a block of ids is taken."""

    name = models.CharField(max_length=30, unique=True)
    next_id = models.BigIntegerField()

    def __str__(self) -> str:
        return self.name


class SandboxRateWindow(models.Model):
    """Requests counted in one fixed window (hourly or 10-second spike) for one token."""

    key = models.CharField(max_length=100)
    window = models.CharField(max_length=10)
    start = models.BigIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window", "start"], name="sandbox_rate_window")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.window} {self.start}"


class SandboxConfig(models.Model):
    """Fault injection and rate limits for a run; in the database so a live server shares it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    faults = models.JSONField(default=dict)
    request_count = models.BigIntegerField(default=0)
    burst_429_left = models.IntegerField(default=0)
    faulted_count = models.IntegerField(default=0)  # requests faulted so far, for max_faults

    def __str__(self) -> str:
        return "sandbox config"


class SandboxDelivery(models.Model):
    """One webhook event on its way to one hook (procore-api.md §10.2).

    Written in the transaction of the change it reports (an outbox), so no committed change
    goes unannounced and none is announced that was rolled back; sent later, at least once.
    """

    class Status(models.TextChoices):  # the v2 deliveries list's `status` values
        ENQUEUED = "enqueued"
        RETRYING = "retrying"
        DELIVERED = "delivered"
        DISCARDED = "discarded"

    company = models.ForeignKey(SandboxCompany, on_delete=models.CASCADE)
    hook_id = models.BigIntegerField()
    event = models.JSONField()  # the payload, as posted
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ENQUEUED)
    attempts = models.JSONField(default=list)  # one dict per POST answered or failed, oldest first
    posts = models.IntegerField(default=0)  # POSTs made, duplicates included
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()
    failing_since = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)  # a sender is posting it

    class Meta:
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["hook_id", "id"]),
        ]

    def __str__(self) -> str:
        return f"delivery {self.id} to hook {self.hook_id}"
