"""Signals other apps listen to, so the AP domain never imports them."""

from django.dispatch import Signal

# Sent on commit with `account`, `payment_id` and `action` ("created", "updated" or "voided"):
# the Procore write-back listens to it.
ap_payment_changed = Signal()
