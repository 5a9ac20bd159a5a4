"""Tokens are encrypted at rest, and keys rotate over many rows without losing any."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection as db

from apps.procore_sync.models import ConnectionStatus, ProcoreConnection

from .conftest import ACCESS, REFRESH

OLD, NEW, STRANGER = (Fernet.generate_key().decode() for _ in range(3))


def raw_tokens(pk: int) -> tuple[str, str]:
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM procore_sync_procoreconnection WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()


def test_the_database_holds_no_plaintext_token(connection):
    access, refresh = raw_tokens(connection.pk)
    assert ACCESS not in access and REFRESH not in refresh
    assert "SECRET" not in access + refresh
    connection.refresh_from_db()
    assert (connection.access_token, connection.refresh_token) == (ACCESS, REFRESH)


def make_rows(office, count: int) -> None:
    ProcoreConnection.objects.bulk_create(
        ProcoreConnection(
            office=office,
            status=ConnectionStatus.DISCONNECTED,
            access_token=f"access-{n}",
            refresh_token=f"refresh-{n}",
        )
        for n in range(count)
    )


def test_rotation_reencrypts_every_row_with_the_first_key(tenant, settings):
    settings.ENCRYPTION_KEYS = [OLD]
    make_rows(tenant.office, 10_000)
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    call_command("rotate_encryption_keys", batch_size=1000)

    settings.ENCRYPTION_KEYS = [NEW]  # the old key is gone: every row must still read
    rows = ProcoreConnection.objects.order_by("pk").values_list("access_token", "refresh_token")
    assert list(rows) == [(f"access-{n}", f"refresh-{n}") for n in range(10_000)]


def test_rotation_reports_rows_no_key_can_read(tenant, settings):
    settings.ENCRYPTION_KEYS = [STRANGER]
    make_rows(tenant.office, 1)
    settings.ENCRYPTION_KEYS = [OLD]
    make_rows(tenant.office, 3)
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    with pytest.raises(CommandError, match="1 rows"):
        call_command("rotate_encryption_keys", batch_size=2)
    settings.ENCRYPTION_KEYS = [NEW]
    readable = ProcoreConnection.objects.order_by("pk")[1:]
    assert [c.access_token for c in readable] == ["access-0", "access-1", "access-2"]
