"""The "reconcile" flow: the "Procore vs Trestle" report as a SyncRun.

Each comparer (CORs now; hours, invoices and payments later) reads Procore with list endpoints
and returns unsaved Differences. A report's differences replace the office's earlier ones of
the same comparer, which are marked resolved, so the latest report is what stands.
"""

from collections import Counter

from django.db import transaction
from django.utils import timezone

from ..client.http import ProcoreClient
from ..engine_models import SyncRun
from ..live import live_connection
from ..reconcile_models import Difference
from ..runs import RunRecorder
from . import cors

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
    result = cors.cors_compare(run.office, client)
    for difference in result.differences:
        difference.run = run
    with transaction.atomic():
        Difference.objects.filter(
            office=run.office, flow=cors.FLOW, resolved_at__isnull=True
        ).update(resolved_at=timezone.now())
        Difference.objects.bulk_create(result.differences)
        counts = Counter(
            differences=len(result.differences),
            requests=client.sent,
            requests_min=result.requests_min,
            failed=len(result.unread),
        )
        recorder.add(+counts, result.unread)
