"""Unmapping a project from its Procore project: what stops, what is kept, mapping again."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import Client

from apps.accounts.models import AuditEntry
from apps.procore_sync.ap_import.flow import mapped_projects
from apps.procore_sync.cor_push.options import PushOptions
from apps.procore_sync.cor_push.preflight import plan_push
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import ExternalRef, LinkState
from apps.procore_sync.project_mapping import (
    mapped_project_ids,
    project_map,
    project_mapping,
    project_unmap,
)
from apps.procore_sync.runs import run_queue
from apps.projects.models import Project, SubJob
from tests.sync_engine.conftest import procore  # noqa: F401  (the fixture)

TOWER = {"id": 4_000_000_001, "name": "Tower"}
ANNEX = {"id": 4_000_000_002, "name": "Annex"}


@pytest.fixture
def project(tenant) -> Project:
    return Project.objects.create(office=tenant.office, number="200", name="PJA")


def link_of(project: Project) -> ExternalRef:
    return ExternalRef.objects.get(
        procore_type="project",
        content_type=ContentType.objects.get_for_model(Project),
        object_id=project.pk,
    )


def sub_job_link(sub_job: SubJob, procore_id: int) -> ExternalRef:
    return ExternalRef.objects.create(
        office=sub_job.office,
        procore_type="sub_job",
        content_type=ContentType.objects.get_for_model(SubJob),
        object_id=sub_job.pk,
        procore_id=procore_id,
    )


@pytest.mark.django_db
def test_unmapping_keeps_the_link_as_unlinked_and_audits_it(tenant, project):
    project_map(project=project, procore_project=TOWER, user=tenant.owner)
    project_unmap(project=project, user=tenant.owner)
    link = link_of(project)
    assert (link.state, link.procore_id) == (LinkState.UNLINKED, TOWER["id"])
    assert project_mapping(project) is None and mapped_project_ids([project]) == set()
    entry = AuditEntry.objects.get(action="procore.project_unmapped")
    assert (entry.actor, entry.target_id) == (tenant.owner, str(project.pk))
    assert entry.detail == {"procore_project_id": TOWER["id"]}


@pytest.mark.django_db
def test_an_unmapped_project_is_neither_pushed_nor_imported_into(tenant, project):
    project_map(project=project, procore_project=TOWER, user=tenant.owner)
    project_unmap(project=project, user=tenant.owner)
    plan = plan_push(project, [], PushOptions(title="Owner changes"))
    assert [p.message for p in plan.problems] == [
        "Project 200 PJA is not mapped to a Procore project."
    ]
    assert mapped_projects(tenant.office) == []  # AP invoice import and payments skip it


@pytest.mark.django_db
def test_only_a_mapped_project_can_be_unmapped(tenant, project):
    with pytest.raises(ValidationError, match="is not mapped to a Procore project"):
        project_unmap(project=project, user=tenant.owner)
    project_map(project=project, procore_project=TOWER, user=tenant.owner)
    project_unmap(project=project, user=tenant.owner)
    with pytest.raises(ValidationError):
        project_unmap(project=project, user=tenant.owner)
    assert AuditEntry.objects.filter(action="procore.project_unmapped").count() == 1


@pytest.mark.django_db
def test_mapping_back_to_the_same_procore_project_keeps_its_sub_job_links(tenant, project):
    site = SubJob.objects.create(office=tenant.office, project=project, code="005", name="Site")
    project_map(project=project, procore_project=TOWER, user=tenant.owner)
    sub_job_link(site, 4_000_000_101)
    project_unmap(project=project, user=tenant.owner)
    project_map(project=project, procore_project=TOWER, user=tenant.owner)
    assert project_mapping(project).state == LinkState.SYNCED
    assert ExternalRef.objects.filter(procore_type="sub_job", object_id=site.pk).exists()


@pytest.mark.django_db
def test_mapping_to_another_procore_project_forgets_the_old_sub_job_links(tenant, project):
    site = SubJob.objects.create(office=tenant.office, project=project, code="005", name="Site")
    project_map(project=project, procore_project=TOWER, user=tenant.owner)
    sub_job_link(site, 4_000_000_101)
    project_unmap(project=project, user=tenant.owner)
    project_map(project=project, procore_project=ANNEX, user=tenant.owner)
    assert project_mapping(project).procore_id == ANNEX["id"]
    assert not ExternalRef.objects.filter(procore_type="sub_job").exists()


@pytest.mark.django_db
def test_another_project_can_take_the_procore_project_this_one_was_unmapped_from(tenant, project):
    site = SubJob.objects.create(office=tenant.office, project=project, code="005", name="Site")
    other = Project.objects.create(office=tenant.office, number="300", name="Right one")
    project_map(project=project, procore_project=TOWER, user=tenant.owner)
    sub_job_link(site, 4_000_000_101)
    with pytest.raises(ValidationError, match="already mapped to project 200 PJA"):
        project_map(project=other, procore_project=TOWER, user=tenant.owner)
    project_unmap(project=project, user=tenant.owner)
    project_map(project=other, procore_project=TOWER, user=tenant.owner)
    assert project_mapping(other).procore_id == TOWER["id"]
    released = link_of(project)  # kept, so auto-import never links or copies it behind our back
    assert (released.state, released.procore_id) == (LinkState.UNLINKED, None)
    assert not ExternalRef.objects.filter(procore_type="sub_job").exists()
    assert mapped_project_ids([project, other]) == {other.pk}


def sync(office):
    run = run_queue(
        office=office,
        flow="entities",
        trigger="user",
        params={"entities": ["projects", "sub_jobs"]},
        enqueue=lambda _: None,
    )
    return run_execute(run.pk)


@pytest.mark.django_db(transaction=True)
def test_the_sync_leaves_an_unmapped_project_alone_until_it_is_mapped_again(
    procore,  # noqa: F811
    tenant,
    project,
):
    tower = procore.add("projects", name="PJA", project_number="200", active=True)
    procore.add("sub_jobs", project_id=tower.id, name="Site", code="005")
    procore.settings.directions = {"sub_jobs": "both"}
    procore.settings.save()
    project_map(project=project, procore_project={"id": tower.id, "name": "PJA"}, user=tenant.owner)
    sync(tenant.office)
    assert [s.code for s in SubJob.objects.all()] == ["005"]

    project_unmap(project=project, user=tenant.owner)
    procore.add("sub_jobs", project_id=tower.id, name="Roof", code="006")
    SubJob.objects.create(office=tenant.office, project=project, code="007", name="Ours")
    sync(tenant.office)
    assert Project.objects.count() == 1  # the Procore project is not copied in either
    assert sorted(s.code for s in SubJob.objects.all()) == ["005", "007"]
    assert [s["code"] for s in procore.records("sub_jobs")] == ["005", "006"]

    project_map(project=project, procore_project={"id": tower.id, "name": "PJA"}, user=tenant.owner)
    sync(tenant.office)
    assert sorted(s.code for s in SubJob.objects.all()) == ["005", "006", "007"]
    assert sorted(s["code"] for s in procore.records("sub_jobs")) == ["005", "006", "007"]


# --- the page ------------------------------------------------------------------------------


@pytest.fixture
def mapped(tenant, project) -> Project:
    project_map(project=project, procore_project=TOWER, user=tenant.owner)
    return project


@pytest.mark.django_db
def test_unmap_asks_first_then_unmaps_with_a_message(client_as, mapped):
    client = client_as("admin")
    page = client.get(f"/projects/{mapped.pk}/procore/").content.decode()
    assert 'href="?unmap=1"' in page and "Unmap 200 PJA from" not in page
    confirm = client.get(f"/projects/{mapped.pk}/procore/?unmap=1").content.decode()
    assert f"Unmap 200 PJA from Procore project #{TOWER['id']}?" in confirm
    assert f'action="/projects/{mapped.pk}/procore/unmap/"' in confirm
    assert project_mapping(mapped) is not None  # asking changed nothing
    response = client.post(f"/projects/{mapped.pk}/procore/unmap/", follow=True)
    assert response.redirect_chain == [(f"/projects/{mapped.pk}/procore/", 302)]
    text = response.content.decode()
    assert f"200 PJA is no longer mapped to Procore project #{TOWER['id']}" in text
    assert "Not mapped to a Procore project." in text
    assert project_mapping(mapped) is None


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "allowed"), [("project_manager", True), ("field", False)])
def test_unmapping_takes_the_roles_that_may_map(client_as, mapped, role, allowed):
    client = client_as(role)
    confirm = client.get(f"/projects/{mapped.pk}/procore/?unmap=1").content.decode()
    assert ("/procore/unmap/" in confirm) is allowed
    response = client.post(f"/projects/{mapped.pk}/procore/unmap/")
    assert response.status_code == (302 if allowed else 403)
    assert (project_mapping(mapped) is None) is allowed


@pytest.mark.django_db
def test_unmap_is_a_csrf_checked_post_only(tenant, mapped):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant.owner)
    assert client.get(f"/projects/{mapped.pk}/procore/unmap/").status_code == 405
    assert client.post(f"/projects/{mapped.pk}/procore/unmap/").status_code == 403
    assert project_mapping(mapped) is not None


@pytest.mark.django_db
def test_another_accounts_project_is_not_found(client, outsider, tenant):
    theirs = Project.objects.create(office=outsider.office, number="9", name="Theirs")
    project_map(project=theirs, procore_project=TOWER, user=outsider.owner)
    client.force_login(tenant.owner)
    assert client.post(f"/projects/{theirs.pk}/procore/unmap/").status_code == 404
    assert project_mapping(theirs) is not None


@pytest.mark.django_db
def test_a_project_of_a_disconnected_office_can_still_be_unmapped(owner_client, mapped):
    page = owner_client.get(f"/projects/{mapped.pk}/procore/").content.decode()
    assert "is not connected to Procore" in page and 'href="?unmap=1"' in page
    owner_client.post(f"/projects/{mapped.pk}/procore/unmap/")
    assert project_mapping(mapped) is None
