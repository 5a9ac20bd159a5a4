"""Changing where time goes (issue 16): what Procore holds is withdrawn from the old destination
and published to the new one by one run, or the switch is refused while a day cannot be
withdrawn; Procore never holds a person's hours twice. Export now follows the setting."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.models import Role
from apps.procore_sync.engine import run_execute
from apps.procore_sync.engine_models import ImportWizard, RunStatus, SyncRun, SyncSettings
from apps.procore_sync.time_export.daily_logs import fingerprint
from apps.procore_sync.time_export.switch import WITHDRAWN
from apps.procore_sync.wizard import FLOWS, SettingsChoice, settings_save

from .conftest import MONDAY

pytestmark = pytest.mark.django_db(transaction=True)
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def worked(site):
    """21.5 hours worked and approved: Ana 8 and Ben 7.5 on Monday, Carla 6 on Tuesday, all sent
    to Procore timesheets (the office's setting then)."""
    cards = [site.entry(0, MONDAY, 8), site.entry(1, MONDAY, "7.5"), site.entry(2, TUESDAY, 6)]
    assert site.export(MONDAY, TUESDAY).status == RunStatus.SUCCEEDED
    assert _total(site) == Decimal("21.5")
    return cards


def _total(site) -> Decimal:
    return sum(site.procore_hours().values(), Decimal(0))


def _origins(site) -> Counter:
    return Counter(o.split("-")[1] for o in site.origin_counts())  # "time" or "dl"


def _switch(site, mode: str, queued: list[int] | None = None):
    """The settings step's save, with where time goes set to `mode`."""
    settings = SyncSettings.objects.get(pk=site.procore.settings.pk)
    choice = SettingsChoice(
        directions={},
        flows={f: bool(settings.flows.get(f)) for f in FLOWS},
        intervals={},
        time_mode=mode,
        ap_mode="manual",
    )
    sent = [] if queued is None else queued
    return settings_save(
        office=site.tenant.office, choice=choice, user=site.tenant.owner, enqueue=sent.append
    )


def _switched(site, mode: str) -> SyncRun:
    queued: list[int] = []
    settings = _switch(site, mode, queued)
    [run_id] = queued
    assert settings.options["time_switch"]["run"] == run_id
    return run_execute(run_id)


def _close(site, day) -> object:
    """A Procore admin approves the day's project timesheet: its entries are locked."""
    return site.procore.add(
        "timesheets", project_id=site.procore_project_id, date=day.isoformat(), status="approved"
    )


def test_the_reported_case_37_hours_for_21_5_worked_cannot_happen(site, worked):
    """The office switched to daily logs and Monday was published again: Procore held the
    timesheet entries and the daily-log timecards (8 + 7.5 twice, plus 6: 37 h)."""
    site.configure(mode="daily_logs")
    run = site.publish(MONDAY)
    assert run.status == RunStatus.SUCCEEDED
    assert _total(site) == Decimal("21.5") and site.procore_hours() == site.trestle_hours()
    withdrawn = run.items.filter(entity="time_card", outcome="deactivated")
    assert sorted(withdrawn.values_list("object_id", flat=True)) == [c.pk for c in worked[:2]]
    assert "Withdrawn from Procore timesheets" in withdrawn[0].message
    assert _origins(site) == {"dl": 2, "time": 1}  # Tuesday is still where it was


def test_switching_to_daily_logs_moves_every_day_and_back_again(site, worked):
    run = _switched(site, "daily_logs")
    assert run.flow == "daily_logs" and run.status == RunStatus.SUCCEEDED
    assert run.counts == {"deactivated": 3, "created": 3}
    assert _origins(site) == {"dl": 3} and site.procore_hours() == site.trestle_hours()

    back = _switched(site, "timesheets")
    assert back.flow == "time_export" and back.status == RunStatus.SUCCEEDED
    assert back.counts == {"deactivated": 3, "created": 3}
    assert _origins(site) == {"time": 3} and site.procore_hours() == site.trestle_hours()
    assert sorted(site.origin_counts()) == sorted(f"trestle-time-{c.pk}-2" for c in worked)
    assert {p.fingerprint for p in site_publishes(site)} == {WITHDRAWN} == {fingerprint([])}


def site_publishes(site):
    from apps.procore_sync.time_models import DailyLogPublish

    return DailyLogPublish.objects.filter(project=site.project, kind="timecards")


def test_a_switch_with_nothing_in_procore_queues_no_run(site):
    site.entry(0, MONDAY, 8)
    queued: list[int] = []
    settings = _switch(site, "daily_logs", queued)
    assert queued == [] and "time_switch" not in settings.options
    assert settings.options["time_export"] == "daily_logs"


def test_the_switch_is_refused_while_a_day_is_closed_by_an_approved_timesheet(site, worked):
    _close(site, MONDAY)
    queued: list[int] = []
    with pytest.raises(ValidationError) as refused:
        _switch(site, "daily_logs", queued)
    message = " ".join(refused.value.messages)
    assert "D-1 Nov 16, 2026" in message and "timesheet is approved" in message
    assert "set the day's timesheet back to pending" in message and "Nothing was saved" in message
    settings = SyncSettings.objects.get(pk=site.procore.settings.pk)
    assert settings.options["time_export"] == "timesheets" and queued == []
    assert _total(site) == Decimal("21.5")


def test_a_day_closed_after_the_switch_fails_visibly_and_retry_finishes_it(site, worked):
    queued: list[int] = []
    _switch(site, "daily_logs", queued)
    closed = _close(site, MONDAY)  # between the save and the run
    run = run_execute(queued[0])
    assert run.status == RunStatus.PARTIAL and run.can_retry
    failed = run.items.filter(outcome="failed")
    assert failed.exists() and all("timesheet is approved" in i.message for i in failed)
    assert {i.label.split(" · ")[1] for i in failed.filter(entity="time_card")} == {"Nov 16, 2026"}
    assert site.procore_hours() == site.trestle_hours()  # Monday stays in timesheets only
    assert _origins(site) == {"time": 2, "dl": 1}

    site.procore.change(closed, status="pending")
    retry = site.retry(run)
    assert retry.status == RunStatus.SUCCEEDED
    assert _origins(site) == {"dl": 3} and site.procore_hours() == site.trestle_hours()


def test_a_timesheet_export_first_withdraws_the_days_daily_logs_hold(site):
    site.configure(mode="daily_logs")
    site.entry(0, MONDAY, 8)
    site.entry(1, MONDAY, 4)
    assert site.publish(MONDAY).status == RunStatus.SUCCEEDED
    site.configure(mode="timesheets")  # not through the settings: the export still moves it
    run = site.export(MONDAY)
    assert run.status == RunStatus.SUCCEEDED
    assert _origins(site) == {"time": 2} and site.procore_hours() == site.trestle_hours()
    withdrawn = run.items.filter(entity="daily_log_timecard", outcome="deactivated")
    assert withdrawn.count() == 2 and "Withdrawn from the daily log" in withdrawn[0].message


# --- the pages ------------------------------------------------------------------------------


@pytest.fixture
def settings_url(site):
    ImportWizard.objects.create(office=site.tenant.office, step=5)
    return f"/settings/offices/{site.tenant.office.pk}/integrations/procore/wizard/"


def test_the_settings_page_says_what_a_switch_withdraws_before_saving(
    site, worked, settings_url, client_as
):
    client = client_as(Role.OWNER)
    page = client.get(settings_url).content.decode()
    assert "Time goes to <strong>Procore timesheets</strong> now" in page
    assert "Procore holds 3 timecard entries Trestle sent there, on 2 days" in page
    assert "first <strong>withdraws them from Procore</strong>" in page
    assert "Retry failed" in page and "time-switch-refused" not in page
    _close(site, TUESDAY)
    page = client.get(settings_url).content.decode()
    assert 'id="time-switch-refused"' in page and "D-1 Nov 17, 2026" in page


def test_saving_a_switch_on_the_settings_page_queues_the_move(
    site, worked, settings_url, client_as, monkeypatch
):
    from apps.procore_sync.views import wizard as view

    queued: list[int] = []
    monkeypatch.setattr(view, "enqueue_run", queued.append)
    client = client_as(Role.OWNER)
    form = {"time_mode": "daily_logs", "ap_mode": "manual", "flow_time": "on"}
    response = client.post(settings_url, form, follow=True)
    move = SyncRun.objects.get(flow="daily_logs")
    assert move.pk in queued and f"run #{move.pk} withdraws what Procore timesheets held" in (
        response.content.decode()
    )
    assert run_execute(move.pk).status == RunStatus.SUCCEEDED
    _close(site, MONDAY)
    response = client.post(settings_url, {**form, "time_mode": "timesheets"})
    refused = response.content.decode()
    assert "Time cannot move to Procore timesheets yet" in refused
    assert SyncSettings.objects.get(pk=site.procore.settings.pk).options["time_export"] == (
        "daily_logs"
    )


def test_export_now_follows_the_office_destination_and_says_where(site, client_as, monkeypatch):
    from apps.procore_sync.views import time_export as view

    monkeypatch.setattr(view, "enqueue_run", lambda run_id: None)
    site.configure(mode="daily_logs")
    client = client_as(Role.OWNER)
    page = client.get("/sync/time-export/").content.decode()
    assert "Send to" not in page and 'name="mode"' not in page
    assert "(time goes to Daily-log timecards)" in page
    form = {"office": site.tenant.office.pk, "start": "2026-11-16", "end": "2026-11-16"}
    checked = client.post("/sync/time-export/", {**form, "check": "1"}).content.decode()
    assert "Before sending to Daily-log timecards" in checked
    response = client.post("/sync/time-export/", {**form, "mode": "timesheets"})  # ignored
    run = SyncRun.objects.get()
    assert response.status_code == 302 and run.flow == "daily_logs"
    assert run.params["kinds"] == ["timecards", "manpower", "quantities"]


def test_the_api_refuses_a_destination_other_than_the_office(site, api_as, monkeypatch):
    from apps.procore_sync import api as procore_api

    monkeypatch.setattr(procore_api, "enqueue_run", lambda run_id: None)
    site.configure(mode="daily_logs")
    body = {"office": site.tenant.office.pk, "start": "2026-11-16", "end": "2026-11-16"}
    api = api_as(Role.OWNER)
    refused = api.post("/api/v1/time-exports/", {**body, "mode": "timesheets"}, format="json")
    assert refused.status_code == 400 and "count the hours twice" in str(refused.json())
    assert not SyncRun.objects.exists()
    assert api.post("/api/v1/time-exports/", body, format="json").json()["flow"] == "daily_logs"


@pytest.mark.usefixtures("short_waits")
def test_a_withdrawal_procore_fails_is_a_failed_item_and_nothing_is_sent_twice(site, worked):
    """Procore fails one delete of Monday (500 five times, the client's attempts): Monday stays
    in the daily log, visibly failed, its cards are not sent; Tuesday moves. Retry finishes."""
    from apps.procore_sandbox import faults

    _switched(site, "daily_logs")
    queued: list[int] = []
    _switch(site, "timesheets", queued)
    faults.set_faults(error_500=1.0, methods=["DELETE"], max_faults=5)
    run = run_execute(queued[0])
    faults.reset_faults()
    assert run.status == RunStatus.PARTIAL and run.can_retry
    [failed] = run.items.filter(entity="daily_log_timecard", outcome="failed")
    assert failed.label.startswith("D-1 Nov 16, 2026") and failed.fix.startswith("Retry failed")
    held = run.items.filter(entity="time_card", outcome="failed")
    assert sorted(held.values_list("object_id", flat=True)) == [c.pk for c in worked[:2]]
    assert all(i.message.startswith("Not sent: ") for i in held)
    assert _origins(site) == {"dl": 1, "time": 1}
    procore, trestle = site.procore_hours(), site.trestle_hours()
    assert all(hours <= trestle[key] for key, hours in procore.items())  # never more
    retry = site.retry(run)
    assert retry.status == RunStatus.SUCCEEDED and retry.counts["created"] == 2
    assert _origins(site) == {"time": 3} and site.procore_hours() == site.trestle_hours()


def test_the_settings_page_shows_what_an_unfinished_switch_left_behind(
    site, worked, settings_url, client_as
):
    queued: list[int] = []
    _switch(site, "daily_logs", queued)
    _close(site, MONDAY)
    assert run_execute(queued[0]).status == RunStatus.PARTIAL
    page = client_as(Role.OWNER).get(settings_url).content.decode()
    assert 'id="time-switch-leftover"' in page
    assert "Procore timesheets still hold 2 timecard entries from before the last switch" in page
    assert f'href="/sync/runs/{queued[0]}/"' in page
