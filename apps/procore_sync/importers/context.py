from dataclasses import dataclass, field
from datetime import datetime

from apps.offices.models import Office

from ..client.http import ProcoreClient
from ..engine_models import SyncSettings
from ..models import ProcoreConnection


@dataclass
class SyncContext:
    """What every step of a run needs: the office, its connection and client, and its settings."""

    office: Office
    connection: ProcoreConnection
    client: ProcoreClient
    settings: SyncSettings
    started_at: datetime
    cache: dict = field(default_factory=dict)
