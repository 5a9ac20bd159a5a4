"""Signals other apps listen to, so the time card domain never imports them."""

from django.dispatch import Signal

# Sent after the write commits, with `account`, `entry_ids` (a list of TimeCardEntry ids) and
# `action`: "updated" (created or edited), "submitted", "approved", "rejected" or "deleted".
time_entries_changed = Signal()

ACTIONS = ("updated", "submitted", "approved", "rejected", "deleted")

# Sent after the write commits, with `account`, `project_id`, `dates` (the days whose quantities
# changed, a sorted list of dates) and `action`: "updated" or "deleted".
production_quantities_changed = Signal()
