"""Where each entity's records come from in Procore, as batches of at most one page.

Incremental entities ask only for `updated_at` after the cursor; project-level entities are read
for the linked projects the run must cover (scope.py: all of them on a full run, the changed
ones otherwise). Batches stream: nothing holds a whole collection.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice

from django.utils.dateparse import parse_datetime

from ..client import resources
from ..client.pages import filters
from ..entities import Batch
from ..mapping.common import is_procore_id
from .context import SyncContext
from .scope import projects_to_read

BATCH_SIZE = 1000


def _chunks(records: Iterable[dict], **context) -> Iterator[Batch]:
    iterator = iter(records)
    while chunk := list(islice(iterator, BATCH_SIZE)):
        yield Batch(chunk, context=context)


def _per_project(ctx: SyncContext, name: str, since: datetime | None, fetch) -> Iterator[Batch]:
    """Records of the projects the run reads (`fetch(project, since)`), gathered into batches of
    up to BATCH_SIZE, so a thousand small projects cost a thousand requests but a handful of
    database transactions. The projects read whole are kept in `ctx.cache["read_whole"]`."""
    records, parents = [], {}
    read_whole = ctx.cache.setdefault("read_whole", {}).setdefault(name, set())
    for procore_id, local_pk, read_since in projects_to_read(ctx, name, since):
        for record in fetch(procore_id, read_since):
            records.append(record)
            if is_procore_id(record.get("id")):
                parents[record["id"]] = local_pk
            if len(records) >= BATCH_SIZE:
                yield Batch(records, parents)
                records, parents = [], {}
        if read_since is None:  # all it holds was listed: what it held before and not now is gone
            read_whole.add(local_pk)
    if records:
        yield Batch(records, parents)


def _since(ctx: SyncContext, since: datetime | None) -> dict:
    return filters(updated_at=(since, ctx.started_at)) if since else {}


def _changed_since(records: Iterable[dict], since: datetime | None) -> Iterator[dict]:
    """For lists Procore publishes no `filters[updated_at]` for (sub jobs, work
    classifications): read them whole and keep what changed after the cursor. A record whose
    `updated_at` cannot be read is kept; the importer decides what to make of it."""
    for record in records:
        moment = _moment(record.get("updated_at")) if since else None
        if since is None or moment is None or moment >= since:
            yield record


def _moment(value: object) -> datetime | None:
    try:
        moment = parse_datetime(str(value or ""))
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def work_classifications(ctx: SyncContext, since: datetime | None) -> Iterator[Batch]:
    company = ctx.connection.company_id
    listed = resources.work_classifications(ctx.client, company_id=company)
    yield from _chunks(_changed_since(listed, since))


def employees(ctx: SyncContext, since: datetime | None) -> Iterator[Batch]:
    company = ctx.connection.company_id
    yield from _chunks(
        resources.company_users(ctx.client, company_id=company, params=_since(ctx, since))
    )


def projects(ctx: SyncContext, since: datetime | None) -> Iterator[Batch]:
    # All statuses, so a project deactivated in Procore is deactivated here too.
    params = {"filters[by_status]": "All", **_since(ctx, since)}
    company = ctx.connection.company_id
    yield from _chunks(resources.projects(ctx.client, company_id=company, params=params))


def sub_jobs(ctx: SyncContext, since: datetime | None) -> Iterator[Batch]:
    def read(project: int, since: datetime | None) -> Iterator[dict]:
        return _changed_since(resources.sub_jobs(ctx.client, project_id=project), since)

    yield from _per_project(ctx, "sub_jobs", since, read)


def crews(ctx: SyncContext, since: datetime | None) -> Iterator[Batch]:
    def read(project: int, since: datetime | None) -> Iterator[dict]:
        return resources.crews(ctx.client, project_id=project, params=_since(ctx, since))

    yield from _per_project(ctx, "crews", since, read)


def cost_codes(ctx: SyncContext, since: datetime | None) -> Iterator[Batch]:
    """The office's company cost code list; divisions are the codes without a parent."""
    list_id = ctx.settings.cost_code_list_id
    if list_id is None:
        return
    ctx.cache.setdefault("covered", {})["cost_codes"] = list_id
    codes = list(
        resources.standard_cost_codes(
            ctx.client, company_id=ctx.connection.company_id, standard_cost_code_list_id=list_id
        )
    )
    divisions = {
        c["id"]: c for c in codes if is_procore_id(c.get("id")) and c.get("parent_id") is None
    }
    yield from _chunks(codes, divisions=divisions)


def time_types(ctx: SyncContext, since: datetime | None) -> Iterator[Batch]:
    yield from _chunks(
        resources.timecard_time_types(ctx.client, company_id=ctx.connection.company_id)
    )


def vendors(ctx: SyncContext, since: datetime | None) -> Iterator[Batch]:
    company = ctx.connection.company_id
    yield from _chunks(resources.vendors(ctx.client, company_id=company, params=_since(ctx, since)))


FETCHERS = {
    "work_classifications": work_classifications,
    "employees": employees,
    "projects": projects,
    "sub_jobs": sub_jobs,
    "cost_codes": cost_codes,
    "time_types": time_types,
    "crews": crews,
    "vendors": vendors,
}
