"""What Procore sync does when the domain apps signal something."""

import logging

from .ap_payments.queueing import payment_change_queue, payment_queue_failed
from .cor_push.statuses import refresh_if_stale, statuses_checking
from .tasks import enqueue_run
from .time_export.not_queued import time_changes_not_queued
from .time_export.services import time_changes_queue

logger = logging.getLogger(__name__)


def refresh_change_event_statuses(sender, *, account, refresh=False, **kwargs) -> bool:
    """Opening the COR log checks pushed Change Events' statuses if they are getting old (now,
    with `refresh`); answers whether a check is under way, so the log looks again soon."""
    refresh_if_stale(account, enqueue=enqueue_run, force=refresh)
    return statuses_checking(account)


def queue_time_exports(sender, *, account, entry_ids, action, **kwargs) -> None:
    """Time cards were submitted, approved, rejected, edited or deleted: send what the offices'
    settings want sent (their trigger, timesheets or daily logs) as SyncRuns.

    The time card's own write has committed; a failure to queue must not fail the user's
    request. It becomes a failed run per office in Sync Activity, with the reason and Retry."""
    try:
        time_changes_queue(account=account, entry_ids=entry_ids, action=action, enqueue=enqueue_run)
    except Exception as exc:
        logger.exception("Queueing the time export of %s time card(s) failed", len(entry_ids))
        try:
            time_changes_not_queued(account=account, entry_ids=entry_ids, error=exc)
        except Exception:  # the database itself is failing: the scheduled pass catches up
            logger.exception(
                "Recording that %s time card(s) were not queued failed", len(entry_ids)
            )


def queue_payment_writeback(sender, *, account, payment_id, action, **kwargs) -> None:
    """A payment was recorded, edited or voided: carry it to Procore if the office says so.
    The payment has committed, so a failure to queue must not fail the user's request; it
    becomes a failed run in Sync Activity, with the reason and Retry."""
    try:
        payment_change_queue(account=account, payment_id=payment_id, enqueue=enqueue_run)
    except Exception as exc:
        logger.exception(
            "Queueing the Procore write-back of payment %s (%s) failed", payment_id, action
        )
        try:
            payment_queue_failed(account=account, payment_id=payment_id, error=exc)
        except Exception:  # the database itself is failing: the scheduled pass catches up
            logger.exception("Recording that payment %s was not queued failed", payment_id)
