"""The smallest read of what the changes name: each record by id (a show, or a list filtered
by `filters[id]` where Procore has one), never a whole collection. A record Procore does not
return is "unread", with the reason, so its change fails alone and Retry failed reads it again.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice

from ..client import resources
from ..client.errors import NeedsReconnect, PermissionDenied, ProcoreError
from ..client.pages import filters
from ..importers.context import SyncContext
from ..mapping.common import is_procore_id

IDS_PER_REQUEST = 100  # `filters[id][]` values per list request: the URL stays short
NOT_LISTED = "Procore did not return it (deleted, or no longer visible to this connection)."


@dataclass
class Read:
    records: list[dict] = field(default_factory=list)
    unread: dict[int, str] = field(default_factory=dict)  # Procore id -> why


def by_show(ids: Iterable[int], show: Callable[[int], dict]) -> Read:
    """One show per id; a Procore error fails that id alone (a lost connection stops all)."""
    read = Read()
    for procore_id in ids:
        try:
            read.records.append(show(procore_id))
        except (NeedsReconnect, PermissionDenied):
            raise
        except ProcoreError as exc:
            read.unread[procore_id] = exc.message
    return read


def by_list(ids: Iterable[int], listed: Callable[[list[int]], Iterable[dict]]) -> Read:
    """IDS_PER_REQUEST ids to a filtered list request; an id Procore leaves out is unread."""
    read, wanted = Read(), iter(sorted(set(ids)))
    while chunk := list(islice(wanted, IDS_PER_REQUEST)):
        found = list(listed(chunk))
        read.records += found
        got = {r.get("id") for r in found if isinstance(r, dict) and is_procore_id(r.get("id"))}
        read.unread |= {i: NOT_LISTED for i in chunk if i not in got}
    return read


def employees(ctx: SyncContext, ids: list[int]) -> Read:
    company = ctx.connection.company_id
    return by_show(ids, lambda i: resources.company_user(ctx.client, i, company_id=company))


def projects(ctx: SyncContext, ids: list[int]) -> Read:
    company = ctx.connection.company_id
    params = {"filters[by_status]": "All"}  # a project made inactive is read too
    return by_list(
        ids,
        lambda chunk: resources.projects(
            ctx.client, company_id=company, params={**params, **filters(id=chunk)}
        ),
    )


def vendors(ctx: SyncContext, ids: list[int]) -> Read:
    company = ctx.connection.company_id
    return by_list(
        ids,
        lambda chunk: resources.vendors(ctx.client, company_id=company, params=filters(id=chunk)),
    )


def sub_jobs(ctx: SyncContext, ids: list[int], *, project_id: int) -> Read:
    return by_show(ids, lambda i: resources.sub_job(ctx.client, i, project_id=project_id))
