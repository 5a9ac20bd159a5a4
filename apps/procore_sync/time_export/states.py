"""A time card's Procore state, as its pages show it: Sent, Out of date, Failed: <why>, Not sent.

The link is an ExternalRef per time card: "timecard_entry" (timesheets mode: the Procore entry's
id, the origin_id it was created with, the fingerprint sent) or "daily_log_timecard" (daily-log
mode: the day's aggregated entry holds it, so no id of its own). An edit after sending changes
the time card's fingerprint, and the card shows as out of date until the next export.
"""

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType

from apps.timecards.fingerprint import entry_fingerprint
from apps.timecards.models import TimeCardEntry

from ..engine_models import ExternalRef, LinkState, SyncSettings
from ..outbound import GONE
from .options import DAILY_LOGS, TimeOptions

TIMECARD_ENTRY = "timecard_entry"
DAILY_LOG_TIMECARD = "daily_log_timecard"
SENT, OUT_OF_DATE, NOT_SENT, FAILED = "Sent", "Out of date", "Not sent", "Failed"


def entry_content_type() -> ContentType:
    return ContentType.objects.get_for_model(TimeCardEntry)


def current_print(entry: TimeCardEntry) -> str:
    """The domain keeps `fingerprint` current; computed here for a row written without it."""
    return entry.fingerprint or entry_fingerprint(entry)


def state_label(entry: TimeCardEntry, ref: ExternalRef | None) -> str:
    if ref is None or ref.state in GONE:
        return NOT_SENT
    if ref.state == LinkState.FAILED:
        return f"{FAILED}: {ref.error}" if ref.error else FAILED
    if ref.procore_type == TIMECARD_ENTRY and ref.procore_id is None:
        return NOT_SENT  # a create whose answer never came: the next export looks it up
    return SENT if ref.fingerprint == current_print(entry) else OUT_OF_DATE


def entry_state_labels(entries: Iterable[TimeCardEntry]) -> dict[int, str]:
    """{entry id: label} in two queries, whatever the number of entries."""
    entries = [e for e in entries if e.pk is not None]
    if not entries:
        return {}
    refs = list(
        ExternalRef.objects.filter(
            content_type=entry_content_type(),
            object_id__in=[e.pk for e in entries],
            procore_type__in=(TIMECARD_ENTRY, DAILY_LOG_TIMECARD),
        )
    )
    modes = {
        s.office_id: TimeOptions.of(s).mode
        for s in SyncSettings.objects.filter(office_id__in={r.office_id for r in refs})
    }
    chosen: dict[int, ExternalRef] = {}
    for ref in refs:
        wanted = DAILY_LOG_TIMECARD if modes.get(ref.office_id) == DAILY_LOGS else TIMECARD_ENTRY
        if ref.object_id not in chosen or ref.procore_type == wanted:
            chosen[ref.object_id] = ref
    return {e.pk: state_label(e, chosen.get(e.pk)) for e in entries}
