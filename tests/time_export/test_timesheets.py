"""Time cards to Procore timecard entries, against the live sandbox."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from apps.procore_sync.engine_models import ExternalRef, RunStatus
from apps.procore_sync.time_export.states import entry_state_labels
from apps.timecards.dates import project_local_date
from apps.timecards.models import EntryStatus

from .conftest import MONDAY

pytestmark = pytest.mark.django_db(transaction=True)
TUESDAY = MONDAY + timedelta(days=1)


def _ref(entry) -> ExternalRef:
    return ExternalRef.objects.get(procore_type="timecard_entry", object_id=entry.pk)


def test_an_approved_time_card_goes_to_procore_with_every_mapped_field(site):
    entry = site.entry(
        0,
        MONDAY,
        "7.5",
        sub_job=site.sub_job,
        crew=site.crew,
        work_classification=site.carpenter,
        description="Walls L2",
    )
    run = site.export()
    [sent] = site.timecards()
    ids = site.procore_ids
    assert run.status == RunStatus.SUCCEEDED and run.counts == {"created": 1}
    assert sent["origin_id"] == f"trestle-time-{entry.pk}"
    assert (sent["date"], sent["hours"], sent["party_id"]) == (
        "2026-11-16",
        "7.50",
        site.parties[entry.employee_id],
    )
    assert (sent["cost_code_id"], sent["line_item_type_id"]) == (ids["framing"], ids["labor"])
    assert (sent["sub_job_id"], sent["timecard_time_type_id"], sent["crew_id"]) == (
        ids["sub_job"],
        ids["regular"],
        ids["crew"],
    )
    assert sent["work_classification_id"] == ids["carpenter"]
    assert (sent["approval_status"], sent["description"]) == ("approved", "Walls L2")
    assert _ref(entry).procore_id == sent["id"]
    assert entry_state_labels([entry]) == {entry.pk: "Sent"}


def test_a_draft_or_submitted_card_waits_for_approval(site):
    draft = site.entry(0, MONDAY, 8, status=EntryStatus.DRAFT)
    submitted = site.entry(1, MONDAY, 8, status=EntryStatus.SUBMITTED)
    run = site.export()
    assert site.timecards() == [] and run.counts == {"skipped": 2}
    assert entry_state_labels([draft, submitted]) == {
        draft.pk: "Not sent",
        submitted.pk: "Not sent",
    }
    site.configure(trigger="submitted")
    site.export()
    assert [t["approval_status"] for t in site.timecards()] == ["pending"]
    site.change(submitted, status=EntryStatus.APPROVED)
    assert entry_state_labels([submitted])[submitted.pk] == "Out of date"
    site.export()
    assert [t["approval_status"] for t in site.timecards()] == ["approved"]


def test_an_edit_then_re_export_updates_the_same_procore_entry(site):
    entry = site.entry(0, MONDAY, 8)
    site.export()
    [before] = site.timecards()
    site.change(entry, hours=Decimal("9.25"), cost_code=site.framing, description="overtime")
    assert entry_state_labels([entry])[entry.pk] == "Out of date"
    run = site.export()
    [after] = site.timecards()
    assert run.counts == {"updated": 1}
    assert after["id"] == before["id"] and after["hours"] == "9.25"
    assert after["description"] == "overtime"
    assert site.export().counts == {"skipped": 1}  # nothing changed: nothing sent
    assert entry_state_labels([entry])[entry.pk] == "Sent"


def test_a_rejected_or_deleted_card_is_removed_and_can_come_back(site):
    rejected, deleted, kept = (site.entry(n, MONDAY, 8) for n in range(3))
    site.export()
    site.change(rejected, status=EntryStatus.REJECTED)
    site.delete(deleted)
    run = site.export()
    assert run.counts == {"deactivated": 2, "skipped": 1}
    assert [t["origin_id"] for t in site.timecards()] == [f"trestle-time-{kept.pk}"]
    assert entry_state_labels([rejected])[rejected.pk] == "Not sent"
    site.change(rejected, status=EntryStatus.APPROVED)  # corrected and approved again
    site.export()
    origins = sorted(t["origin_id"] for t in site.timecards())
    # Procore keeps a deleted entry's origin_id: the card comes back under a new one
    assert origins == sorted([f"trestle-time-{kept.pk}", f"trestle-time-{rejected.pk}-2"])
    assert site.procore_hours() == site.trestle_hours()


def test_a_late_shift_in_denver_lands_on_its_local_date(site):
    started = datetime(2026, 11, 16, 23, 30, tzinfo=ZoneInfo("America/Denver"))
    assert started.astimezone(ZoneInfo("UTC")).date() == TUESDAY  # already Tuesday in UTC
    entry = site.entry(0, project_local_date(site.project, started), "4")
    site.export(MONDAY, TUESDAY)
    [sent] = site.timecards()
    assert sent["date"] == "2026-11-16" == entry.date.isoformat()
    site.configure(mode="daily_logs", manpower=True)
    refused = site.run("time_export", entry_ids=[entry.pk])
    assert refused.status == RunStatus.FAILED and "daily-log timecards" in refused.error
    site.publish(MONDAY)
    assert [m["date"] for m in site.live("manpower_logs")] == ["2026-11-16"]


def test_pre_flight_refuses_each_broken_card_with_its_fix_and_sends_the_rest(site):
    good = site.entry(0, MONDAY, 8)
    no_labor = site.entry(1, MONDAY, 8, cost_code=site.painting)
    unknown_code = site.entry(2, MONDAY, 8, cost_code=site.unknown_code)
    site.employees[3].employee_id = "X"
    site.employees[3].save()
    ExternalRef.objects.filter(object_id=site.employees[3].pk, procore_type="company_user").delete()
    unlinked = site.entry(3, MONDAY, 8)
    other_sub_job = site.sub_job.__class__.objects.create(
        office=site.project.office, project=site.project, code="009", name="Annex"
    )
    no_sub_job = site.entry(0, TUESDAY, 8, sub_job=other_sub_job)
    site.procore.add(
        "timesheets", project_id=site.procore_project_id, date="2026-11-17", status="approved"
    )
    closed = site.entry(1, TUESDAY, 8)

    from apps.procore_sync.time_export.services import export_preview

    preview = export_preview(office=site.project.office, start=MONDAY, end=TUESDAY)
    refused = {entry.pk: (message, fix) for entry, message, fix in preview.refused}
    assert site.timecards() == []  # the pre-flight sends nothing
    run = site.export(MONDAY, TUESDAY)
    failed = {i.object_id: (i.message, i.fix) for i in run.items.filter(outcome="failed")}
    assert failed == refused
    assert run.status == RunStatus.PARTIAL and run.counts == {"created": 1, "failed": 5}
    assert [t["origin_id"] for t in site.timecards()] == [f"trestle-time-{good.pk}"]
    assert "no labor cost type" in failed[no_labor.pk][0]
    assert "Labor cost type" in failed[no_labor.pk][1]
    assert "not in the Procore project" in failed[unknown_code.pk][0]
    assert "not linked to a Procore person" in failed[unlinked.pk][0]
    assert "Sub-job 009 is not in Procore" in failed[no_sub_job.pk][0]
    assert "closed in Procore" in failed[closed.pk][0] and "pending" in failed[closed.pk][1]
    states = entry_state_labels([good, no_labor])
    assert states[good.pk] == "Sent" and states[no_labor.pk].startswith("Failed: Cost code 09-900")


def test_an_unmapped_project_fails_its_cards_only(site, tenant):
    from apps.projects.models import Project

    elsewhere = Project.objects.create(office=tenant.office, number="U-1", name="Unmapped")
    site.entry(0, MONDAY, 8)
    lost = site.entry(1, MONDAY, 8)
    lost.project = elsewhere
    lost.save()
    run = site.export()
    [item] = run.items.filter(outcome="failed")
    assert "not mapped to a Procore project" in item.message and "Advanced Settings" in item.fix
    assert len(site.timecards()) == 1


def test_retry_failed_sends_only_the_cards_that_failed(site):
    ok = site.entry(0, MONDAY, 8)
    fixable = site.entry(1, MONDAY, 8, cost_code=site.unknown_code)
    run = site.export()
    site.change(fixable, cost_code=site.framing)
    retry = site.retry(run)
    assert retry.params["entry_ids"] == [fixable.pk]
    assert retry.counts == {"created": 1}
    assert {t["origin_id"] for t in site.timecards()} == {
        f"trestle-time-{ok.pk}",
        f"trestle-time-{fixable.pk}",
    }


def test_many_cards_go_in_bulk_batches_of_25(site):
    from apps.procore_sync.time_export.timesheets import BULK_SIZE

    for day in range(10):
        for employee in range(4):
            site.entry(employee, MONDAY + timedelta(days=day), 8)
    run = site.export(MONDAY, MONDAY + timedelta(days=9))
    assert BULK_SIZE == 25 and run.counts == {"created": 40}
    assert len(site.timecards()) == 40 and max(site.origin_counts().values()) == 1


def test_the_template_tag_shows_each_cards_state(site):
    sent, failed, waiting = (
        site.entry(0, MONDAY, 8),
        site.entry(1, MONDAY, 8, cost_code=site.unknown_code),
        site.entry(2, MONDAY, 8, status=EntryStatus.SUBMITTED),
    )
    site.export()
    template = Template(
        "{% load procore %}{% time_entry_states entries as states %}"
        "{% for e in entries %}[{{ states|get_item:e.pk }}]{% endfor %}"
    )
    html = template.render(Context({"entries": [sent, failed, waiting]}))
    assert html.startswith("[Sent][Failed: Cost code 31-000 is not in the Procore project.")
    assert html.endswith("[Not sent]")
