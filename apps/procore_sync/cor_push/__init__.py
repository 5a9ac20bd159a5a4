"""Pushing CORs into Procore Change Events: options, pre-flight, the push itself, statuses."""
