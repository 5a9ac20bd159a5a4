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
from .engine_models import ExternalRef
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


def project_mapping(project: Project) -> ExternalRef | None:
    return ExternalRef.objects.filter(
        office=project.office,
        procore_type="project",
        content_type=ContentType.objects.get_for_model(Project),
        object_id=project.pk,
    ).first()


@transaction.atomic
def project_map(*, project: Project, procore_project: dict, user: User) -> ExternalRef:
    """One Trestle project maps to one Procore project and vice versa."""
    taken = (
        ExternalRef.objects.select_for_update()
        .filter(office=project.office, procore_type="project", procore_id=procore_project["id"])
        .exclude(object_id=project.pk)
        .first()
    )
    if taken is not None:
        other = Project.objects.filter(pk=taken.object_id).first()
        raise ValidationError(f"{procore_project['name']} is already mapped to project {other}.")
    ref, _ = ExternalRef.objects.update_or_create(
        office=project.office,
        procore_type="project",
        content_type=ContentType.objects.get_for_model(Project),
        object_id=project.pk,
        defaults={"procore_id": procore_project["id"], "fingerprint": "", "state": "synced"},
    )
    audit_record(
        account=project.office.account,
        actor=user,
        action="procore.project_mapped",
        target=project,
        detail={"procore_project_id": procore_project["id"], "name": procore_project["name"]},
    )
    return ref


def mapped_project_ids(projects) -> set[int]:
    """Which of these Trestle projects are mapped, in one query (for the project list)."""
    return set(
        ExternalRef.objects.filter(
            procore_type="project",
            content_type=ContentType.objects.get_for_model(Project),
            object_id__in=[p.pk for p in projects],
        ).values_list("object_id", flat=True)
    )
