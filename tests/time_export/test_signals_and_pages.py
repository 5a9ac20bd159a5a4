"""The time card signal queues exports by the office's settings; Export now page and API."""

from datetime import timedelta

import pytest
from django.db import transaction

from apps.accounts.models import Role
from apps.procore_sync import receivers, schedules
from apps.procore_sync.engine_models import SyncRun
from apps.procore_sync.models import ProcoreConnection
from apps.timecards.models import EntryStatus, TimeCardEntry
from apps.timecards.signals import time_entries_changed

from .conftest import MONDAY

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(receivers, "enqueue_run", sent.append)
    return sent


def _changed(site, entries, action: str) -> list[SyncRun]:
    before = set(SyncRun.objects.values_list("pk", flat=True))
    time_entries_changed.send(
        sender=TimeCardEntry,
        account=site.tenant.account,
        entry_ids=[e.pk for e in entries],
        action=action,
    )
    return list(SyncRun.objects.exclude(pk__in=before).order_by("pk"))


def test_approval_queues_a_timesheet_export_of_those_cards(site, queued):
    entries = [site.entry(n, MONDAY, 8) for n in range(2)]
    [run] = _changed(site, entries, "approved")
    assert (run.flow, run.params) == ("time_export", {"entry_ids": [e.pk for e in entries]})
    assert queued == [run.pk]


def test_submission_goes_only_when_the_office_sends_on_submit(site, queued):
    entry = site.entry(0, MONDAY, 8, status=EntryStatus.SUBMITTED)
    assert _changed(site, [entry], "submitted") == []
    site.configure(trigger="submitted")
    [run] = _changed(site, [entry], "submitted")
    assert run.flow == "time_export"


def test_a_rejection_goes_only_when_the_card_was_sent(site, queued):
    entry = site.entry(0, MONDAY, 8)
    assert _changed(site, [entry], "rejected") == []
    site.export()
    [run] = _changed(site, [entry], "rejected")
    site.change(entry, status=EntryStatus.REJECTED)
    from apps.procore_sync.engine import run_execute

    assert run_execute(run.pk).counts == {"deactivated": 1} and site.timecards() == []


def test_nothing_is_queued_when_time_is_off_or_procore_is_not_connected(site, queued):
    entry = site.entry(0, MONDAY, 8)
    site.configure(time=False)
    site.procore.settings.flows = {"time": False}
    site.procore.settings.save()
    assert _changed(site, [entry], "approved") == []
    site.configure()
    ProcoreConnection.objects.update(status="needs_reconnect")
    assert _changed(site, [entry], "approved") == []


def test_daily_log_offices_get_one_publish_of_the_days_touched(site, queued):
    site.configure(mode="daily_logs", manpower=True, quantities=True)
    entries = [site.entry(0, MONDAY, 8), site.entry(1, MONDAY + timedelta(days=1), 8)]
    [run] = _changed(site, entries, "approved")
    assert run.flow == "daily_logs"
    assert run.params == {
        "days": [[site.project.pk, "2026-11-16"], [site.project.pk, "2026-11-17"]],
        "kinds": ["timecards", "manpower", "quantities"],
    }


def test_manpower_logs_go_along_with_timesheets(site, queued):
    site.configure(manpower=True)
    runs = _changed(site, [site.entry(0, MONDAY, 8)], "approved")
    assert [(r.flow, r.params.get("kinds")) for r in runs] == [
        ("time_export", None),
        ("daily_logs", ["manpower"]),
    ]


def test_the_signal_sent_inside_a_transaction_enqueues_after_commit(site, queued):
    entry = site.entry(0, MONDAY, 8)
    with transaction.atomic():
        [run] = _changed(site, [entry], "approved")
        assert queued == []
    assert queued == [run.pk]


def test_the_schedule_runs_the_time_switches_by_their_flows(site):
    site.configure(mode="daily_logs", manpower=True, quantities=True)
    sent: list[int] = []
    assert schedules.queue_due_runs(enqueue=sent.append) == 1  # time, manpower, quantities
    assert SyncRun.objects.get(pk=sent[0]).flow == "daily_logs"
    site.configure(mode="timesheets")
    site.procore.settings.last_scheduled = {}
    site.procore.settings.save()
    schedules.queue_due_runs(enqueue=sent.append)
    assert SyncRun.objects.get(pk=sent[-1]).flow == "time_export"


def test_a_scheduled_pass_sends_what_is_pending_only(site):
    sent, unchanged, edited = (site.entry(n, MONDAY, 8) for n in range(3))
    site.export()
    site.change(edited, hours=7)
    new = site.entry(3, MONDAY, 8)
    run = site.run("time_export")
    assert {i.object_id: i.outcome for i in run.items.all()} == {
        edited.pk: "updated",
        new.pk: "created",
    }
    assert site.procore_hours() == site.trestle_hours()
    del sent, unchanged


# --- Export now and the API ----------------------------------------------------------------


def test_export_now_shows_the_pre_flight_then_queues_a_run(site, client_as, monkeypatch):
    from apps.procore_sync.views import time_export as view

    queued: list[int] = []
    monkeypatch.setattr(view, "enqueue_run", queued.append)
    site.entry(0, MONDAY, 8)
    broken = site.entry(1, MONDAY, 8, cost_code=site.unknown_code)
    client = client_as(Role.OWNER)
    form = {"office": site.tenant.office.pk, "start": "2026-11-16", "end": "2026-11-16"}
    checked = client.post("/sync/time-export/", {**form, "check": "1"})
    page = checked.content.decode()
    assert checked.status_code == 200
    assert "2 time cards to send" in page and f'data-entry="{broken.pk}"' in page
    assert "Add 31-000 to the project" in page and site.timecards() == []
    exported = client.post("/sync/time-export/", form)
    run = SyncRun.objects.get(flow="time_export")
    assert exported.status_code == 302 and exported.url == f"/sync/runs/{run.pk}/"
    assert queued == [run.pk] and run.params["start"] == "2026-11-16"


def test_export_now_is_for_owners_and_admins_of_the_office_account(site, client_as, outsider):
    form = {"office": outsider.office.pk, "start": "2026-11-16", "end": "2026-11-16"}
    assert client_as(Role.OWNER).post("/sync/time-export/", form).status_code == 404
    assert client_as(Role.FIELD).get("/sync/time-export/").status_code == 403


def test_the_api_queues_an_export_and_returns_the_run(site, api_as, monkeypatch):
    from apps.procore_sync import api as procore_api

    monkeypatch.setattr(procore_api, "enqueue_run", lambda run_id: None)
    body = {"office": site.tenant.office.pk, "start": "2026-11-16", "end": "2026-11-20"}
    response = api_as(Role.OWNER).post("/api/v1/time-exports/", body, format="json")
    run = SyncRun.objects.get()
    assert response.status_code == 202
    assert response.json()["id"] == run.pk and response.json()["flow"] == "time_export"
    assert response.json()["params"] == {
        "start": "2026-11-16",
        "end": "2026-11-20",
        "mode": "timesheets",
    }
    assert response["Location"].endswith(f"/api/v1/sync-runs/{run.pk}/")


def test_the_api_refuses_other_offices_bad_ranges_and_other_roles(site, api_as, outsider):
    api = api_as(Role.OWNER)
    other = {"office": outsider.office.pk, "start": "2026-11-16", "end": "2026-11-16"}
    backwards = {"office": site.tenant.office.pk, "start": "2026-11-20", "end": "2026-11-16"}
    too_long = {"office": site.tenant.office.pk, "start": "2025-01-01", "end": "2026-11-16"}
    assert api.post("/api/v1/time-exports/", other, format="json").status_code == 400
    assert "end" in api.post("/api/v1/time-exports/", backwards, format="json").json()
    assert "end" in api.post("/api/v1/time-exports/", too_long, format="json").json()
    field = api_as(Role.PROJECT_MANAGER).post("/api/v1/time-exports/", other, format="json")
    assert field.status_code == 403 and not SyncRun.objects.exists()
