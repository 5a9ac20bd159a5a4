"""Re-encrypt every encrypted field with the first key of ENCRYPTION_KEYS, in batches.

Rotation: put the new key first in ENCRYPTION_KEYS (keep the old ones after it), deploy, run this
command, then drop the old keys. Each batch is locked and saved in its own transaction, so a token
refresh running at the same time is never overwritten with a stale value.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from apps.procore_sync.crypto import InvalidToken
from apps.procore_sync.fields import EncryptedTextField


def _encrypted_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


class Command(BaseCommand):
    help = "Re-encrypt stored secrets with the first key of ENCRYPTION_KEYS."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options) -> None:
        failed = 0
        for model in apps.get_models():
            if fields := _encrypted_fields(model):
                done, bad = self._rotate(model, fields, batch_size)
                failed += bad
                self.stdout.write(f"{model._meta.label}: {done} rows re-encrypted, {bad} failed")
        if failed:
            raise CommandError(f"{failed} rows could not be decrypted with any configured key")

    def _rotate(self, model, fields: list[str], batch_size: int) -> tuple[int, int]:
        done = bad = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                pks = list(
                    model._base_manager.filter(pk__gt=last_pk)
                    .order_by("pk")
                    .select_for_update()
                    .values_list("pk", flat=True)[:batch_size]
                )
                if not pks:
                    return done, bad
                last_pk = pks[-1]
                rows, failed = self._load(model, pks)
                model._base_manager.bulk_update(rows, fields)
            done, bad = done + len(rows), bad + failed

    @staticmethod
    def _load(model, pks: list[int]) -> tuple[list[models.Model], int]:
        """The batch's rows; row by row only if one cannot be decrypted, to skip just that one."""
        try:
            return list(model._base_manager.filter(pk__in=pks)), 0
        except InvalidToken:
            pass
        rows, failed = [], 0
        for pk in pks:
            try:
                rows.append(model._base_manager.get(pk=pk))
            except InvalidToken:
                failed += 1
        return rows, failed
