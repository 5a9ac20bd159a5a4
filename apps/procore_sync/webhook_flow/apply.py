"""Apply the changes of one kind: read what they name, then write it through the same code the
scheduled runs use (the entity importers, the Change Event status check, the commitment
import), so a record comes out the same whichever way it arrived.

Each handler returns what it did and which changes failed, with why. A delete event needs no
read: the record is deactivated as a full pull deactivates one Procore no longer lists.
"""

from collections import defaultdict
from collections.abc import Callable
from functools import partial

from apps.projects.models import Project

from ..ap_import.commitments import commitments_by_id, commitments_import, linked_ids
from ..ap_import.flow import mapped_projects
from ..engine_models import Direction
from ..entities import ENTITIES, Batch, Entity
from ..importers.context import SyncContext
from ..importers.custom_fields import custom_fields_refresh
from ..importers.fetch import FETCHERS
from ..importers.upsert import ImportOptions, import_batch_seen, orphans_deactivate, records_gone
from . import reads
from .applied import Applied, latest
from .change_events import change_events_apply
from .changes import Change

CONTRACTS = {
    "Work Order Contracts": "work_order_contracts",
    "Purchase Order Contracts": "purchase_order_contracts",
}


def _imported(ctx: SyncContext, entity: Entity) -> bool:
    """As the entities run decides: switched to come in, and configured (a cost code list)."""
    if entity.name == "cost_codes" and ctx.settings.cost_code_list_id is None:
        return False
    return ctx.settings.direction(entity.name) in (Direction.IN, Direction.BOTH)


def _options(ctx: SyncContext, entity: Entity) -> ImportOptions:
    if "custom_fields" in entity.fields and "custom_fields" not in ctx.cache:
        ctx.cache["custom_fields"] = custom_fields_refresh(ctx)  # once per run
    return ImportOptions(
        office=ctx.office,
        auto_import=ctx.settings.auto_import.get(entity.name, True),
        two_way=ctx.settings.direction(entity.name) == Direction.BOTH,
        custom_fields=ctx.cache.get("custom_fields", {}),
    )


def entity_apply(ctx: SyncContext, changes: list[Change], *, name: str) -> Applied:
    """Records with a show or an id filter: read those changed, deactivate those deleted."""
    entity, done = ENTITIES[name], Applied()
    if not _imported(ctx, entity):
        return done
    last = latest(changes)
    live = [i for i, c in last.items() if not c.deleted]
    read, parents = _read(ctx, entity, last, live)
    if read.records:
        batch = Batch(read.records, parents)
        done.add(*import_batch_seen(entity, batch, _options(ctx, entity))[:2])
    done.add(*records_gone(entity, ctx.office, {i for i, c in last.items() if c.deleted}))
    done.fail(changes, read.unread)
    return done


def _read(ctx, entity: Entity, last: dict[int, Change], live: list[int]):
    if entity.name != "sub_jobs":
        return getattr(reads, entity.name)(ctx, live), {}
    # A sub job belongs to the project its event names; one of an unmapped project is skipped.
    projects = linked_ids(ctx.office, "project", Project, {last[i].project_id for i in live})
    read, parents = reads.Read(), {}
    by_project = defaultdict(list)
    for i in live:
        if last[i].project_id in projects:
            by_project[last[i].project_id].append(i)
    for project_id, ids in by_project.items():
        one = reads.sub_jobs(ctx, ids, project_id=project_id)
        read.records += one.records
        read.unread |= one.unread
        parents |= {i: projects[project_id] for i in ids}
    return read, parents


def list_apply(ctx: SyncContext, changes: list[Change], *, name: str) -> Applied:
    """Records Procore has no show nor id filter for (cost codes, time types): their one list,
    read whole and applied as a full pull is, deletions included."""
    entity, done = ENTITIES[name], Applied()
    if not _imported(ctx, entity):
        return done
    options, seen, unreadable = _options(ctx, entity), set(), False
    for batch in FETCHERS[name](ctx, None):
        counts, items, ids = import_batch_seen(entity, batch, options)
        seen |= ids
        unreadable = unreadable or any(i.outcome == "failed" and not i.procore_id for i in items)
        done.add(counts, items)
    if not unreadable:
        done.add(*orphans_deactivate(entity, ctx.office, seen))
    done.fail(changes, {})
    return done


def commitments_apply(ctx: SyncContext, changes: list[Change]) -> Applied:
    """Contracts of mapped projects, by id and kind (one request each); a deleted one is left
    as the AP import leaves it (Trestle keeps the invoices booked against it)."""
    done, last = Applied(), latest(changes)
    projects = {procore_id: project for project, procore_id in mapped_projects(ctx.office)}
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for record_id, change in last.items():
        if not change.deleted and change.project_id in projects:
            groups[(change.project_id, CONTRACTS[change.resource_name])].append(record_id)
    unread: dict[int, str] = {}
    for (project_id, resource), ids in groups.items():
        contracts = list(commitments_by_id(ctx.client, project_id, resource, ids))
        done.add(*commitments_import(ctx.client, projects[project_id], project_id, contracts))
        got = {record.get("id") for _, record in contracts if isinstance(record, dict)}
        unread |= {i: reads.NOT_LISTED for i in ids if i not in got}
    done.fail(changes, unread)
    return done


HANDLERS: dict[str, Callable[[SyncContext, list[Change]], Applied]] = {
    **{n: partial(entity_apply, name=n) for n in ("employees", "projects", "sub_jobs", "vendors")},
    **{n: partial(list_apply, name=n) for n in ("cost_codes", "time_types")},
    "change_events": change_events_apply,
    "commitments": commitments_apply,
}
# Parents first: projects before their sub jobs, vendors before the contracts naming them.
ORDER = ("employees", "projects", "sub_jobs", "cost_codes", "time_types", "vendors",
         "change_events", "commitments")  # fmt: skip
