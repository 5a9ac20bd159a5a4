"""A text field stored encrypted (see crypto.py); the database never holds the plaintext."""

from typing import Any

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Encrypts on save, decrypts on load. Empty stays empty; lookups on it are meaningless."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return crypto.encrypt(value)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value in (None, ""):
            return value
        return crypto.decrypt(value)
