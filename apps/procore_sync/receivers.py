"""What Procore sync does when the domain apps signal something."""

from .cor_push.statuses import refresh_if_stale
from .tasks import enqueue_run


def refresh_change_event_statuses(sender, *, account, **kwargs) -> None:
    """Opening the COR log checks pushed Change Events' statuses if they are getting old."""
    refresh_if_stale(account, enqueue=enqueue_run)
