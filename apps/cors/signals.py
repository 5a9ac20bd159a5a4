"""Signals other apps listen to, so the COR domain never imports them."""

from django.dispatch import Signal

# Sent with `account` when someone opens the COR log: Procore statuses may be refreshed.
cor_log_opened = Signal()
