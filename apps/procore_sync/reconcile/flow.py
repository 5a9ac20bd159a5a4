"""The "reconcile" flow: the "Procore vs Trestle" report as a SyncRun.

Each comparer (registry.py) reads Procore with list endpoints and returns unsaved Differences.
A report's differences replace the office's open ones of the same comparer, which are marked
resolved, so the latest report is what stands; one found before keeps its first_found_at. The
webhook flow replaces those of the few records a delivery named the same way
(`differences_store`).
A comparer that cannot read Procore is a failed item and its earlier differences stand.
A scheduled (nightly) report mails the office's admins when it finds differences no earlier
report had (one a webhook run found since the last report is new to the mail).
"""

from collections import Counter
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ..client.errors import NeedsReconnect, ProcoreError
from ..client.http import ProcoreClient
from ..engine_models import Outcome, RunStatus, SyncItem, SyncRun, Trigger
from ..live import live_connection
from ..reconcile_models import Difference
from ..runs import RunRecorder
from .comparison import Comparer
from .notify import notify_new_differences
from .registry import COMPARERS

FLOW = "reconcile"


class CountingClient(ProcoreClient):
    """Counts every request sent (retries included): the report shows it next to the least
    number of requests the comparison needs."""

    sent = 0

    def _send(self, *args, **kwargs):
        self.sent += 1
        return super()._send(*args, **kwargs)


def reconcile_flow(run: SyncRun, recorder: RunRecorder) -> None:
    client = CountingClient(live_connection(run.office))
    since = _last_report_end(run)
    found: list[Difference] = []
    for comparer in COMPARERS:
        found += _compare(run, recorder, comparer, client)
    recorder.add(Counter(requests=client.sent), [])
    # New: first found after the last report, by this one or by a webhook run since (whose
    # finding this report carried over); a difference an earlier report had is not mailed again.
    new = [d for d in found if since is None or d.first_found_at > since]
    if run.trigger == Trigger.SCHEDULE and new:
        notify_new_differences(run, new)


def _last_report_end(run: SyncRun) -> datetime | None:
    earlier = SyncRun.objects.filter(
        office=run.office, flow=FLOW, status__in=(RunStatus.SUCCEEDED, RunStatus.PARTIAL)
    ).exclude(pk=run.pk)
    return earlier.aggregate(end=Max("ended_at"))["end"]


def _compare(
    run: SyncRun, recorder: RunRecorder, comparer: Comparer, client: ProcoreClient
) -> list[Difference]:
    """Run one comparer and store what it found; returns what it found."""
    try:
        result = comparer.compare(run.office, client)
    except NeedsReconnect:
        raise
    except ProcoreError as exc:
        recorder.add(Counter(failed=1), [_unread(comparer, exc)])
        return []
    differences_store(run, comparer.flow, result.differences)
    counts = Counter(
        differences=len(result.differences),
        requests_min=result.requests_min,
        failed=len(result.unread),
    )
    recorder.add(+counts, result.unread)
    return result.differences


def differences_store(
    run: SyncRun, flow: str, differences: list[Difference], *, object_ids: set[int] | None = None
) -> None:
    """Replace the office's open differences of `flow` (of the `object_ids` records only, when
    given: a webhook re-compared just those) with `differences`; the replaced are resolved and
    one found again keeps its first_found_at."""
    now = timezone.now()
    with transaction.atomic():
        earlier = Difference.objects.select_for_update().filter(
            office=run.office, flow=flow, resolved_at__isnull=True
        )
        if object_ids is not None:
            earlier = earlier.filter(object_id__in=object_ids)
        found_at = {d.identity: d.first_found_at or d.created_at for d in earlier}
        earlier.update(resolved_at=now)
        for difference in differences:
            difference.clip()
            difference.run = run
            difference.first_found_at = found_at.get(difference.identity, now)
        Difference.objects.bulk_create(differences)


def _unread(comparer: Comparer, exc: ProcoreError) -> SyncItem:
    return SyncItem(
        entity=comparer.flow,
        direction="in",
        label=comparer.title,
        outcome=Outcome.FAILED,
        message=f"Procore could not be read ({exc}); the earlier report's differences stand.",
        fix="Run the report again.",
    )
