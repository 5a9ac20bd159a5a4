from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from apps.offices.models import Office

from ..client.http import ProcoreClient
from ..engine_models import SyncRun, SyncSettings
from ..live import live_connection
from ..models import ProcoreConnection
from ..runs import sync_settings_for


@dataclass
class SyncContext:
    """What every step of a run needs: the office, its connection and client, and its settings."""

    office: Office
    connection: ProcoreConnection
    client: ProcoreClient
    settings: SyncSettings
    started_at: datetime
    cache: dict = field(default_factory=dict)
    run: SyncRun | None = None  # what a step's findings are recorded against (a Difference)


def run_context(run: SyncRun) -> SyncContext:
    """The context of a run that reads Procore now; RunError when the office cannot."""
    connection = live_connection(run.office)
    return SyncContext(
        office=run.office,
        connection=connection,
        client=ProcoreClient(connection),
        settings=sync_settings_for(run.office),
        started_at=timezone.now(),
        run=run,
    )
