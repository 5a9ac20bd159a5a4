"""What every comparer of the "Procore vs Trestle" report returns, and how a comparer is named."""

from collections.abc import Callable
from dataclasses import dataclass, field

from apps.accounts.models import User
from apps.offices.models import Office

from ..client.http import ProcoreClient
from ..engine_models import SyncItem, SyncRun
from ..reconcile_models import Difference, Side

Enqueue = Callable[[int], None]
# How each difference's message ends: where it changed since Trestle last wrote it.
WHERE = {
    Side.PROCORE: "changed in Procore",
    Side.TRESTLE: "changed in Trestle",
    Side.BOTH: "changed on both sides",
    Side.UNKNOWN: "where it changed is not known",
}


def side_of(trestle_changed: bool, procore_changed: bool) -> str:
    if trestle_changed and procore_changed:
        return Side.BOTH
    if trestle_changed:
        return Side.TRESTLE
    return Side.PROCORE if procore_changed else Side.UNKNOWN


@dataclass
class Comparison:
    """A comparer's findings: unsaved Differences, items for what could not be read (never
    reported as a difference), and the least number of requests the comparison needs."""

    differences: list[Difference] = field(default_factory=list)
    unread: list[SyncItem] = field(default_factory=list)
    requests_min: int = 0


@dataclass(frozen=True)
class Comparer:
    """One flow of the report. `flow` is the Differences' flow; `repair` settles a list of that
    flow's open differences (queueing runs, returned, or writing at once) for `user`, who needs
    `permission` (apps/accounts/policy.py) to ask for it."""

    flow: str
    title: str
    permission: str
    compare: Callable[[Office, ProcoreClient], Comparison]
    repair: Callable[[list[Difference], User | None, Enqueue], list[SyncRun]]
