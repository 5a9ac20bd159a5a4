"""Polling as the safety net (issue 17 §2): a scheduled entity sync with nothing changed reads
one request per kind of resource whatever the number of projects, reads the projects that
changed (by the projects read, by a webhook delivery, newly linked) and nothing else, and the
nightly full re-read finds what a lost delivery would have carried."""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F

from apps.procore_sandbox import audit, store
from apps.procore_sandbox.models import SandboxRecord
from apps.procore_sync import schedules
from apps.procore_sync.client.http import USER_AGENT
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import ExternalRef, SyncRun, Trigger, WebhookDelivery
from apps.procore_sync.runs import run_queue
from apps.projects.models import CostCode, SubJob
from apps.timecards.models import Crew

pytestmark = pytest.mark.django_db(transaction=True)

HOOKED = "0" * 64  # a registered hook's secret hash: the office gets Procore's deliveries


def sync(office, trigger=Trigger.SCHEDULE, **params) -> tuple[SyncRun, Counter]:
    """Run the office's entity sync as the schedule queues it; the requests it sent, by kind."""
    run = run_queue(
        office=office, flow="entities", trigger=trigger, params=params, enqueue=lambda _: None
    )
    with audit.recording(USER_AGENT) as sent:
        run = run_execute(run.pk)
    assert run.status == "succeeded", run.error
    return run, Counter(_kind(s.path) for s in sent)


def _kind(path: str) -> str:
    if "/projects/" in path:  # /rest/v1.0/projects/{id}/crews
        return path.rsplit("/", 1)[-1]
    return path.rstrip("/").rsplit("/", 1)[-1]


def backdate(*records: SandboxRecord) -> None:
    """As if made an hour ago: a later run's cursor (less its 2-minute overlap) skips them."""
    SandboxRecord.objects.filter(pk__in=[r.pk for r in records]).update(
        created_at=F("created_at") - timedelta(hours=1),
        updated_at=F("updated_at") - timedelta(hours=1),
    )


@pytest.fixture
def company(procore):
    """Projects with a sub-job and a crew each, a cost code list, and a registered hook."""
    projects = [
        procore.add("projects", name=f"P{n}", project_number=str(n), active=True)
        for n in range(100, 106)
    ]
    sub_jobs = [procore.add("sub_jobs", project_id=p.id, name="Site", code="005") for p in projects]
    crews = [procore.add("crews", project_id=p.id, name=f"Crew {p.id}") for p in projects]
    codes = procore.add("standard_cost_code_lists", name="Main")
    division = procore.add("standard_cost_codes", under=codes.id, code="03", full_code="03",
                           name="Concrete", parent_id=None)  # fmt: skip
    code = procore.add("standard_cost_codes", under=codes.id, code="100", full_code="03-100",
                       name="Forming", parent_id=division.id)  # fmt: skip
    procore.add("work_classifications", name="Carpenter", abbreviation="CARP")
    backdate(*projects, *sub_jobs, *crews, division, code)
    procore.settings.cost_code_list_id = codes.id
    procore.settings.webhook_secret_hash = HOOKED
    procore.settings.save()
    return {"projects": projects, "sub_jobs": sub_jobs, "crews": crews, "code": code}


EVERY_KIND = {  # one request each: nothing per project, no cost code list
    "custom_field_definitions", "work_classifications", "users", "projects",
    "timecard_time_types", "vendors",
}  # fmt: skip


def test_a_scheduled_sync_with_nothing_changed_reads_one_request_per_kind(company, tenant):
    _, sent = sync(tenant.office, trigger=Trigger.USER)
    assert sent["sub_jobs"] == sent["crews"] == 6 and sent["standard_cost_codes"] == 1
    assert SubJob.objects.count() == Crew.objects.count() == 6 and CostCode.objects.count() == 1

    _, sent = sync(tenant.office)
    assert sent == Counter(EVERY_KIND)


def test_without_a_registered_hook_every_project_is_read_as_before(procore, company, tenant):
    procore.settings.webhook_secret_hash = ""
    procore.settings.save()
    sync(tenant.office, trigger=Trigger.USER)
    _, sent = sync(tenant.office)
    assert sent["sub_jobs"] == sent["crews"] == 6 and sent["standard_cost_codes"] == 1


def test_a_project_changed_in_procore_has_its_sub_jobs_and_crews_read(procore, company, tenant):
    sync(tenant.office, trigger=Trigger.USER)
    project = company["projects"][2]
    procore.change(project, name="Renamed")
    procore.add("sub_jobs", project_id=project.id, name="Roof", code="010")

    _, sent = sync(tenant.office)
    assert sent["sub_jobs"] == sent["crews"] == 1
    assert SubJob.objects.filter(code="010", project__name="Renamed").exists()


def test_a_sub_job_delivery_reads_the_project_it_names(procore, company, tenant):
    sync(tenant.office, trigger=Trigger.USER)
    sub_job = company["sub_jobs"][4]
    procore.change(sub_job, name="Yard")
    delivered(tenant.office, "Sub Jobs", sub_job.id)

    _, sent = sync(tenant.office, entities=["sub_jobs"])
    assert sent == Counter({"sub_jobs": 1})
    assert SubJob.objects.get(name="Yard").project.number == "104"


def test_a_delivery_for_a_new_sub_job_reads_the_project_it_names(procore, company, tenant):
    sync(tenant.office, trigger=Trigger.USER)
    new = procore.add("sub_jobs", project_id=company["projects"][1].id, name="Dock", code="020")
    delivered(tenant.office, "Sub Jobs", new.id, project_id=company["projects"][1].id)

    _, sent = sync(tenant.office)
    assert sent["sub_jobs"] == 1
    assert SubJob.objects.filter(name="Dock").exists()


def test_a_delivery_naming_no_project_for_an_unknown_sub_job_reads_every_project(
    procore, company, tenant
):
    sync(tenant.office, trigger=Trigger.USER)
    new = procore.add("sub_jobs", project_id=company["projects"][1].id, name="Dock", code="020")
    delivered(tenant.office, "Sub Jobs", new.id)

    _, sent = sync(tenant.office)
    assert sent["sub_jobs"] == 6
    assert SubJob.objects.filter(name="Dock").exists()


def test_a_delivery_of_another_company_reads_nothing(procore, company, tenant):
    sync(tenant.office, trigger=Trigger.USER)
    delivered(tenant.office, "Sub Jobs", None, outcome="ignored: another company")
    delivered(tenant.office, "Standard Cost Codes", company["code"].id, outcome="ignored: x")
    _, sent = sync(tenant.office)
    assert sent == Counter(EVERY_KIND)


def test_a_project_linked_since_the_last_read_is_read_whole(procore, company, tenant):
    """Activated in Procore: its sub-jobs are older than the cursor, and all come in."""
    asleep = procore.add("projects", name="Later", project_number="300", active=False)
    old = procore.add("sub_jobs", project_id=asleep.id, name="Old", code="090")
    backdate(asleep, old)
    sync(tenant.office, trigger=Trigger.USER)
    assert not SubJob.objects.filter(code="090").exists()

    procore.change(asleep, active=True)
    _, sent = sync(tenant.office)
    assert sent["sub_jobs"] == sent["crews"] == 1
    assert SubJob.objects.get(code="090").project.number == "300"


def test_a_cost_code_delivery_reads_the_list_and_a_new_list_is_read(procore, company, tenant):
    sync(tenant.office, trigger=Trigger.USER)
    procore.change(company["code"], name="Forming and shoring")
    delivered(tenant.office, "Standard Cost Codes", company["code"].id)
    _, sent = sync(tenant.office)
    assert sent["standard_cost_codes"] == 1
    assert CostCode.objects.get().name == "Forming and shoring"
    _, sent = sync(tenant.office)
    assert "standard_cost_codes" not in sent  # nothing announced since that read

    other = procore.add("standard_cost_code_lists", name="Other")
    procore.add("standard_cost_codes", under=other.id, code="04", full_code="04", name="Masonry",
                parent_id=None)  # fmt: skip
    procore.settings.refresh_from_db()
    procore.settings.cost_code_list_id = other.id
    procore.settings.save(update_fields=["cost_code_list_id"])
    _, sent = sync(tenant.office)
    assert sent["standard_cost_codes"] == 1


def delivered(office, resource: str, resource_id, outcome: str = "sync", project_id=None) -> None:
    WebhookDelivery.objects.create(
        office=office,
        event_key=f"{resource}-{resource_id}-{WebhookDelivery.objects.count()}",
        resource_name=resource,
        event_type="update",
        resource_id=resource_id,
        project_id=project_id,
        outcome=outcome,
    )


# --- the nightly full re-read -----------------------------------------------------------------


def at(day: int, hour: int, zone: str = "America/Chicago") -> datetime:
    return datetime(2026, 12, day, hour, 30, tzinfo=ZoneInfo(zone))


def test_the_full_re_read_is_queued_once_a_night_in_the_office_zone(procore, tenant):
    tenant.office.time_zone = "America/Chicago"
    tenant.office.save()
    procore.settings.flows = {"entities": True}
    procore.settings.save()
    sent: list[int] = []
    counts = [
        schedules.queue_full_rereads(enqueue=sent.append, now=moment)
        for moment in (at(6, 0), at(6, 1), at(6, 5), at(6, 23), at(7, 1))
    ]
    assert counts == [0, 1, 0, 0, 1]  # 0:30 too early; 1:30 queues; that night no more
    runs = SyncRun.objects.filter(pk__in=sent)
    assert {(r.flow, r.trigger, r.params["full"]) for r in runs} == {("entities", "schedule", True)}

    procore.settings.refresh_from_db()
    procore.settings.options = {"full_reread_nights": 2}
    procore.settings.save()
    counts = [schedules.queue_full_rereads(enqueue=sent.append, now=at(d, 1)) for d in (8, 9)]
    assert counts == [0, 1]  # every other night


def test_no_full_re_read_when_the_entity_sync_is_off(procore, tenant):
    procore.settings.flows = {"entities": False}
    procore.settings.save()
    assert schedules.queue_full_rereads(enqueue=lambda _: None, now=at(6, 3)) == 0


def test_the_full_re_read_deactivates_what_procore_no_longer_has(procore, company, tenant):
    """A sub-job deleted in Procore whose delivery was lost: the nightly run finds it gone."""
    sync(tenant.office, trigger=Trigger.USER)
    gone = company["sub_jobs"][3]
    store.record_delete(gone)
    _, sent = sync(tenant.office)
    assert "sub_jobs" not in sent and local(gone).active  # no delivery: the hour cannot know

    procore.settings.refresh_from_db()
    procore.settings.flows = {"entities": True}
    procore.settings.save()
    queued: list[int] = []
    schedules.queue_full_rereads(enqueue=queued.append, now=at(6, 2, tenant.office.time_zone))
    [run_id] = queued
    with audit.recording(USER_AGENT) as requests:
        run = run_execute(run_id)
    assert run.status == "succeeded" and run.counts["deactivated"] == 1
    assert not local(gone).active
    assert sum("/sub_jobs" in r.path for r in requests) == 6  # every project read again


def local(record: SandboxRecord) -> SubJob:
    ref = ExternalRef.objects.get(procore_type="sub_job", procore_id=record.id)
    return SubJob.objects.get(pk=ref.object_id)


def test_a_full_re_read_waits_for_the_run_in_progress_instead_of_being_skipped(procore, tenant):
    """A run in progress is incremental: skipping the full re-read would lose what only it finds."""
    from django.utils import timezone

    SyncRun.objects.create(
        office=tenant.office, flow="entities", trigger=Trigger.SCHEDULE, status="running",
        lease_expires_at=timezone.now() + timedelta(minutes=5),
    )  # fmt: skip
    office, schedule = tenant.office, Trigger.SCHEDULE
    runs = [
        run_queue(office=office, flow="entities", trigger=schedule, params=p, enqueue=[].append)
        for p in ({"full": True}, {})
    ]
    assert [run_execute(run.pk).status for run in runs] == ["queued", "skipped"]


def test_the_wizard_shows_and_saves_how_many_nights_apart_the_full_re_read_runs(
    procore, owner_client, tenant
):
    from apps.procore_sync.engine_models import ImportWizard, SyncSettings

    url = f"/settings/offices/{tenant.office.pk}/integrations/procore/wizard/"
    ImportWizard.objects.create(office=tenant.office, step=5)
    assert 'name="full_reread_nights" value="1"' in owner_client.get(url).content.decode()
    owner_client.post(url, {"flow_entities": "on", "time_mode": "timesheets",
                            "ap_mode": "manual", "full_reread_nights": "3"})  # fmt: skip
    settings = SyncSettings.objects.get(office=tenant.office)
    assert schedules.full_reread_nights(settings) == 3
    assert settings.options["full_reread_nights"] == 3
