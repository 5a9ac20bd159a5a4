"""Project > Advanced Settings > Procore: map a Trestle project to one Procore project."""

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.audit import audit_record
from apps.accounts.models import User
from apps.projects.models import Project

from .client import resources
from .client.http import ProcoreClient
from .engine_models import ExternalRef, LinkState
from .entities import ENTITIES
from .models import ProcoreConnection

CACHE_SECONDS = 60


def procore_projects(connection: ProcoreConnection, query: str = "") -> list[dict]:
    """Every active project of the company (all pages), cached briefly per connection."""
    key = f"procore-projects:{connection.pk}:{connection.company_id}"
    projects = cache.get(key)
    if projects is None:
        projects = [
            {"id": p["id"], "name": p.get("name") or "", "number": p.get("project_number") or ""}
            for p in resources.projects(ProcoreClient(connection), company_id=connection.company_id)
        ]
        cache.set(key, projects, CACHE_SECONDS)
    words = query.lower().split()
    return [p for p in projects if all(w in f"{p['number']} {p['name']}".lower() for w in words)]


def procore_project_options(
    connection: ProcoreConnection, project: Project, query: str = ""
) -> list[dict]:
    """The Procore projects offered to `project`, each with `mapped_to`: the other Trestle
    project that holds it (it cannot be chosen, see `_take`), or None."""
    options = procore_projects(connection, query)
    held = dict(
        _project_links()
        .filter(office=project.office, procore_id__in=[p["id"] for p in options])
        .exclude(state=LinkState.UNLINKED)
        .exclude(object_id=project.pk)
        .values_list("procore_id", "object_id")
    )
    names = Project.objects.in_bulk(held.values())
    return [{**p, "mapped_to": names.get(held.get(p["id"]))} for p in options]


def _project_links():
    return ExternalRef.objects.filter(
        procore_type="project", content_type=ContentType.objects.get_for_model(Project)
    )


def project_mapping(project: Project) -> ExternalRef | None:
    """The project's live mapping; an unmapped project (its link kept as unlinked) has none."""
    return (
        _project_links()
        .filter(office=project.office, object_id=project.pk)
        .exclude(state=LinkState.UNLINKED)
        .first()
    )


@transaction.atomic
def project_map(*, project: Project, procore_project: dict, user: User) -> ExternalRef:
    """One Trestle project maps to one Procore project and vice versa.

    A project that moves to another Procore project (or lets go of one, see `_take`) loses the
    links of its sub-jobs and crews: they name records of the old Procore project."""
    links = _project_links().select_for_update().filter(office=project.office)
    _take(links, project, procore_project)
    before = links.filter(object_id=project.pk).values_list("procore_id", flat=True).first()
    if before not in (None, procore_project["id"]):
        _forget_children(project.office, project.pk)
    ref, _ = ExternalRef.objects.update_or_create(
        office=project.office,
        procore_type="project",
        content_type=ContentType.objects.get_for_model(Project),
        object_id=project.pk,
        defaults={
            "procore_id": procore_project["id"],
            "fingerprint": "",
            "state": LinkState.SYNCED,
        },
    )
    audit_record(
        account=project.office.account,
        actor=user,
        action="procore.project_mapped",
        target=project,
        detail={"procore_project_id": procore_project["id"], "name": procore_project["name"]},
    )
    return ref


def _take(links, project: Project, procore_project: dict) -> None:
    """Refuse a Procore project mapped to another Trestle project; free one it was unmapped
    from (its kept link lets go of the Procore id)."""
    taken = links.filter(procore_id=procore_project["id"]).exclude(object_id=project.pk).first()
    if taken is None:
        return
    if taken.state != LinkState.UNLINKED:
        other = Project.objects.filter(pk=taken.object_id).first()
        raise ValidationError(f"{procore_project['name']} is already mapped to project {other}.")
    taken.procore_id = None
    taken.save(update_fields=["procore_id"])
    _forget_children(project.office, taken.object_id)


def _forget_children(office, project_id: int) -> None:
    """Drop the links of a project's own records (sub-jobs, crews) to Procore records."""
    for entity in ENTITIES.values():
        if entity.parent_field == "project":
            ExternalRef.objects.filter(
                office=office,
                procore_type=entity.procore_type,
                content_type=ContentType.objects.get_for_model(entity.model),
                object_id__in=entity.model.objects.filter(project_id=project_id).values("pk"),
            ).delete()


@transaction.atomic
def project_unmap(*, project: Project, user: User) -> ExternalRef:
    """Stop syncing the project with its Procore project until it is mapped again.

    The link stays, marked unlinked, so neither side is linked again or copied behind the
    user's back (see `links.link_unlink`); what was pushed or sent before stays as it is."""
    ref = (
        _project_links()
        .select_for_update()
        .filter(office=project.office, object_id=project.pk, procore_id__isnull=False)
        .exclude(state=LinkState.UNLINKED)
        .first()
    )
    if ref is None:
        raise ValidationError(f"{project} is not mapped to a Procore project.")
    ref.state, ref.error = LinkState.UNLINKED, ""
    ref.save(update_fields=["state", "error"])
    audit_record(
        account=project.office.account,
        actor=user,
        action="procore.project_unmapped",
        target=project,
        detail={"procore_project_id": ref.procore_id},
    )
    return ref


def mapped_project_ids(projects) -> set[int]:
    """Which of these Trestle projects are mapped, in one query (for the project list)."""
    return set(
        _project_links()
        .filter(object_id__in=[p.pk for p in projects])
        .exclude(state=LinkState.UNLINKED)
        .values_list("object_id", flat=True)
    )
