"""What an incremental entity run must read again, from what Procore publishes about changes.

Sub-jobs and crews live under projects: Procore has no company-wide list of either, and no
`updated_at` filter for sub-jobs, so reading them costs one request per project. The company
cost code list has no filter either. An incremental run therefore reads a project's sub-jobs
and crews only where something says they may have changed:
- a project the last read did not cover (linked, mapped, imported or reactivated since): read
  whole, as a first read;
- a project the same run's incremental projects read returned (changed in Procore);
- a project named by a webhook delivery since the last read ("Sub Jobs"; Procore publishes no
  crews resource).
and reads the cost code list only when a "Standard Cost Codes" delivery came since its last
read. This leans on webhooks, so an office whose hook is not registered (no secret) reads
everything each run, as before. A delivery Procore lost is caught by the nightly full re-read
(schedules.queue_full_rereads); so are crews edited in an otherwise unchanged project.
"""

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils.dateparse import parse_datetime

from apps.projects.models import Project

from ..engine_models import ExternalRef, LinkState, WebhookDelivery
from ..entities import ENTITIES
from .context import SyncContext

# Entity -> Procore's webhook resources whose every change (create, update, delete) touches it.
ANNOUNCED_BY = {"sub_jobs": ("Sub Jobs",), "cost_codes": ("Standard Cost Codes",)}
# Whole lists read only when announced -> the SyncSettings field naming the list read.
ANNOUNCED_LISTS = {"cost_codes": "cost_code_list_id"}
# Deliveries that say nothing about Procore's data: refused by company, unsynced, our own echo.
UNINFORMATIVE = ("ignored", "echo")


def covered_key(entity_name: str) -> str:
    """The cursor entry keeping what the last complete read of the entity covered."""
    return f"{entity_name}:covered"


def _last_read(ctx: SyncContext, entity_name: str) -> datetime | None:
    """When the last complete read started. A delivery received before then was sent after
    Procore made its change, so that read saw it: no overlap is needed on our own clock."""
    value = ctx.settings.cursors.get(entity_name)
    return parse_datetime(value) if value else None


def webhooks_live(ctx: SyncContext) -> bool:
    """A hook with our secret is registered, so Procore's changes come as deliveries."""
    return bool(ctx.settings.webhook_secret_hash)


def linked_projects(ctx: SyncContext) -> list[tuple[int, int]]:
    """(Procore project id, local project pk) of the office's linked, active projects."""
    return list(
        ExternalRef.objects.filter(
            office=ctx.office,
            procore_type="project",
            content_type=ContentType.objects.get_for_model(Project),
            object_id__in=Project.objects.filter(office=ctx.office, active=True).values("pk"),
        )
        .exclude(procore_id=None)
        .exclude(state=LinkState.UNLINKED)  # an unmapped project
        .values_list("procore_id", "object_id")
        .order_by("procore_id")
    )


def projects_to_read(
    ctx: SyncContext, entity_name: str, since: datetime | None
) -> list[tuple[int, int, datetime | None]]:
    """(Procore id, local pk, since) of each project whose `entity_name` records this run reads;
    `since` is None for a project read whole. Remembers the linked projects as covered, for the
    engine to keep once the read succeeded."""
    linked = linked_projects(ctx)
    ctx.cache.setdefault("covered", {})[entity_name] = [pid for pid, _ in linked]
    covered = ctx.settings.cursors.get(covered_key(entity_name))
    if since is None or covered is None or not webhooks_live(ctx):
        return [(pid, pk, since) for pid, pk in linked]
    named = _delivered_projects(ctx, entity_name, _last_read(ctx, entity_name) or since)
    if named is None:  # a delivery for a record we cannot place: read every project
        return [(pid, pk, since) for pid, pk in linked]
    changed = ctx.cache.get("seen:projects", set())  # Procore ids this run's projects read saw
    covered = set(covered)
    return [
        (pid, pk, since if pid in covered else None)
        for pid, pk in linked
        if pid not in covered or pid in changed or pk in named
    ]


def list_unchanged(ctx: SyncContext, entity_name: str) -> bool:
    """A whole list whose every change Procore announces (the cost code list), read completely
    for the same list, and no delivery about it since that read."""
    chosen, since = ANNOUNCED_LISTS.get(entity_name), _last_read(ctx, entity_name)
    if chosen is None or since is None or not webhooks_live(ctx):
        return False
    if ctx.settings.cursors.get(covered_key(entity_name)) != getattr(ctx.settings, chosen):
        return False  # never read whole, or another list chosen since
    return not _deliveries(ctx, ANNOUNCED_BY[entity_name], since).exists()


def _deliveries(ctx: SyncContext, names: tuple[str, ...], since: datetime):
    deliveries = WebhookDelivery.objects.filter(
        office=ctx.office, resource_name__in=names, received_at__gte=since
    )
    for prefix in UNINFORMATIVE:
        deliveries = deliveries.exclude(outcome__startswith=prefix)
    return deliveries


def _delivered_projects(ctx: SyncContext, entity_name: str, since: datetime) -> set[int] | None:
    """Local pks of the projects holding the records deliveries named since `since`: by the
    event's `project_id`, else by the record's link; None when a delivery names neither a
    project nor a record Trestle knows (the run then reads every project)."""
    names = ANNOUNCED_BY.get(entity_name)
    if not names:
        return set()
    rows = list(_deliveries(ctx, names, since).values_list("resource_id", "project_id"))
    placed = {project for _, project in rows if project is not None}
    unplaced = {record for record, project in rows if project is None}
    named = set(
        ExternalRef.objects.filter(
            office=ctx.office, procore_type="project", procore_id__in=placed
        ).values_list("object_id", flat=True)
    )
    if not unplaced:
        return named
    entity = ENTITIES[entity_name]
    refs = dict(
        ExternalRef.objects.filter(
            office=ctx.office, procore_type=entity.procore_type, procore_id__in=unplaced - {None}
        ).values_list("procore_id", "object_id")
    )
    if set(refs) != unplaced:
        return None
    field = f"{entity.parent_field}_id"
    parents = entity.model.objects.filter(pk__in=refs.values()).values_list(field, flat=True)
    return named | set(parents)
