"""Signals other apps listen to, so the COR domain never imports them."""

from django.dispatch import Signal

# Sent with `account` and `refresh` (asked for now) when someone opens the COR log: Procore
# statuses may be refreshed. A receiver answers True while a refresh is under way.
cor_log_opened = Signal()
